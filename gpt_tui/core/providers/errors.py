"""Turn the openai SDK's exceptions into plain-language errors with a next step.

Only called after a request failed, so importing ``openai`` here costs nothing at launch.
The texts never carry the API key: anything taken from the server is scrubbed of it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from gpt_tui.core.models import ErrorInfo

KEY_HINT = "Check the key: set OPENAI_API_KEY, or press F4 to paste one (saved to config.toml)."
_TAGS = re.compile(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", re.S | re.I)


def describe_error(exc: BaseException, base_url: str, secrets: Iterable[str] = ()) -> ErrorInfo:
    """An :class:`ErrorInfo` for an exception raised while streaming from ``base_url``."""
    info = _describe(exc, base_url)
    return ErrorInfo(
        title=_scrub(info.title, secrets),
        hint=_scrub(info.hint, secrets),
        status=info.status,
        request_id=info.request_id,
    )


def _describe(exc: BaseException, base_url: str) -> ErrorInfo:
    import openai as sdk

    if isinstance(exc, sdk.APITimeoutError):
        return ErrorInfo(
            f"The request to {base_url} timed out",
            "The server or network is slow or unreachable. Try again (ctrl+r); if it keeps "
            "happening check the URL, your proxy (HTTPS_PROXY) or raise provider.timeout.",
        )
    if isinstance(exc, sdk.APIConnectionError):
        return ErrorInfo(
            f"Could not connect to {base_url}: {_connection_cause(exc)}",
            "Check that the server is running and the base URL is right (OPENAI_BASE_URL or "
            "provider.base_url in config.toml); behind a proxy set HTTPS_PROXY. "
            "Then press ctrl+r to send again.",
        )
    if isinstance(exc, sdk.APIStatusError):
        return _describe_status(exc, base_url)
    if isinstance(exc, ValueError):  # the SDK lets a malformed SSE frame's JSON error through
        return ErrorInfo(
            f"The server sent a malformed stream: {_short(str(exc))}",
            "A proxy or the server garbled the reply. Press ctrl+r to send again.",
        )
    if isinstance(exc, sdk.APIError):
        return ErrorInfo(
            f"The server's reply could not be read: {_short(exc.message)}",
            "The stream was cut or malformed. Press ctrl+r to send again.",
        )
    return ErrorInfo(
        f"Unexpected error: {type(exc).__name__}: {_short(str(exc))}",
        "Press ctrl+r to try again. If it persists, please report it.",
    )


def _describe_status(exc: object, base_url: str) -> ErrorInfo:
    import openai as sdk

    assert isinstance(exc, sdk.APIStatusError)
    status = exc.status_code
    detail = _server_message(exc)
    said = f": {detail}" if detail else ""
    request_id = exc.request_id
    title: str
    hint: str
    if status == 401:
        title, hint = f"The server rejected the API key (HTTP 401){said}", KEY_HINT
    elif status == 403:
        title = f"Access denied (HTTP 403){said}"
        hint = "The key lacks access to this model or region, or a proxy blocked the request."
    elif status == 404:
        title = f"Not found (HTTP 404){said}"
        hint = (
            "Check the model name in the panel (F3) and the base URL; "
            f"requests go to {base_url}/chat/completions."
        )
    elif status == 429:
        retry_after = exc.response.headers.get("retry-after")
        wait = f" The server asks to wait {retry_after} s." if retry_after else ""
        title = f"Rate limited or out of quota (HTTP 429){said}"
        hint = f"Wait and press ctrl+r to send again.{wait} Check your plan's limits and billing."
    elif status == 400 and "context" in detail.lower():
        title = f"The conversation is too long for this model (HTTP 400){said}"
        hint = "Start a new chat (ctrl+n), lower max_tokens, or pick a model with a larger context."
    elif status >= 500:
        title = f"The server failed (HTTP {status}){said}"
        hint = "This is on the server's side; wait a moment and press ctrl+r to send again."
    else:
        title = f"The server refused the request (HTTP {status}){said}"
        hint = "Check the parameters in the panel (F3), then press ctrl+r to send again."
    return ErrorInfo(title=title, hint=hint, status=status, request_id=request_id)


def _server_message(exc: object) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        message = body.get("message") or body.get("error")
        if isinstance(message, dict):
            message = message.get("message")
        if isinstance(message, str):
            return _short(message)
    text = body if isinstance(body, str) else getattr(exc, "message", "")
    return _short(_TAGS.sub(" ", html.unescape(str(text))))


def _connection_cause(exc: BaseException) -> str:
    cause: BaseException | None = exc.__cause__ or exc.__context__
    while cause is not None and (cause.__cause__ or cause.__context__) is not None:
        nested = cause.__cause__ or cause.__context__
        if nested is None or str(nested) == "":
            break
        cause = nested
    text = str(cause) if cause is not None else ""
    lowered = text.lower()
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return "the host name could not be resolved (DNS)"
    if (
        "connection refused" in lowered
        or "errno 111" in lowered
        or "connect call failed" in lowered
    ):
        return "connection refused (nothing is listening there)"
    if "proxy" in lowered:
        return f"the proxy failed ({_short(text)})"
    return _short(text) or "the connection failed"


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "•••")
    return text
