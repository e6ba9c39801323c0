"""The loopback fake OpenAI server, driven by the real ``openai`` SDK over real HTTP.

These tests pin both the server's behaviour and how the installed SDK (openai 3.x on
``httpx2``) reports each fault, which the app's error handling relies on:

* an HTTP error status → the matching :class:`openai.APIStatusError` subclass
  (401 :class:`openai.AuthenticationError`, 429 :class:`openai.RateLimitError`,
  502 :class:`openai.InternalServerError`), with ``request_id`` from ``x-request-id``;
* a connection dropped mid-stream → :class:`openai.APIConnectionError` caused by
  :class:`httpx2.RemoteProtocolError` (incomplete chunked body);
* a malformed SSE ``data:`` line → a bare :class:`json.JSONDecodeError` (the SDK does not
  wrap it);
* a stalled stream with a read timeout → :class:`openai.APITimeoutError` (a subclass of
  :class:`openai.APIConnectionError`) caused by :class:`httpx2.ReadTimeout`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import httpx2
import openai
import pytest
from openai.types.chat import ChatCompletionChunk
from openai.types.completion_usage import CompletionUsage

from tests.fake_server import DEFAULT_MODELS, FakeOpenAIServer, ScriptedReply

MESSAGES: list[dict[str, str]] = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Say hello."},
]

CJK_EMOJI = "你好，世界！こんにちは 🎉👩‍💻🇯🇵 café naïve — 한국어 ✓"
MARKDOWN = (
    "# Title\n\nSome **bold** text.\n\n```python\ndef hello() -> str:\n"
    '    return "héllo 🌍"\n```\n\n- item ☕\n- `data: [DONE]`\n\ndata: [DONE]\n\n'
)


def make_client(server: FakeOpenAIServer, **kwargs: float) -> openai.AsyncOpenAI:
    """An SDK client for ``server``; keyword arguments are ``max_retries``/``timeout``."""
    return openai.AsyncOpenAI(
        base_url=server.base_url,
        api_key="sk-test",
        max_retries=int(kwargs.get("max_retries", 0)),
        timeout=kwargs.get("timeout", 5.0),
    )


async def start_stream(client: openai.AsyncOpenAI) -> openai.AsyncStream[ChatCompletionChunk]:
    return await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Say hello."}],
        stream=True,
        stream_options={"include_usage": True},
    )


async def collect(
    chunks: AsyncIterator[ChatCompletionChunk], into: list[str] | None = None
) -> tuple[str, CompletionUsage | None]:
    """The streamed text and usage; content pieces are also appended to ``into``."""
    pieces = into if into is not None else []
    usage: CompletionUsage | None = None
    async for chunk in chunks:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
    return "".join(pieces), usage


# -- happy path --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [CJK_EMOJI, MARKDOWN, "", "Hello from the test server."],
    ids=["cjk-emoji", "markdown", "empty", "ascii"],
)
@pytest.mark.parametrize("chunk_size", [1, 3, 8, 10_000])
async def test_stream_reassembles_text_exactly(
    fake_server: FakeOpenAIServer, text: str, chunk_size: int
) -> None:
    reply = ScriptedReply(text=text, chunk_size=chunk_size)
    fake_server.queue(reply)
    async with make_client(fake_server) as client:
        stream = await start_stream(client)
        pieces: list[str] = []
        got, usage = await collect(stream, pieces)

    assert got == text
    assert pieces == [piece for piece in reply.chunks() if piece]
    assert usage is not None
    assert usage.completion_tokens == len(reply.chunks())


async def test_stream_chunks_look_like_openai(fake_server: FakeOpenAIServer) -> None:
    fake_server.queue(ScriptedReply(text="abcdefghij", chunk_size=4))
    async with make_client(fake_server) as client:
        stream = await client.chat.completions.create(
            model="gpt-4.1-nano",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = [chunk async for chunk in stream]

    *content, usage_chunk = chunks
    assert [c.choices[0].delta.content for c in content] == ["abcd", "efgh", "ij"]
    assert [c.choices[0].delta.role for c in content] == ["assistant", None, None]
    assert [c.choices[0].finish_reason for c in content] == [None, None, "stop"]
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert all(c.model == "gpt-4.1-nano" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    assert usage_chunk.choices == []
    assert usage_chunk.usage == CompletionUsage.model_validate(
        {
            "prompt_tokens": 11,
            "completion_tokens": 3,
            "total_tokens": 14,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
        }
    )


async def test_usage_only_when_asked_for_or_scripted(fake_server: FakeOpenAIServer) -> None:
    custom = {"prompt_tokens": 100, "completion_tokens": 42, "total_tokens": 142}
    fake_server.queue(ScriptedReply(), ScriptedReply(usage=None), ScriptedReply(usage=custom))
    async with make_client(fake_server) as client:
        plain = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        _, usage_not_asked = await collect(plain)
        _, usage_none = await collect(await start_stream(client))
        _, usage_custom = await collect(await start_stream(client))

    assert usage_not_asked is None
    assert usage_none is None
    assert usage_custom is not None
    assert (usage_custom.prompt_tokens, usage_custom.completion_tokens) == (100, 42)


async def test_request_is_recorded(fake_server: FakeOpenAIServer) -> None:
    async with make_client(fake_server) as client:
        stream = await client.chat.completions.create(
            model="gpt-4o",
            messages=[
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Say hello."},
            ],
            temperature=0.25,
            stream=True,
            stream_options={"include_usage": True},
        )
        await collect(stream)

    [request] = fake_server.wait_for_requests(1)
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.headers["content-type"] == "application/json"
    assert request.body is not None
    assert request.body["model"] == "gpt-4o"
    assert request.body["messages"] == MESSAGES
    assert request.body["temperature"] == 0.25
    assert request.body["stream"] is True
    assert request.body["stream_options"] == {"include_usage": True}


async def test_delays_are_applied(fake_server: FakeOpenAIServer) -> None:
    fake_server.queue(ScriptedReply(text="abc", chunk_size=1, first_chunk_delay=0.2, delay=0.1))
    async with make_client(fake_server) as client:
        started = time.monotonic()
        stream = await start_stream(client)
        arrivals: list[float] = []
        async for chunk in stream:
            if chunk.choices:
                arrivals.append(time.monotonic() - started)

    assert arrivals[0] >= 0.2
    assert arrivals[2] - arrivals[0] >= 0.2 - 0.02  # two 0.1 s gaps, allowing timer slack
    assert arrivals[2] < 1.5


async def test_scripted_deltas_and_finish_reason_reach_the_sdk(
    fake_server: FakeOpenAIServer,
) -> None:
    logprobs = {"content": [{"token": "Hi", "logprob": -0.1, "bytes": None, "top_logprobs": []}]}
    deltas: list[dict[str, object]] = [
        {"reasoning_content": "think"},
        {"content": "Hi", "logprobs": logprobs},
    ]
    fake_server.queue(ScriptedReply(deltas=deltas, finish_reason="length"))
    async with make_client(fake_server) as client:
        chunks = [chunk async for chunk in await start_stream(client)]

    choices = [c.choices[0] for c in chunks if c.choices]
    assert choices[0].delta.model_extra == {"reasoning_content": "think"}
    assert choices[1].delta.content == "Hi"
    assert choices[1].logprobs is not None and choices[1].logprobs.content is not None
    assert choices[1].logprobs.content[0].token == "Hi"
    assert [c.finish_reason for c in choices] == [None, "length"]

    fake_server.queue(ScriptedReply(deltas=deltas, finish_reason="length"))
    async with make_client(fake_server) as client:
        completion = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    assert completion.choices[0].message.content == "Hi"
    assert completion.choices[0].finish_reason == "length"


async def test_non_streamed_completion(fake_server: FakeOpenAIServer) -> None:
    fake_server.queue(ScriptedReply(text="Plain 🙂 reply", chunk_size=5))
    async with make_client(fake_server) as client:
        completion = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )

    assert completion.object == "chat.completion"
    assert completion.model == "gpt-4o-mini"
    assert completion.choices[0].message.content == "Plain 🙂 reply"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 3
    assert completion.usage.total_tokens == 14


async def test_replies_are_used_in_order_then_the_default(fake_server: FakeOpenAIServer) -> None:
    fake_server.queue(ScriptedReply(text="one"), ScriptedReply(text="two"))
    async with make_client(fake_server) as client:
        texts = [(await collect(await start_stream(client)))[0] for _ in range(3)]

    assert texts == ["one", "two", ScriptedReply().text]
    assert [r.path for r in fake_server.wait_for_requests(3)] == ["/v1/chat/completions"] * 3


async def test_models_list(fake_server: FakeOpenAIServer) -> None:
    async with make_client(fake_server) as client:
        page = await client.models.list()
        ids = [model.id async for model in page]

    assert ids == list(DEFAULT_MODELS)
    assert "gpt-4o-mini" in ids
    [request] = fake_server.wait_for_requests(1)
    assert (request.method, request.path, request.body) == ("GET", "/v1/models", None)


async def test_azure_route(fake_server: FakeOpenAIServer) -> None:
    fake_server.queue(ScriptedReply(text="Hello from Azure 🌐"))
    async with openai.AsyncAzureOpenAI(
        azure_endpoint=fake_server.origin,
        api_version="2024-10-21",
        api_key="k",
        max_retries=0,
        timeout=5.0,
    ) as client:
        stream = await client.chat.completions.create(
            model="my-deployment",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        text, usage = await collect(stream)

    assert text == "Hello from Azure 🌐"
    assert usage is not None
    [request] = fake_server.wait_for_requests(1)
    assert (
        request.path == "/openai/deployments/my-deployment/chat/completions?api-version=2024-10-21"
    )
    assert request.headers["api-key"] == "k"
    assert "authorization" not in request.headers


async def test_unknown_route_is_an_openai_style_404(fake_server: FakeOpenAIServer) -> None:
    async with httpx2.AsyncClient(timeout=5.0) as http:
        response = await http.post(f"{fake_server.base_url}/nope", json={"a": 1})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert "/v1/nope" in error["message"]
    [request] = fake_server.wait_for_requests(1)
    assert (request.path, request.body) == ("/v1/nope", {"a": 1})


async def test_stream_is_a_well_formed_event_stream(fake_server: FakeOpenAIServer) -> None:
    fake_server.queue(ScriptedReply(text="hi\n\ndata: x", chunk_size=4, headers={"X-Extra": "1"}))
    async with httpx2.AsyncClient(timeout=5.0) as http:
        response = await http.post(
            f"{fake_server.base_url}/chat/completions",
            json={"model": "m", "messages": [], "stream": True},
        )

    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-request-id"] == "req_test_1"
    assert response.headers["x-extra"] == "1"
    frames = response.text.split("\n\n")
    assert frames[-2:] == ["data: [DONE]", ""]
    payloads = [json.loads(frame.removeprefix("data: ")) for frame in frames[:-2]]
    assert "".join(p["choices"][0]["delta"]["content"] for p in payloads) == "hi\n\ndata: x"
    assert all("usage" not in p for p in payloads)


# -- HTTP errors ---------------------------------------------------------------------------


async def test_401_raises_authentication_error_with_request_id(
    fake_server: FakeOpenAIServer,
) -> None:
    fake_server.queue(ScriptedReply(status=401))
    async with make_client(fake_server) as client:
        with pytest.raises(openai.AuthenticationError) as caught:
            await start_stream(client)

    assert caught.value.status_code == 401
    assert caught.value.request_id == "req_test_1"
    assert caught.value.code == "invalid_api_key"
    assert caught.value.type == "invalid_request_error"


async def test_429_raises_rate_limit_error_with_retry_after(
    fake_server: FakeOpenAIServer,
) -> None:
    fake_server.queue(
        ScriptedReply(status=429, headers={"Retry-After": "7", "x-request-id": "req_custom"})
    )
    async with make_client(fake_server) as client:
        with pytest.raises(openai.RateLimitError) as caught:
            await start_stream(client)

    assert caught.value.response.headers["retry-after"] == "7"
    assert caught.value.request_id == "req_custom"
    assert caught.value.code == "rate_limit_exceeded"
    assert len(fake_server.wait_for_requests(1)) == 1  # max_retries=0: no retry


async def test_429_is_retried_by_the_sdk_when_allowed(fake_server: FakeOpenAIServer) -> None:
    fake_server.queue(ScriptedReply(status=429, headers={"retry-after-ms": "10"}))
    async with make_client(fake_server, max_retries=1) as client:
        text, _ = await collect(await start_stream(client))

    assert text == ScriptedReply().text
    assert len(fake_server.wait_for_requests(2)) == 2


async def test_html_502_raises_internal_server_error(fake_server: FakeOpenAIServer) -> None:
    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    fake_server.queue(ScriptedReply(status=502, error_body=html, error_content_type="text/html"))
    async with make_client(fake_server) as client:
        with pytest.raises(openai.InternalServerError) as caught:
            await start_stream(client)

    assert caught.value.status_code == 502
    assert caught.value.response.headers["content-type"] == "text/html"
    assert caught.value.body == html  # not JSON, so the SDK keeps the raw text
    assert caught.value.code is None


# -- faults mid-stream ---------------------------------------------------------------------


async def test_drop_mid_stream_raises_api_connection_error(
    fake_server: FakeOpenAIServer,
) -> None:
    fake_server.queue(ScriptedReply(text="abcdefghij", chunk_size=2, drop_after_chunks=2))
    pieces: list[str] = []
    async with make_client(fake_server) as client:
        stream = await start_stream(client)
        # The stream ends with no terminating HTTP chunk: httpx2 raises RemoteProtocolError
        # ("incomplete chunked read"), which the SDK wraps in APIConnectionError.
        with pytest.raises(openai.APIConnectionError) as caught:
            await collect(stream, pieces)

    assert type(caught.value) is openai.APIConnectionError
    assert isinstance(caught.value.__cause__, httpx2.RemoteProtocolError)
    assert pieces == ["ab", "cd"]


async def test_drop_before_a_non_streamed_response(fake_server: FakeOpenAIServer) -> None:
    fake_server.queue(ScriptedReply(drop_after_chunks=0))
    async with make_client(fake_server) as client:
        with pytest.raises(openai.APIConnectionError) as caught:
            await client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
            )

    assert isinstance(caught.value.__cause__, httpx2.RemoteProtocolError)


async def test_malformed_line_raises_json_decode_error(fake_server: FakeOpenAIServer) -> None:
    fake_server.queue(ScriptedReply(text="abcdef", chunk_size=2, malformed_after_chunks=1))
    pieces: list[str] = []
    async with make_client(fake_server) as client:
        stream = await start_stream(client)
        # The SDK parses each `data:` line with json.loads and does not wrap the error.
        with pytest.raises(json.JSONDecodeError):
            await collect(stream, pieces)

    assert pieces == ["ab"]


async def test_stall_with_read_timeout_raises_api_timeout_error(
    fake_server: FakeOpenAIServer,
) -> None:
    fake_server.queue(ScriptedReply(text="abcdef", chunk_size=2, stall_after_chunks=1))
    pieces: list[str] = []
    async with make_client(fake_server, timeout=0.5) as client:
        stream = await start_stream(client)
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError) as caught:
            await collect(stream, pieces)
        waited = time.monotonic() - started

    assert isinstance(caught.value, openai.APIConnectionError)
    assert isinstance(caught.value.__cause__, httpx2.ReadTimeout)
    assert pieces == ["ab"]
    assert 0.4 < waited < 1.5


async def test_stop_ends_a_stall_promptly() -> None:
    server = FakeOpenAIServer([ScriptedReply(text="abcdef", chunk_size=2, stall_after_chunks=1)])
    with server:
        async with make_client(server, timeout=30.0) as client:
            stream = await start_stream(client)
            first = await anext(aiter(stream))
            assert first.choices[0].delta.content == "ab"

            started = time.monotonic()
            await asyncio.to_thread(server.stop)
            assert time.monotonic() - started < 1.0

            # The stall is cut off without the end of the body: a mid-stream drop.
            with pytest.raises(openai.APIConnectionError):
                await collect(stream)


# -- the Python API ------------------------------------------------------------------------


def test_chunks_split_on_characters_not_bytes() -> None:
    reply = ScriptedReply(text="🎉é世", chunk_size=1)
    assert reply.chunks() == ["🎉", "é", "世"]
    assert ScriptedReply(text="").chunks() == [""]
    with pytest.raises(ValueError, match="chunk_size"):
        ScriptedReply(chunk_size=0)


def test_wait_for_requests_times_out(fake_server: FakeOpenAIServer) -> None:
    with pytest.raises(TimeoutError):
        fake_server.wait_for_requests(1, timeout=0.05)


def test_urls_and_lifecycle() -> None:
    server = FakeOpenAIServer()
    with pytest.raises(RuntimeError):
        _ = server.base_url
    with server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
        assert server.origin == f"http://127.0.0.1:{server.port}"
    server.stop()  # idempotent
    with pytest.raises(RuntimeError):
        server.start()
