"""The next request as code to run outside gpt-tui: Python (``openai`` SDK) and curl.

Both show exactly what the app would send — the body from the real planner, after the
model's capability table and what the server already refused — to the profile's real URL
(Azure: ``/openai/deployments/{deployment}/chat/completions?api-version=…`` with an
``api-key`` header). Secrets never appear: the key and header values are read from
environment variables (``$OPENAI_API_KEY``, or the variable the profile names), and a
proxy's password is masked.
"""

from __future__ import annotations

import json
import pprint
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gpt_tui.core.config.proxies import mask_url
from gpt_tui.core.config.types import OPENAI_BASE_URL, ProviderSettings
from gpt_tui.core.providers.base import ChatRequest

AZURE_KEY_ENV = "AZURE_OPENAI_API_KEY"
AZURE_TOKEN_ENV = "AZURE_OPENAI_AD_TOKEN"
OPENAI_KEY_ENV = "OPENAI_API_KEY"
_INDENT = "    "


@dataclass(frozen=True, slots=True)
class RequestCode:
    """The same request as Python and as curl, and the JSON body both send."""

    python: str
    curl: str
    body: dict[str, Any]
    key_env: str | None
    """The environment variable the code reads the key (or Azure token) from."""


def request_body(
    request: ChatRequest,
    profile: ProviderSettings,
    rejected: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """The JSON body the app sends: streamed, with usage, without what the server refused,
    and on Azure with the deployment name as the model."""
    from gpt_tui.core.providers.openai_client import without_rejected

    body = without_rejected(
        {**request.sdk_kwargs(), "stream": True, "stream_options": {"include_usage": True}},
        rejected or {},
    )
    if profile.effective_kind == "azure":
        body["model"] = profile.deployment_for(request.model)
    return body


def key_env_name(profile: ProviderSettings) -> str | None:
    """The variable the code reads the key from; ``None`` for a server used without a key.

    The profile's own variable when its key comes from one (``$MY_KEY``), else the SDK's.
    """
    if profile.key_source.startswith("$"):
        return profile.key_source[1:]
    if profile.effective_kind == "azure":
        return AZURE_TOKEN_ENV if profile.ad_token_cmd and not profile.api_key else AZURE_KEY_ENV
    if not profile.api_key:
        return None
    return OPENAI_KEY_ENV


def header_env_name(header: str) -> str:
    """The variable a header's value is read from (values may be secrets)."""
    return "HEADER_" + re.sub(r"[^A-Za-z0-9]+", "_", header).strip("_").upper()


def chat_url(profile: ProviderSettings, model: str) -> str:
    """The chat-completions URL of ``profile`` for ``model``."""
    if profile.effective_kind == "azure":
        endpoint = (profile.endpoint or "https://RESOURCE.openai.azure.com").rstrip("/")
        deployment = profile.deployment_for(model)
        return (
            f"{endpoint}/openai/deployments/{deployment}/chat/completions"
            f"?api-version={profile.api_version}"
        )
    return f"{(profile.base_url or OPENAI_BASE_URL).rstrip('/')}/chat/completions"


def request_code(
    request: ChatRequest,
    profile: ProviderSettings,
    rejected: Mapping[str, str | None] | None = None,
) -> RequestCode:
    """Python and curl for ``request`` sent through ``profile``."""
    body = shorten_data_urls(request_body(request, profile, rejected))
    key_env = key_env_name(profile)
    return RequestCode(
        python=python_code(body, profile, key_env),
        curl=curl_code(body, profile, key_env),
        body=body,
        key_env=key_env,
    )


DATA_URL_SHOWN = 40
"""Base64 characters of an attached file's data URL that the code shows."""
_DATA_URL = re.compile(r"(data:[\w/.+-]+;base64,)([A-Za-z0-9+/=]+)")


def shorten_data_urls(value: Any) -> Any:
    """``value`` with each attached file's base64 cut to its first characters and a count
    ("data:image/png;base64,iVBORw0KGgo…[+183,204 characters]"): the code stays readable;
    the app sends the whole file."""
    if isinstance(value, str):

        def cut(match: re.Match[str]) -> str:
            data = match.group(2)
            if len(data) <= DATA_URL_SHOWN:
                return match.group(0)
            rest = len(data) - DATA_URL_SHOWN
            return f"{match.group(1)}{data[:DATA_URL_SHOWN]}…[+{rest:,} characters]"

        return _DATA_URL.sub(cut, value) if value.startswith("data:") else value
    if isinstance(value, dict):
        return {k: shorten_data_urls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shorten_data_urls(v) for v in value]
    return value


def _key_note(profile: ProviderSettings, key_env: str | None) -> list[str]:
    if key_env is None or profile.key_source.startswith("$"):
        return []
    if profile.ad_token_cmd and key_env == AZURE_TOKEN_ENV:
        return [f"# Put a Microsoft Entra ID token in ${key_env} ({profile.key_source} makes one)."]
    if profile.key_source == "none":
        return [f"# Set ${key_env} to your key first."]
    return [f"# gpt-tui reads the key from {profile.key_source}; export it as ${key_env} first."]


def python_code(body: Mapping[str, Any], profile: ProviderSettings, key_env: str | None) -> str:
    """A script with the ``openai`` SDK that sends ``body`` and prints the streamed reply."""
    azure = profile.effective_kind == "azure"
    client_args: list[tuple[str, str]] = []
    if azure:
        endpoint = profile.endpoint or "https://RESOURCE.openai.azure.com"
        client_args.append(("azure_endpoint", repr(endpoint)))
        client_args.append(("api_version", repr(profile.api_version)))
    key_arg = "azure_ad_token" if key_env == AZURE_TOKEN_ENV else "api_key"
    key_value = f"os.environ[{key_env!r}]" if key_env else repr("no-key")
    client_args.append((key_arg, key_value))
    if not azure and profile.base_url and profile.base_url.rstrip("/") != OPENAI_BASE_URL:
        client_args.append(("base_url", repr(profile.base_url)))
    if profile.organization:
        client_args.append(("organization", repr(profile.organization)))
    if profile.project:
        client_args.append(("project", repr(profile.project)))
    if profile.headers:
        headers = ", ".join(
            f"{name!r}: os.environ[{header_env_name(name)!r}]" for name in profile.headers
        )
        client_args.append(("default_headers", "{" + headers + "}"))
    if profile.proxy:
        client_args.append(("http_client", f"httpx.Client(proxy={mask_url(profile.proxy)!r})"))
    lines = ["import os", ""]
    if profile.proxy:
        lines += ["import httpx"]
    lines += [f"from openai import {'AzureOpenAI' if azure else 'OpenAI'}", ""]
    lines += _key_note(profile, key_env)
    if profile.headers:
        lines.append("# Header values are read from the environment: they may be secrets.")
    lines.append(f"client = {'AzureOpenAI' if azure else 'OpenAI'}(")
    lines += [f"{_INDENT}{name}={value}," for name, value in client_args]
    lines += [")", ""]
    if azure:
        lines.append("# On Azure, model is the deployment name.")
    lines.append("stream = client.chat.completions.create(")
    for name, value in body.items():
        rendered = pprint.pformat(value, width=88 - len(_INDENT) - len(name), sort_dicts=False)
        rendered = rendered.replace("\n", "\n" + _INDENT)
        lines.append(f"{_INDENT}{name}={rendered},")
    lines += [
        ")",
        "for chunk in stream:",
        f"{_INDENT}if chunk.choices and chunk.choices[0].delta.content:",
        f'{_INDENT * 2}print(chunk.choices[0].delta.content, end="", flush=True)',
        "print()",
    ]
    return "\n".join(lines) + "\n"


def curl_code(body: Mapping[str, Any], profile: ProviderSettings, key_env: str | None) -> str:
    """A curl command that sends ``body`` to the profile's URL (the reply streams as SSE)."""
    azure = profile.effective_kind == "azure"
    args = [f"curl -sS -N {shlex.quote(chat_url(profile, str(body.get('model', ''))))}"]
    if key_env is not None:
        if azure and key_env != AZURE_TOKEN_ENV:
            args.append(f'-H "api-key: ${key_env}"')
        else:
            args.append(f'-H "Authorization: Bearer ${key_env}"')
    args.append("-H 'Content-Type: application/json'")
    if profile.organization:
        args.append(f"-H {shlex.quote('OpenAI-Organization: ' + profile.organization)}")
    if profile.project:
        args.append(f"-H {shlex.quote('OpenAI-Project: ' + profile.project)}")
    for name in profile.headers:
        args.append(f'-H "{name}: ${header_env_name(name)}"')
    if profile.proxy:
        args.append(f"--proxy {shlex.quote(mask_url(profile.proxy))}")
    args.append(f"-d {shlex.quote(json.dumps(body, indent=2, ensure_ascii=False))}")
    notes = _key_note(profile, key_env)
    if profile.headers:
        notes.append("# Header values are read from the environment: they may be secrets.")
    return "\n".join([*notes, " \\\n  ".join(args)]) + "\n"
