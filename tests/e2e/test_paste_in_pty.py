"""Pastes through the real terminal path: the app in a pseudo-terminal, its own driver and
input parser reading the bytes a terminal sends."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import Message
from gpt_tui.core.store.conversations import ConversationStore
from tests.e2e.test_kill9 import running_app, saved_drafts, wait_until

pytestmark = pytest.mark.subprocess

PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"


def home_with_a_chat(tmp_path: Path) -> tuple[Path, str, dict[str, str]]:
    """A data folder whose last conversation is "Other chat", and the app's environment."""
    home = tmp_path / "home"
    store = ConversationStore(home / "data")
    chat = Conversation(
        Params(model="gpt-4o-mini"),
        title="Other chat",
        messages=[Message(role="user", content="earlier"), Message("assistant", "answer")],
    )
    store.save(chat)
    store.save_state({"last_conversation_id": chat.id})
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "TERM": "xterm-256color",
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
    }
    return home, chat.id, env


def test_a_bracketed_paste_with_escape_sequences_stays_whole_and_in_order(
    tmp_path: Path,
) -> None:
    home, chat_id, env = home_with_a_chat(tmp_path)
    pasted = "A \x1b[31mRED\x1b[0m Z \x1b]0;title\x07 line one\rline two\tend"
    with running_app(["--data-dir", str(home)], env) as app:
        app.wait_for_output("Other chat", timeout=20)
        app.type("x")
        app.type(PASTE_START + pasted + PASTE_END)
        app.type("y")
        expected = "xA ␛[31mRED␛[0m Z ␛]0;title␇ line one\nline two\tendy"
        wait_until(lambda: saved_drafts(home / "data").get(chat_id) == expected, 10, "the draft")
        assert app.proc.poll() is None


def test_a_megabyte_typed_without_bracketed_paste_then_ctrl_q_quits(tmp_path: Path) -> None:
    home, chat_id, env = home_with_a_chat(tmp_path)
    big = ("The quick brown fox jumps over the lazy dog. 敏捷的狐狸。" * 20_000)[:1_000_000]
    with running_app(["--data-dir", str(home)], env) as app:
        app.wait_for_output("Other chat", timeout=20)
        started = time.monotonic()
        writer = threading.Thread(target=app.type, args=(big + "\x11",), daemon=True)  # ctrl+q
        writer.start()
        app.proc.wait(60)
        elapsed = time.monotonic() - started
        writer.join(5)
    print(f"1 MB typed without bracketed paste, then ctrl+q: exited after {elapsed:.1f} s")
    assert app.proc.returncode == 0
    assert elapsed < 30  # it used to take minutes, and gigabytes
    # ctrl+q quits at once, ahead of text still queued for the prompt: what it had is kept.
    draft = saved_drafts(home / "data").get(chat_id, "")
    assert draft and big.startswith(draft)
