"""``kill -9`` in the middle of a stream: the real app, in a pseudo-terminal, against the
loopback server. The prompt, all but about the last second of the streamed text, and a
draft typed in another conversation are on disk; opening the chat marks it interrupted."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gpt_tui.core.config.types import ProviderSettings
from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import Message, MessageStatus
from gpt_tui.core.planning.planner import RequestPlanner
from gpt_tui.core.planning.pricing import PriceBook
from gpt_tui.core.planning.tokens import TokenCounter
from gpt_tui.core.providers.registry import ProviderRegistry
from gpt_tui.core.service.chat import ChatService
from gpt_tui.core.service.connections import Connections
from gpt_tui.core.store.conversations import ConversationStore
from tests.fake_server import FakeOpenAIServer, ScriptedReply

pytestmark = pytest.mark.subprocess

REPO_ROOT = Path(__file__).resolve().parents[2]
STREAMED_SECONDS = 3.5
"""How long the server streams before the app is killed."""
MAX_LOST_SECONDS = 1.5
"""The save interval is 1 s; the rest is slack for a busy two-core machine."""


class PtyProcess:
    """``python -m gpt_tui ARGS`` with a pseudo-terminal as its terminal; what it writes
    is drained on a thread (a real terminal would read it) and kept for waiting on."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        master, slave = os.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gpt_tui", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=REPO_ROOT,
            start_new_session=True,
        )
        os.close(slave)
        self._master = master
        self._output = bytearray()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:  # every holder of the other end has exited
                return
            if not data:
                return
            self._output += data

    def type(self, text: str) -> None:
        os.write(self._master, text.encode())

    def wait_for_output(self, needle: str, timeout: float) -> None:
        wait_until(lambda: needle.encode() in self._output, timeout, f"{needle!r} on screen")

    def kill(self) -> None:
        """``kill -9`` the app (its whole process group) and reap it."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        self._reader.join(2)
        with contextlib.suppress(OSError):
            os.close(self._master)


def wait_until(ready: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@contextlib.contextmanager
def running_app(args: list[str], env: dict[str, str]) -> Iterator[PtyProcess]:
    app = PtyProcess(args, env)
    try:
        yield app
    finally:
        app.kill()


def saved_drafts(data_dir: Path) -> dict[str, str]:
    try:
        state = json.loads((data_dir / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    drafts = state.get("drafts", {})
    return drafts if isinstance(drafts, dict) else {}


def test_kill_9_mid_stream_keeps_the_prompt_the_text_and_a_draft(tmp_path: Path) -> None:
    home = tmp_path / "home"
    data_dir = home / "data"
    store = ConversationStore(data_dir)
    other = Conversation(
        Params(model="gpt-4o-mini"),
        title="Other chat",
        messages=[Message(role="user", content="earlier"), Message("assistant", "answer")],
    )
    store.save(other)
    store.save_state({"last_conversation_id": other.id})
    text = " ".join(f"word{i}" for i in range(3000))
    slow = ScriptedReply(text=text, chunk_size=6, delay=0.02)  # ~300 characters a second
    draft, prompt = "an unsent draft in the other chat", "tell me a long story"

    with FakeOpenAIServer(default_reply=slow) as server:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "TERM": "xterm-256color",
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": server.base_url,
        }
        with running_app(["--data-dir", str(home), "--model", "gpt-4o-mini"], env) as app:
            app.wait_for_output("Other chat", timeout=20)
            app.type(draft)
            wait_until(lambda: saved_drafts(data_dir).get(other.id) == draft, 5, "the draft")
            app.type("\x0e")  # ctrl+n: a new chat
            time.sleep(0.5)
            app.type(prompt)
            time.sleep(0.2)
            app.type("\r")
            wait_until(
                lambda: (
                    bool(server.streamed)
                    and server.streamed[-1][0] - server.streamed[0][0] >= STREAMED_SECONDS
                ),
                20,
                f"{STREAMED_SECONDS} s of streamed text",
            )
            sent = list(server.streamed)
            killed_at = time.monotonic()
            app.kill()

    [saved_id] = {s.id for s in ConversationStore(data_dir).list_summaries()} - {other.id}
    on_disk = ConversationStore(data_dir).load(saved_id)
    user, reply = on_disk.messages
    assert user.content == prompt
    assert reply.status is MessageStatus.STREAMING  # as the kill left it on disk
    sent_text = "".join(piece for _, piece in sent)
    assert reply.content and sent_text.startswith(reply.content)
    received = 0
    first_lost_at = killed_at
    for when, piece in sent:
        received += len(piece)
        if received > len(reply.content):
            first_lost_at = when
            break
    lost_seconds = killed_at - first_lost_at
    print(
        f"kill -9: {len(reply.content)} of {len(sent_text)} characters saved; "
        f"the last {lost_seconds:.2f} s of the stream lost"
    )
    assert lost_seconds <= MAX_LOST_SECONDS

    assert saved_drafts(data_dir)[other.id] == draft
    service = ChatService(
        ConversationStore(data_dir),
        Connections(
            ProviderRegistry(ProviderSettings(base_url=None, api_key="sk-test", key_source="test")),
            RequestPlanner(TokenCounter(), PriceBook()),
        ),
        default_params=Params(model="gpt-4o-mini"),
    )
    reopened = service.open(saved_id)
    assert reopened.messages[-1].status is MessageStatus.INTERRUPTED
    assert reopened.messages[-1].content == reply.content
