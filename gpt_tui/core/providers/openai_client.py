"""Streaming chat completions through the official ``openai`` SDK.

``openai`` takes about a second to import, so it is imported on first use (or by
:func:`preload` in a background thread after the first frame), never at launch.

One :class:`OpenAIProvider` serves one profile with its own SDK client: its key, headers and
proxy are only ever used for that profile's URL. A profile's ``proxy`` goes to an HTTP
client of its own; without one the SDK's client honours ``HTTPS_PROXY``/``ALL_PROXY``.

When a server answers HTTP 400 ``unsupported_parameter``/``unsupported_value`` naming a
parameter, the request is sent again without it (or under the name the server asks for,
e.g. ``max_completion_tokens``), a :class:`ProviderNotice` says so, and the provider
remembers it for that model so later requests leave it out from the start.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gpt_tui.core.config.types import OPENAI_BASE_URL
from gpt_tui.core.domain.message import ErrorInfo, Usage
from gpt_tui.core.params.capabilities import SystemRole, adapt_system_messages, capabilities_for
from gpt_tui.core.providers.base import (
    ChatRequest,
    CostReported,
    ModelList,
    ProviderError,
    ProviderNotice,
    RetryScheduled,
    StreamEvent,
    TextDelta,
    ToolCallsReported,
    UsageReported,
)
from gpt_tui.core.providers.delta_fields import choice_logprobs, side_events
from gpt_tui.core.providers.errors import describe_error, key_fix
from gpt_tui.core.providers.finish import finish_event
from gpt_tui.core.providers.reported_cost import cost_from_headers, cost_from_usage
from gpt_tui.core.providers.retries import plan_retry
from gpt_tui.core.providers.server_info import ServerWindow, ask_window
from gpt_tui.core.providers.tool_stream import ToolCallAccumulator

if TYPE_CHECKING:
    import httpx2
    from openai import AsyncOpenAI

    from gpt_tui.core.config.types import ProviderSettings

DEFAULT_BASE_URL = OPENAI_BASE_URL
NO_KEY = "no-key"
"""Sent to servers configured without a key (many local servers ignore the header)."""
MAX_PARAM_RETRIES = 3
"""How many rejected parameters one request may drop (each is dropped once)."""
SERVER_INFO_TIMEOUT = 5.0
"""Seconds each question about a model's window may take (asked in the background)."""
UNSUPPORTED_CODES = ("unsupported_parameter", "unsupported_value")
_NEVER_DROPPED = frozenset({"model", "messages", "stream", "tools"})
"""Never sent again without: a reply without the tools asked for would mislead."""
_ROLE_PREFIX = "role:"
_QUOTED = re.compile(r"'([A-Za-z_][\w.\[\]]*)'")
_USE_INSTEAD = re.compile(r"[Uu]se '([a-z_]+)' instead")


def preload() -> None:
    """Import the SDK so the first request does not pay for it."""
    import openai  # noqa: F401


@dataclass(frozen=True, slots=True)
class Rejection:
    """A parameter a server refused for a model, and what to send instead (if anything)."""

    param: str
    """A request key, or "role:system" / "role:developer" for a refused message role."""
    replacement: str | None = None
    """The key to send the value under instead, or the role to use instead."""

    def notice(self, model: str) -> str:
        remembered = "(remembered for this model)"
        if self.param.startswith(_ROLE_PREFIX):
            role = self.param.removeprefix(_ROLE_PREFIX)
            how = (
                "in the first user message"
                if self.replacement == "user"
                else f"as a {self.replacement} message"
            )
            return (
                f"The server rejected the {role} role for {model}; sent the system prompt "
                f"again {how} {remembered}"
            )
        if self.replacement:
            return (
                f"The server rejected '{self.param}' for {model}; sent again as "
                f"'{self.replacement}' {remembered}"
            )
        return f"The server rejected '{self.param}' for {model}; sent again without it {remembered}"


class OpenAIProvider:
    """Streams replies from an OpenAI-compatible ``/chat/completions`` endpoint.

    ``trust_env=False`` ignores the proxy variables of the process environment (``gpt-tui
    doctor`` uses it to check exactly the proxy it was told about).
    """

    def __init__(self, settings: ProviderSettings, *, trust_env: bool = True) -> None:
        self._settings = settings
        self._trust_env = trust_env
        self._client: AsyncOpenAI | None = None
        self._client_lock = asyncio.Lock()
        self._rejected: dict[str, dict[str, str | None]] = {}
        self.base_url = settings.url
        self.label = settings.host

    @property
    def settings(self) -> ProviderSettings:
        return self._settings

    def rejected_params(self, model: str) -> Mapping[str, str | None]:
        """What the server refused for ``model`` so far: parameter → replacement (or None)."""
        return dict(self._rejected.get(model, {}))

    # Clients ------------------------------------------------------------------------------

    async def _get_client(self) -> AsyncOpenAI:
        """The profile's client, built in a thread the first time: building it imports the
        SDK (about a second here), which must not freeze the event loop and the screen."""
        if self._client is None:
            async with self._client_lock:
                if self._client is None:
                    self._client = await asyncio.to_thread(self._make_client)
        return self._client

    async def _retrying_client(self) -> AsyncOpenAI:
        """The profile's client with the SDK's own (silent) retries, for requests other
        than a chat turn (``GET /models``, doctor's probe)."""
        settings = self._settings
        client = (await self._get_client()).with_options(max_retries=settings.max_retries)
        # A copy fills these from $OPENAI_ORG_ID / $OPENAI_PROJECT_ID again: only the profile's.
        client.organization = settings.organization
        client.project = settings.project
        return client

    def _make_client(self) -> AsyncOpenAI:
        from openai import AsyncOpenAI

        settings = self._settings
        client = AsyncOpenAI(
            api_key=settings.api_key or NO_KEY,
            base_url=self.base_url,
            organization=settings.organization,
            project=settings.project,
            timeout=settings.timeout,
            max_retries=0,  # retried by ``stream``, visibly (providers/retries.py)
            default_headers=dict(settings.headers) or None,
            http_client=self._http_client(),
        )
        # The SDK fills these from $OPENAI_ORG_ID / $OPENAI_PROJECT_ID: only this profile's.
        client.organization = settings.organization
        client.project = settings.project
        _ = client.chat.completions  # the SDK imports this resource on first use
        return client

    def _http_client(self) -> httpx2.AsyncClient | None:
        """An HTTP client for the profile's proxy; ``None``: the SDK's own (env proxies)."""
        proxy = self._settings.proxy
        if proxy is None and self._trust_env:
            return None
        import openai

        try:
            client: httpx2.AsyncClient = openai.DefaultAsyncHttpxClient(
                proxy=proxy, trust_env=self._trust_env
            )
        except ImportError:
            from gpt_tui.core.config.proxies import SOCKS_PACKAGE_HINT, mask_url

            raise ProviderError(
                ErrorInfo(
                    f"Cannot use the proxy {mask_url(proxy or '')}",
                    f"{SOCKS_PACKAGE_HINT}, or set {self._settings.table}.proxy to an "
                    "http:// proxy.",
                )
            ) from None
        return client

    def _describe(self, exc: BaseException, model: str | None = None) -> ErrorInfo:
        return describe_error(
            exc, self.base_url, self._settings.secrets, profile=self._settings, model=model
        )

    # Chat ---------------------------------------------------------------------------------

    def _request_kwargs(self, request: ChatRequest) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            **request.sdk_kwargs(),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        return self._map_model(without_rejected(kwargs, self._rejected.get(request.model, {})))

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        kwargs = self._request_kwargs(request)
        response: Any = None
        retries = 0
        attempts = 0
        while response is None:
            notice: ProviderNotice | RetryScheduled | None = None
            try:
                client = await self._get_client()
                raw = await client.chat.completions.with_raw_response.create(**kwargs)
                response = raw.parse(to=_chunk_stream_type())
                header_cost = cost_from_headers(raw.headers)
            except ProviderError:
                raise
            except Exception as exc:
                rejection = _rejection(exc, kwargs) if retries < MAX_PARAM_RETRIES else None
                notice = self._retry(exc, attempts + 1) if rejection is None else None
                if notice is not None:
                    attempts += 1
                elif rejection is None:
                    # ``from None``: the SDK's exception carries the request and its headers.
                    raise ProviderError(self._describe(exc, request.model)) from None
                else:
                    retries += 1
                    learned = self._rejected.setdefault(request.model, {})
                    learned[rejection.param] = rejection.replacement
                    kwargs = without_rejected(kwargs, {rejection.param: rejection.replacement})
                    notice = ProviderNotice(rejection.notice(request.model), rejection.param)
            if notice is not None:
                yield notice
            if isinstance(notice, RetryScheduled):  # waited outside the except: no exc kept
                await asyncio.sleep(notice.wait_s)
        tool_calls = ToolCallAccumulator()
        try:
            async with response as chunks:
                async for chunk in chunks:
                    tool_calls.add(chunk)
                    for event in _chunk_events(chunk):
                        yield event
            if header_cost is not None:
                yield CostReported(header_cost)
            if calls := tool_calls.calls():
                yield ToolCallsReported(calls)
        except ProviderError:
            raise
        except Exception as exc:
            raise ProviderError(self._describe(exc, request.model)) from None

    def _retry(self, exc: BaseException, attempt: int) -> RetryScheduled | None:
        """Retry ``attempt`` after ``exc``, if the profile allows it and it may help."""
        of = self._settings.max_retries
        plan = plan_retry(exc, attempt) if attempt <= of else None
        return None if plan is None else RetryScheduled(attempt, of, plan.reason, plan.wait_s)

    async def probe(self, model: str) -> None:
        """Send a 1-token, non-streamed request for ``model`` (``gpt-tui doctor``).

        Raises the SDK's exception as is, so the caller can tell 401 from 404.
        """
        caps = capabilities_for(model)
        kwargs: dict[str, Any] = {
            "model": model,
            "messages": [{"role": "user", "content": "Say OK."}],
            caps.max_tokens_param: 1 if not caps.reasoning else 16,
        }
        kwargs = self._map_model(kwargs)
        await (await self._retrying_client()).chat.completions.create(**kwargs)

    def _map_model(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """``kwargs`` with the model name as the server knows it (Azure: the deployment)."""
        return kwargs

    # Models -------------------------------------------------------------------------------

    async def server_window(self, model: str) -> ServerWindow | None:
        """``model``'s context window as the server reports it (None: it does not say).

        Never raises: each place asked (see :mod:`.server_info`) may simply not exist.
        OpenAI's own API says nothing about windows, so it is not asked.
        """
        if self._settings.effective_kind == "openai":
            return None
        client = await self._get_client()
        options: Any = {"timeout": SERVER_INFO_TIMEOUT, "max_retries": 0}

        async def get(url: str) -> object:
            try:
                return await client.get(url, cast_to=object, options=options)
            except Exception:
                return None

        async def post(url: str, body: dict[str, Any]) -> object:
            try:
                return await client.post(url, cast_to=object, body=body, options=options)
            except Exception:
                return None

        return await ask_window(get, post, self.base_url, model)

    async def fetch_models(self) -> list[str]:
        """``GET /models``, sorted; raises the SDK's exception as is (``gpt-tui doctor``)."""
        client = await self._retrying_client()
        return sorted({model.id async for model in client.models.list()})

    def configured_models(self) -> tuple[str, ...]:
        """The profile's ``models`` and Azure ``deployments`` names, in order."""
        return tuple(dict.fromkeys((*self._settings.models, *self._settings.deployments)))

    async def list_models(self) -> ModelList:
        """The models to offer: configured ones first, then what the server lists.

        Never raises: a server without ``GET /models`` (or one that fails) gives the
        configured models and a ``reason``.
        """
        configured = self.configured_models()
        reason: str | None = None
        served: list[str] = []
        try:
            served = await self.fetch_models()
        except ProviderError as exc:
            reason = exc.info.title
        except Exception as exc:
            reason = self._models_reason(exc)
        models = tuple(dict.fromkeys((*configured, *served)))
        return ModelList(self._settings.name, models, tuple(served), reason)

    def _models_reason(self, exc: BaseException) -> str:
        import openai as sdk

        if isinstance(exc, sdk.APIStatusError) and exc.status_code in (400, 404, 405, 501):
            return (
                f"{self.label} does not list its models (GET /models: HTTP "
                f"{exc.status_code}); type a model name, or list them in "
                f"{self._settings.table}.models"
            )
        return f"Could not list the models: {self._describe(exc).title}"

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def _missing_key(self) -> ProviderError:
        return ProviderError(
            ErrorInfo(
                f"No API key provided for the profile '{self._settings.name}'",
                f"Set one: {key_fix(self._settings)}.",
            )
        )


def without_rejected(kwargs: dict[str, Any], rejected: Mapping[str, str | None]) -> dict[str, Any]:
    """``kwargs`` without the ``rejected`` parameters (renamed where there is a replacement)."""
    result = dict(kwargs)
    for param, replacement in rejected.items():
        if param.startswith(_ROLE_PREFIX):
            target: SystemRole = "developer" if replacement == "developer" else "user"
            source = param.removeprefix(_ROLE_PREFIX)
            result["messages"] = adapt_system_messages(result["messages"], target, source=source)
        elif param in result:
            value = result.pop(param)
            if replacement and replacement not in result:
                result[replacement] = value
    return result


def _rejection(exc: BaseException, kwargs: Mapping[str, Any]) -> Rejection | None:
    """What to drop after ``exc``, if it is an "unsupported parameter/value" 400 we can fix."""
    import openai as sdk

    if not isinstance(exc, sdk.BadRequestError) or exc.code not in UNSUPPORTED_CODES:
        return None
    body = exc.body
    message = body.get("message") if isinstance(body, dict) else None
    text = message if isinstance(message, str) else exc.message
    param = exc.param
    if not param:
        quoted = _QUOTED.search(text)
        param = quoted.group(1) if quoted else None
    if not param:
        return None
    if param.startswith("messages"):
        return _role_rejection(text, kwargs)
    if param in _NEVER_DROPPED or param not in kwargs:
        return None
    instead = _USE_INSTEAD.search(text)
    replacement = instead.group(1) if instead and instead.group(1) != param else None
    return Rejection(param, replacement)


def _role_rejection(text: str, kwargs: Mapping[str, Any]) -> Rejection | None:
    """A refused ``system`` role is sent as ``developer``; a refused ``developer`` is folded."""
    roles = {m.get("role") for m in kwargs.get("messages", ()) if isinstance(m, dict)}
    if "'developer'" in text and "developer" in roles:
        return Rejection(f"{_ROLE_PREFIX}developer", "user")
    if "'system'" in text and "system" in roles:
        return Rejection(f"{_ROLE_PREFIX}system", "developer")
    return None


def _chunk_stream_type() -> Any:
    """The SDK's stream of chunks as plain JSON objects.

    The SDK's own stream builds a pydantic ``ChatCompletionChunk`` per chunk: ~0.2 ms each,
    most of the CPU a fast 4,000-chunk reply costs. Transport, retries, error mapping and
    SSE decoding stay the SDK's; only the per-chunk model is skipped.
    """
    from openai import AsyncStream

    return AsyncStream[object]


def _chunk_events(chunk: object) -> Iterator[StreamEvent]:
    """The text and usage in one chunk (a JSON object; anything malformed is skipped)."""
    if not isinstance(chunk, dict):
        return
    usage = chunk.get("usage")
    if isinstance(usage, dict):
        yield UsageReported(_usage(usage))
        cost = cost_from_usage(usage)
        if cost is not None:
            yield CostReported(cost)
    choices = chunk.get("choices")
    if not isinstance(choices, list):
        return
    for choice in choices:
        if not isinstance(choice, dict):
            continue
        delta = choice.get("delta")
        if isinstance(delta, dict):
            yield from side_events(delta)
            text = delta.get("content")
            if isinstance(text, str) and text:
                yield TextDelta(text)
        yield from choice_logprobs(choice)
        if (finish := finish_event(choice)) is not None:
            yield finish


def _usage(raw: dict[str, Any]) -> Usage:
    prompt_details = raw.get("prompt_tokens_details")
    completion_details = raw.get("completion_tokens_details")

    def count(table: object, key: str) -> int:
        value = table.get(key) if isinstance(table, dict) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    return Usage(
        prompt_tokens=count(raw, "prompt_tokens"),
        completion_tokens=count(raw, "completion_tokens"),
        cached_tokens=count(prompt_details, "cached_tokens"),
        reasoning_tokens=count(completion_details, "reasoning_tokens"),
    )
