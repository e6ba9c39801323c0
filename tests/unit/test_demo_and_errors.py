"""The offline demo model and the error texts built from SDK exceptions."""

from __future__ import annotations

import httpx2
import openai

from gpt_tui.core.providers.base import ChatRequest, TextDelta
from gpt_tui.core.providers.demo import DemoProvider, demo_reply, split_pieces
from gpt_tui.core.providers.errors import describe_error

URL = "http://127.0.0.1:9/v1"


async def test_demo_streams_its_canned_reply_deterministically() -> None:
    provider = DemoProvider(delay=0)
    request = ChatRequest(model="demo", messages=[{"role": "user", "content": "a table?"}])
    events = [event async for event in provider.stream(request)]
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == demo_reply("a table?")
    assert "|" in text
    assert all(isinstance(e, TextDelta) for e in events)  # no usage: the app counts it


def test_demo_answers_chinese_in_chinese_and_splits_cjk_per_character() -> None:
    assert "演示模型" in demo_reply("你好")
    assert split_pieces("你好 world") == ["你", "好", " world"]
    assert "".join(split_pieces(demo_reply("x"))) == demo_reply("x")


def _status_error(status: int, body: object, headers: dict[str, str] | None = None) -> Exception:
    request = httpx2.Request("POST", f"{URL}/chat/completions")
    response = httpx2.Response(status, headers=headers or {}, request=request)
    cls = {401: openai.AuthenticationError, 404: openai.NotFoundError, 429: openai.RateLimitError}
    error_class = cls.get(status, openai.APIStatusError)
    return error_class("server said no", response=response, body=body)


def test_401_names_the_fix_and_scrubs_the_key() -> None:
    secret = "sk-secret-abcdefgh12345678"
    exc = _status_error(401, {"message": f"Incorrect API key provided: {secret}"})
    info = describe_error(exc, URL, [secret])
    assert "401" in info.title
    assert secret not in info.title + info.hint
    assert "OPENAI_API_KEY" in info.hint


def test_429_shows_retry_after_and_request_id() -> None:
    exc = _status_error(429, None, {"retry-after": "20", "x-request-id": "req_1"})
    info = describe_error(exc, URL)
    assert "429" in info.title
    assert "20 s" in info.hint
    assert info.request_id == "req_1"


def test_html_error_page_is_reduced_to_text() -> None:
    html = "<html><head><style>x{}</style></head><body><h1>502 Bad Gateway</h1></body></html>"
    info = describe_error(_status_error(502, html), URL)
    assert "502 Bad Gateway" in info.title
    assert "<" not in info.title


def test_connection_errors_name_the_cause() -> None:
    request = httpx2.Request("POST", URL)
    try:
        try:
            raise OSError("[Errno -2] Name or service not known")
        except OSError as cause:
            raise openai.APIConnectionError(request=request) from cause
    except openai.APIConnectionError as exc:
        info = describe_error(exc, URL)
    assert "DNS" in info.title
    timeout = describe_error(openai.APITimeoutError(request=request), URL)
    assert "timed out" in timeout.title
