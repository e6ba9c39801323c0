"""Turn the openai SDK's exceptions into plain-language errors with a next step.

Only called after a request failed, so importing ``openai`` here costs nothing at launch.
The texts never carry the API key: anything taken from the server is scrubbed of it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from gpt_tui.core.domain.message import ErrorInfo

if TYPE_CHECKING:
    from gpt_tui.core.config.types import ProviderSettings

KEY_HINT = "Check the key: set OPENAI_API_KEY, or press F4 to paste one (saved to config.toml)."
_TAGS = re.compile(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", re.S | re.I)


def describe_error(
    exc: BaseException,
    base_url: str,
    secrets: Iterable[str] = (),
    *,
    profile: ProviderSettings | None = None,
    model: str | None = None,
) -> ErrorInfo:
    """An :class:`ErrorInfo` for an exception raised while streaming from ``base_url``.

    With ``profile`` (a profile other than the plain ``[provider]`` one) the hints name its
    own config keys; with ``model`` an Azure 404 names the deployment that was asked for.
    """
    info = _describe(exc, base_url)
    if profile is not None:
        info = _for_profile(info, exc, profile, model)
    return ErrorInfo(
        title=_scrub(info.title, secrets),
        hint=_scrub(info.hint, secrets),
        status=info.status,
        request_id=info.request_id,
    )


def is_timeout(exc: BaseException) -> bool:
    """Whether ``exc`` is a request that got no answer in time (the connection was made)."""
    import openai as sdk

    return isinstance(exc, sdk.APITimeoutError)


def _describe(exc: BaseException, base_url: str) -> ErrorInfo:
    import openai as sdk

    if isinstance(exc, sdk.APITimeoutError):
        return ErrorInfo(
            f"The request to {base_url} timed out",
            "The server or network is slow or unreachable. Try again (ctrl+r); if it keeps "
            "happening check the URL, your proxy (HTTPS_PROXY) or raise provider.timeout.",
        )
    if isinstance(exc, sdk.APIConnectionError) and _dropped(exc):
        return ErrorInfo(
            f"The connection to {base_url} was cut in the middle of the reply",
            "The server or a proxy closed the stream early; the text so far is kept. "
            "Press ctrl+r to ask again.",
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
        hint = (
            "This prompt is not sent with later messages. Trim the history: set 'history "
            "sent' to 'fit the context window' or 'last N turns' in the panel (F3), then "
            "ctrl+r; or edit the prompt (e), lower max_tokens, or start a new chat (ctrl+n)."
        )
    elif status >= 500:
        title = f"The server failed (HTTP {status}){said}"
        hint = "This is on the server's side; wait a moment and press ctrl+r to send again."
    else:
        title = f"The server refused the request (HTTP {status}){said}"
        hint = "Check the parameters in the panel (F3), then press ctrl+r to send again."
    return ErrorInfo(title=title, hint=hint, status=status, request_id=request_id)


def key_fix(profile: ProviderSettings) -> str:
    """Where to set or check the key of ``profile``, naming the variable or config key."""
    from gpt_tui.core.config.types import ENV_API_KEY, ENV_AZURE_API_KEY

    source = profile.key_source
    table = profile.table
    azure = profile.effective_kind == "azure"
    standard = ENV_AZURE_API_KEY if azure else ENV_API_KEY
    keys = f"{table}.api_key (or api_key_env / api_key_cmd) in config.toml"
    if source.startswith("$") and source != f"${standard}":
        return f"check ${source[1:]} (named by {table}.api_key_env), or set {keys}"
    if source.startswith("api_key_cmd"):
        return f"check what {table}.api_key_cmd prints, or set {keys}"
    if source.startswith("ad_token_cmd"):
        return f"check {table}.ad_token_cmd (it must print an Entra ID token), or set {keys}"
    if table == "provider" and not azure:
        return f"set {ENV_API_KEY}, or {keys} (F4 pastes one)"
    if azure or profile.effective_kind == "openai":
        return f"set {standard}, or {keys}"
    return f"set {keys}"


def url_key(profile: ProviderSettings) -> str:
    """The config key (or variable) that says where ``profile`` sends requests."""
    from gpt_tui.core.config.types import ENV_AZURE_ENDPOINT, ENV_BASE_URL

    if profile.effective_kind == "azure":
        return f"{profile.table}.endpoint (or ${ENV_AZURE_ENDPOINT})"
    if profile.table == "provider":
        return f"{ENV_BASE_URL} or provider.base_url"
    return f"{profile.table}.base_url"


def _for_profile(
    info: ErrorInfo, exc: BaseException, profile: ProviderSettings, model: str | None
) -> ErrorInfo:
    """``info`` with hints that name ``profile``'s config keys instead of the defaults."""
    import openai as sdk

    legacy = profile.table == "provider" and profile.effective_kind != "azure"
    status = exc.status_code if isinstance(exc, sdk.APIStatusError) else None
    if status == 401 and not legacy:
        return replace(info, hint=f"Check the key: {key_fix(profile)}.")
    if status == 404 and profile.effective_kind == "azure":
        deployment = profile.deployment_for(model) if model else "?"
        example = model or "gpt-4o"
        title = f"Azure has no deployment named '{deployment}' at {profile.host} (HTTP 404)"
        hint = (
            "Azure routes requests by deployment name. Use the model's name in gpt-tui and "
            f'map it to your deployment: {profile.table}.deployments = {{ "{example}" = '
            '"YOUR-DEPLOYMENT" }} in config.toml.'
        )
        return replace(info, title=title, hint=hint)
    connection = isinstance(exc, sdk.APIConnectionError) and not _dropped(exc)
    if connection and not isinstance(exc, sdk.APITimeoutError) and not legacy:
        hint = (
            "Check that the server is running and the URL is right "
            f"({url_key(profile)}); behind a proxy set HTTPS_PROXY or "
            f"{profile.table}.proxy. Then press ctrl+r to send again."
        )
        return replace(info, hint=hint)
    return info


_DROPPED = ("peer closed connection", "incomplete chunked read", "server disconnected")


def _dropped(exc: BaseException) -> bool:
    """Whether a connection error is a stream cut after the response began."""
    cause: BaseException | None = exc
    while cause is not None:
        if any(marker in str(cause).lower() for marker in _DROPPED):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


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
