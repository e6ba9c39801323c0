"""The fault matrix: every failure the network or a server can produce, through the real SDK.

For each fault: the app stays alive, an inline message names the cause and what to do, the
prompt is kept, a partial reply is kept and marked, the re-send key works without duplicating
the prompt, and nothing was sent twice without the user asking.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gpt_tui.core.domain.message import MessageStatus
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import reply_status, screen_of, type_and_send, wait_idle

KEY = "sk-fault-SECRET-0123456789abcdef"
CONFIG = "[provider]\nmax_retries = 0\ntimeout = 2.0\n"
HTML_PAGE = "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"


@dataclass(frozen=True)
class Fault:
    reply: ScriptedReply
    says: list[str]
    partial: str = ""
    request_id: str | None = None
    extra_requests: int = 0
    notes: list[str] = field(default_factory=list)


FAULTS: dict[str, Fault] = {
    "401": Fault(ScriptedReply(status=401), ["rejected the API key", "OPENAI_API_KEY"]),
    "403": Fault(ScriptedReply(status=403), ["Access denied (HTTP 403)"]),
    "404 unknown model": Fault(ScriptedReply(status=404), ["Not found (HTTP 404)", "model name"]),
    "429 with Retry-After": Fault(
        ScriptedReply(status=429, headers={"retry-after": "7", "x-request-id": "req_429"}),
        ["HTTP 429", "wait 7 s"],
        request_id="req_429",
    ),
    "500": Fault(ScriptedReply(status=500), ["The server failed (HTTP 500)", "ctrl+r"]),
    "503": Fault(ScriptedReply(status=503), ["The server failed (HTTP 503)"]),
    "non-JSON error body": Fault(
        ScriptedReply(status=500, error_body="upstream exploded", error_content_type="text/plain"),
        ["HTTP 500", "upstream exploded"],
    ),
    "HTML error page from a proxy": Fault(
        ScriptedReply(status=502, error_body=HTML_PAGE, error_content_type="text/html"),
        ["HTTP 502", "502 Bad Gateway"],
    ),
    "read timeout before the first token": Fault(
        ScriptedReply(first_chunk_delay=5.0), ["timed out", "ctrl+r"]
    ),
    "connection dropped mid-stream": Fault(
        ScriptedReply(text="abcdefghijkl", chunk_size=4, drop_after_chunks=2),
        ["interrupted", "was cut in the middle of the reply"],
        partial="abcdefgh",
    ),
    "malformed SSE line": Fault(
        ScriptedReply(text="abcdefgh", chunk_size=4, malformed_after_chunks=1),
        ["malformed stream"],
        partial="abcd",
    ),
    "stream stalls after some tokens": Fault(
        ScriptedReply(text="abcdefgh", chunk_size=4, stall_after_chunks=1),
        ["stalled", "ctrl+r"],
        partial="abcd",
    ),
}


@pytest.mark.parametrize("name", list(FAULTS))
async def test_fault(name: str, tmp_path: Path, fake_server: FakeOpenAIServer) -> None:
    fault = FAULTS[name]
    write_config(tmp_path, CONFIG)
    fake_server.queue(fault.reply, ScriptedReply(text="Recovered."))
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake_server.base_url}
    app = make_app(tmp_path, env=env, model="gpt-4o-mini", idle_timeout=0.5)
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "the prompt")
        await wait_idle(pilot)
        status = reply_status(app)
        for words in fault.says:
            assert words in status, (name, status)
        assert KEY not in status
        if fault.request_id:
            assert fault.request_id in status
        conversation = screen_of(app).conversation
        failed = conversation.messages[-1]
        assert failed.content == fault.partial
        assert failed.status is (
            MessageStatus.INTERRUPTED if fault.partial else MessageStatus.ERROR
        )
        assert conversation.messages[0].content == "the prompt"
        assert len(fake_server.requests) == 1  # nothing retried behind the user's back
        # One key re-sends; the prompt is not duplicated; a partial reply stays visible,
        # a failed reply with no text is replaced (no second "failed" box piles up).
        await pilot.press("ctrl+r")
        await wait_idle(pilot)
        roles = [m.role for m in conversation.messages]
        assert roles == (
            ["user", "assistant", "assistant"] if fault.partial else ["user", "assistant"]
        )
        assert (failed.id in conversation.tree) is bool(fault.partial)
        assert conversation.messages[-1].content == "Recovered."
        assert len(fake_server.requests) == 2
        second = fake_server.requests[1].body
        assert second is not None
        assert second["messages"] == [{"role": "user", "content": "the prompt"}]


async def test_connection_refused(tmp_path: Path) -> None:
    write_config(tmp_path, CONFIG)
    with FakeOpenAIServer() as gone:
        url = gone.base_url
    app = make_app(tmp_path, env={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": url}, model="m")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)
        assert "connection refused" in reply_status(app)
        assert app.is_running


async def test_dns_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def fake_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host == "api.unresolvable.example":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    write_config(tmp_path, CONFIG)
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "http://api.unresolvable.example/v1"}
    app = make_app(tmp_path, env=env, model="m")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)
        status = reply_status(app)
        assert "could not be resolved (DNS)" in status
        assert "OPENAI_BASE_URL" in status


async def test_escape_always_stops_a_stalled_stream(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, CONFIG)
    fake_server.queue(ScriptedReply(text="abcdefgh", chunk_size=4, stall_after_chunks=1))
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake_server.base_url}
    app = make_app(tmp_path, env=env, model="m", idle_timeout=60)
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "hello")
        for _ in range(100):
            await pilot.pause(0.02)
            if screen_of(app).services.chat.live_text(screen_of(app).conversation.messages[-1].id):
                break
        await pilot.press("escape")
        await wait_idle(pilot)
        reply = screen_of(app).conversation.messages[-1]
        assert reply.status is MessageStatus.STOPPED
        assert reply.content == "abcd"


async def test_connect_timeout(tmp_path: Path) -> None:
    """A listener whose accept queue is full drops new SYNs: a real connect timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):  # fill the backlog; nothing ever accepts
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    try:
        write_config(tmp_path, "[provider]\nmax_retries = 0\ntimeout = 1.0\n")
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1"}
        app = make_app(tmp_path, env=env, model="m")
        async with app.run_test(size=(160, 48)) as pilot:
            await type_and_send(app, pilot, "hello")
            await wait_idle(pilot)
            status = reply_status(app)
            assert "timed out" in status
            assert "HTTPS_PROXY" in status
            assert screen_of(app).conversation.messages[0].content == "hello"
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
