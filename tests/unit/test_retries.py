"""Visible retries: the wait a server asks for, in each of its forms, and the wording."""

from __future__ import annotations

from email.utils import formatdate

import httpx2
import openai
import pytest

from gpt_tui.core.providers.retries import (
    MAX_WAIT,
    backoff,
    plan_retry,
    retried_notice,
    retry_after,
    retry_status,
)

NOW = 1_800_000_000.0


def test_retry_after_in_every_form() -> None:
    assert retry_after({"Retry-After": "7"}) == 7.0
    assert retry_after({"retry-after": "1.5"}) == 1.5
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after({"llm_provider-retry-after": "3"}) == 3.0
    date = formatdate(NOW + 42, usegmt=True)
    assert retry_after({"Retry-After": date}, now=lambda: NOW) == pytest.approx(42.0)
    assert retry_after({"Retry-After": formatdate(NOW - 5, usegmt=True)}, now=lambda: NOW) == 0.0
    assert retry_after({"Retry-After": "soon"}) is None
    assert retry_after({"Retry-After": "inf"}) is None
    assert retry_after({}) is None


def test_backoff_doubles_up_to_a_cap() -> None:
    assert [backoff(n) for n in (1, 2, 3, 10)] == [0.5, 1.0, 2.0, 8.0]


def status_error(status: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    response = httpx2.Response(status, headers=headers or {}, request=request)
    return openai.APIStatusError("failed", response=response, body=None)


def test_which_failures_are_retried() -> None:
    assert plan_retry(status_error(500), 1) is not None
    assert plan_retry(status_error(529), 2) is not None
    plan = plan_retry(status_error(429, {"retry-after": "2"}), 1)
    assert plan is not None and (plan.reason, plan.wait_s) == ("HTTP 429", 2.0)
    assert plan_retry(status_error(400), 1) is None
    assert plan_retry(status_error(401), 1) is None
    assert plan_retry(status_error(429, {"retry-after": str(MAX_WAIT + 1)}), 1) is None
    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    timeout = plan_retry(openai.APITimeoutError(request), 1)
    assert timeout is not None and timeout.reason == "a timeout"


def test_wording() -> None:
    assert retry_status(1, 2, "HTTP 500", 0.4) == "retrying (1 of 2) after HTTP 500…"
    assert retry_status(1, 2, "HTTP 429", 24.2) == "retrying (1 of 2) after HTTP 429… 25 s"
    assert retried_notice(1, 2, "HTTP 500", 0.5) == "Retried (1 of 2) after HTTP 500, 0.5 s later"
