"""What a server says about a model's context window, asked where each kind says it.

Local servers are not in any price list, so their window was unknown ("window ?") and an
over-long prompt went out and failed. Each kind of server says it somewhere else:

===============  =========================================  ==============================
server           asked                                      field
===============  =========================================  ==============================
llama.cpp        ``GET /v1/models``, ``GET /props``         ``data[].meta.n_ctx``,
                                                            ``default_generation_settings
                                                            .n_ctx``
vLLM             ``GET /v1/models``                         ``data[].max_model_len``
OpenRouter       ``GET /api/v1/models`` (its ``/models``)   ``data[].context_length``
LiteLLM          ``GET /model/info``                        ``model_info.max_input_tokens``
LM Studio        ``GET /api/v0/models``                     ``loaded_context_length`` /
                                                            ``max_context_length``
Ollama           ``POST /api/show``                         ``model_info.*.context_length``
                                                            and ``num_ctx``
===============  =========================================  ==============================

They are asked in that order until one answers; every failure (404, not JSON, a
timeout) only means "not this kind". The parsers are pure functions of the JSON.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

OLLAMA_DEFAULT_NUM_CTX = 4096
"""What Ollama uses when the model sets no ``num_ctx`` (its default since 0.6; servers
started with ``OLLAMA_CONTEXT_LENGTH`` use that, which ``/api/show`` does not say)."""
_NUM_CTX = re.compile(r"^\s*num_ctx\s+(\d+)\s*$", re.M)

Get = Callable[[str], Awaitable[object]]
"""Fetches a URL and returns its JSON (None when it failed)."""
Post = Callable[[str, dict[str, Any]], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class ServerWindow:
    """A model's context window as its server reported it."""

    window: int
    source: str
    """Where it was read, e.g. "llama.cpp /props (n_ctx)"."""
    warning: str | None = None
    """Something the user should know (Ollama silently cuts prompts beyond num_ctx)."""


def root_of(base_url: str) -> str:
    """The server's root: ``base_url`` without its ``/v1`` (or ``/api/v1``) suffix."""
    url = base_url.rstrip("/")
    for suffix in ("/api/v1", "/v1"):
        if url.endswith(suffix):
            return url[: -len(suffix)]
    return url


def window_urls(base_url: str) -> list[str]:
    """Every URL :func:`ask_window` may ask, in order (the last one is a POST)."""
    base = base_url.rstrip("/")
    root = root_of(base)
    paths = ("/props", "/model/info", "/api/v0/models", "/api/show")
    return [f"{base}/models", *(f"{root}{path}" for path in paths)]


async def ask_window(get: Get, post: Post, base_url: str, model: str) -> ServerWindow | None:
    """The window of ``model`` from whichever kind of server answers at ``base_url``."""
    models, props, info, lmstudio, show = window_urls(base_url)
    asks: list[tuple[Callable[[], Awaitable[object]], Callable[[object], ServerWindow | None]]] = [
        (lambda: get(models), lambda body: from_models_list(body, model)),
        (lambda: get(props), from_llama_props),
        (lambda: get(info), lambda body: from_litellm_info(body, model)),
        (lambda: get(lmstudio), lambda body: from_lmstudio(body, model)),
        (lambda: post(show, {"model": model}), from_ollama_show),
    ]
    for fetch, parse in asks:
        found = parse(await fetch())
        if found is not None:
            return found
    return None


def from_models_list(body: object, model: str) -> ServerWindow | None:
    """llama.cpp (``meta.n_ctx``), vLLM (``max_model_len``), OpenRouter
    (``context_length``) in an OpenAI-shaped ``/models`` list."""
    entry = _entry(body, model, "id")
    if entry is None:
        return None
    meta = entry.get("meta")
    n_ctx = _positive(meta.get("n_ctx")) if isinstance(meta, dict) else None
    if n_ctx is not None:
        return ServerWindow(n_ctx, "llama.cpp /v1/models (meta.n_ctx)")
    max_len = _positive(entry.get("max_model_len"))
    if max_len is not None:
        return ServerWindow(max_len, "vLLM /v1/models (max_model_len)")
    length = _positive(entry.get("context_length"))
    if length is None:
        provider = entry.get("top_provider")
        length = _positive(provider.get("context_length")) if isinstance(provider, dict) else None
    if length is not None:
        return ServerWindow(length, "/models (context_length)")
    return None


def from_llama_props(body: object) -> ServerWindow | None:
    """llama.cpp's ``/props``: the context the server was started with (``-c``)."""
    settings = body.get("default_generation_settings") if isinstance(body, dict) else None
    n_ctx = _positive(settings.get("n_ctx")) if isinstance(settings, dict) else None
    return None if n_ctx is None else ServerWindow(n_ctx, "llama.cpp /props (n_ctx)")


def from_litellm_info(body: object, model: str) -> ServerWindow | None:
    """LiteLLM's ``/model/info``: ``max_input_tokens`` of the model (by its public name)."""
    entry = _entry(body, model, "model_name")
    info = entry.get("model_info") if entry is not None else None
    tokens = _positive(info.get("max_input_tokens")) if isinstance(info, dict) else None
    return None if tokens is None else ServerWindow(tokens, "LiteLLM /model/info")


def from_lmstudio(body: object, model: str) -> ServerWindow | None:
    """LM Studio's ``/api/v0/models``: the loaded context, else the model's maximum."""
    entry = _entry(body, model, "id")
    if entry is None:
        return None
    loaded = _positive(entry.get("loaded_context_length"))
    if loaded is not None:
        return ServerWindow(loaded, "LM Studio /api/v0/models (loaded_context_length)")
    most = _positive(entry.get("max_context_length"))
    return None if most is None else ServerWindow(most, "LM Studio /api/v0/models")


def from_ollama_show(body: object) -> ServerWindow | None:
    """Ollama's ``/api/show``: the window it really uses is ``num_ctx`` (the model's own
    ``context_length`` is only its ceiling); longer prompts are cut without an error."""
    if not isinstance(body, dict):
        return None
    info = body.get("model_info")
    trained = None
    if isinstance(info, dict):
        trained = next(
            (_positive(v) for k, v in info.items() if str(k).endswith(".context_length")), None
        )
    parameters = body.get("parameters")
    match = _NUM_CTX.search(parameters) if isinstance(parameters, str) else None
    num_ctx = int(match.group(1)) if match else None
    if trained is None and num_ctx is None:
        return None
    used = num_ctx or OLLAMA_DEFAULT_NUM_CTX
    if trained is not None:
        used = min(used, trained)
    how = "num_ctx" if num_ctx else f"Ollama's default num_ctx {OLLAMA_DEFAULT_NUM_CTX}, assumed"
    warning = (
        f"Ollama uses a {used:,}-token window ({how}) although the model supports "
        f"{trained:,}, and cuts longer prompts without an error. Its OpenAI-compatible API "
        "cannot change that per request: raise it in the Modelfile (PARAMETER num_ctx) or "
        'with OLLAMA_CONTEXT_LENGTH, and set [models."NAME"] context_window to match.'
        if trained is not None and trained > used
        else None
    )
    return ServerWindow(used, f"Ollama /api/show ({how})", warning)


def _entry(body: object, model: str, key: str) -> dict[str, Any] | None:
    """The object in ``body["data"]`` whose ``key`` is ``model``."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return None
    for entry in data:
        if isinstance(entry, dict) and entry.get(key) == model:
            return entry
    return None


def _positive(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return int(value)
