"""Two real processes on one data folder lose neither's conversations nor messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.store.conversations import ConversationStore

pytestmark = pytest.mark.subprocess

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "tests.e2e.shared_dir_worker"]
COUNT = 20
"""Conversations each process creates, and prompts it sends to the shared one."""


def test_two_processes_keep_every_conversation_and_message(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shared = Conversation(Params(model="gpt-4o-mini"), title="Shared")
    ConversationStore(data_dir).save(shared)
    workers = [
        subprocess.Popen(
            [*WORKER, str(data_dir), name, shared.id, str(COUNT)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("A", "B")
    ]
    (tmp_path / "go").touch()
    made: list[str] = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        made.extend(json.loads(out))

    store = ConversationStore(data_dir)
    listed = {s.id for s in store.list_summaries()}
    assert len(made) == 2 * COUNT
    assert listed == {shared.id, *made}
    assert store.take_notices() == []  # the index was never rebuilt nor damaged
    for conversation_id in made:
        prompt, reply = store.load(conversation_id).messages
        assert prompt.content.split(" own ")[0] == reply.content.split(" ")[0]
    messages = store.load(shared.id).tree.all()
    prompts = {m.content for m in messages if m.role == "user"}
    assert prompts == {f"{name} shared {i}" for name in "AB" for i in range(COUNT)}
    assert sum(m.role == "assistant" for m in messages) == 2 * COUNT
