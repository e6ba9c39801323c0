"""Visible retries: which failures are tried again, how long to wait, and what to say.

The SDK's own retries are silent (each 429/500 used to make three requests and ~1.4 s of
unexplained waiting), so its clients are built with ``max_retries=0`` and the provider
retries itself (:meth:`OpenAIProvider.stream`), telling the user each time with a
:class:`~gpt_tui.core.providers.base.RetryScheduled` event. Only the request is retried,
never a reply that has begun to stream.

The wait is the server's when it says one: ``retry-after-ms``, ``Retry-After`` (seconds
or an HTTP date) or LiteLLM's ``llm_provider-retry-after``; otherwise an exponential
backoff like the SDK's.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

RETRIED_STATUSES = frozenset({408, 409, 429})
"""Besides every 5xx (529 "overloaded" included): what the SDK retried too."""
BACKOFF_START = 0.5
BACKOFF_MAX = 8.0
MAX_WAIT = 600.0
"""A server asking for a longer wait is not retried: the error says how long it asked."""


@dataclass(frozen=True, slots=True)
class RetryPlan:
    """Why a failed request is sent again, and after how many seconds."""

    reason: str
    """E.g. "HTTP 500" or "a timeout"."""
    wait_s: float


def retry_after(headers: Mapping[str, str], now: Callable[[], float] = time.time) -> float | None:
    """Seconds the server asks to wait, from whichever header it sent; None if none.

    ``retry-after-ms`` first (the most precise), then ``Retry-After`` in seconds or as an
    HTTP date, then LiteLLM's ``llm_provider-retry-after`` (the upstream provider's).
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    for header, divisor in (
        ("retry-after-ms", 1000.0),
        ("retry-after", 1.0),
        ("llm_provider-retry-after", 1.0),
    ):
        value = lowered.get(header)
        if value is None:
            continue
        seconds = _number(value)
        if seconds is None and header == "retry-after":
            seconds = _http_date(value, now)
        if seconds is not None:
            return max(0.0, seconds / divisor)
    return None


def backoff(attempt: int) -> float:
    """The wait before retry ``attempt`` (1, 2, …) when the server names none."""
    return float(min(BACKOFF_MAX, BACKOFF_START * 2 ** (attempt - 1)))


def plan_retry(exc: BaseException, attempt: int) -> RetryPlan | None:
    """Whether ``exc`` (an SDK exception) is worth retry ``attempt``, and the wait."""
    import openai as sdk

    if isinstance(exc, sdk.APIStatusError):
        status = exc.status_code
        if status not in RETRIED_STATUSES and status < 500:
            return None
        asked = retry_after(exc.response.headers)
        if asked is not None and asked > MAX_WAIT:
            return None
        return RetryPlan(f"HTTP {status}", backoff(attempt) if asked is None else asked)
    if isinstance(exc, sdk.APITimeoutError):
        return RetryPlan("a timeout", backoff(attempt))
    if isinstance(exc, sdk.APIConnectionError):
        return RetryPlan("a connection error", backoff(attempt))
    return None


def retry_status(attempt: int, of: int, reason: str, remaining_s: float) -> str:
    """The status line while a retry waits: "retrying (1 of 2) after HTTP 500… 3 s"
    (the seconds count down; Esc stops waiting, as it stops any reply)."""
    text = f"retrying ({attempt} of {of}) after {reason}…"
    return f"{text} {math.ceil(remaining_s)} s" if remaining_s >= 1 else text


def retried_notice(attempt: int, of: int, reason: str, wait_s: float) -> str:
    """What the reply keeps about a retry."""
    return f"Retried ({attempt} of {of}) after {reason}, {wait_s:.1f} s later"


def _number(value: str) -> float | None:
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) else None


def _http_date(value: str, now: Callable[[], float]) -> float | None:
    try:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        return float(email.utils.mktime_tz(parsed)) - now()
    except (TypeError, ValueError, OverflowError):
        return None
