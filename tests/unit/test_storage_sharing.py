"""Two stores on one folder, as two gpt-tui processes would be: the index, a shared
conversation and the UI state keep both sides' changes; the lock serialises writers."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import Message, MessageStatus
from gpt_tui.core.service.events import TurnPlan
from gpt_tui.core.store.conversations import ConversationStore
from tests.unit.test_storage import make_conversation


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "data"


def status_of(conversation: Conversation) -> MessageStatus:
    return conversation.messages[-1].status


def ids(store: ConversationStore) -> set[str]:
    return {s.id for s in store.list_summaries()}


def test_neither_process_drops_the_conversations_the_other_created(root: Path) -> None:
    a, b = ConversationStore(root), ConversationStore(root)
    a.save(make_conversation("a1"))
    assert ids(b) == {"a1"}  # b has read the index and keeps it in memory
    a.save(make_conversation("a2"))
    b.save(make_conversation("b1"))
    a.save(make_conversation("a3"))
    b.delete("a2")

    assert ids(a) == ids(b) == ids(ConversationStore(root)) == {"a1", "a3", "b1"}


def test_index_changed_sees_only_other_processes_writes(root: Path) -> None:
    a, b = ConversationStore(root), ConversationStore(root)
    a.save(make_conversation("a1"))
    b.list_summaries()
    assert not a.index_changed()
    assert not b.index_changed()
    a.save(make_conversation("a2"))
    assert not a.index_changed()
    assert b.index_changed()
    assert ids(b) == {"a1", "a2"}
    assert not b.index_changed()


def test_a_stale_in_memory_index_is_read_again(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = ConversationStore(root), ConversationStore(root)
    a.save(make_conversation("a1"))
    b.list_summaries()
    reads: list[str] = []
    original = Path.read_bytes

    def spy(self: Path) -> bytes:
        reads.append(self.name)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    b.list_summaries()
    assert reads == []  # unchanged on disk: no read
    a.save(make_conversation("a2"))
    assert ids(b) == {"a1", "a2"}
    assert reads == ["index.json"]


def shared(root: Path) -> Conversation:
    conversation = Conversation(
        Params(model="gpt-4o-mini"),
        id="shared",
        title="Shared",
        messages=[Message(role="user", content="hello", id="p0")],
    )
    ConversationStore(root).save(conversation)
    return conversation


def test_both_processes_appending_to_one_conversation_keep_every_message(root: Path) -> None:
    shared(root)
    a, b = ConversationStore(root), ConversationStore(root)
    ours, theirs = a.load("shared"), b.load("shared")
    ours.append(Message(role="assistant", content="from a", id="a1"))
    a.save(ours)
    theirs.append(Message(role="assistant", content="from b", id="b1"))
    b.save(theirs)
    ours.append(Message(role="user", content="more from a", id="a2"))
    a.save(ours)

    on_disk = ConversationStore(root).load("shared")
    assert {m.id for m in on_disk.tree.all()} == {"p0", "a1", "b1", "a2"}
    assert [m.id for m in ours.messages] == ["p0", "a1", "a2"]  # the object was merged into
    assert {m.id for m in ours.tree.all()} == {"p0", "a1", "b1", "a2"}
    assert a.sync(ours)  # the merge while saving is reported once, so the screen redraws
    assert not a.sync(ours)


def test_sync_merges_the_other_side_once(root: Path) -> None:
    shared(root)
    a, b = ConversationStore(root), ConversationStore(root)
    ours, theirs = a.load("shared"), b.load("shared")
    assert not b.sync(theirs)
    ours.append(
        Message(role="assistant", content="from a", id="a1", status=MessageStatus.STREAMING)
    )
    a.save(ours, update_index=False)

    assert b.sync(theirs)
    assert [m.content for m in theirs.messages] == ["hello", "from a"]
    assert not b.sync(theirs)
    a1 = ours.tree.get("a1")
    assert a1 is not None
    a1.content = "from a, finished"
    a1.status = MessageStatus.COMPLETE
    a.save(ours)
    assert b.sync(theirs)
    assert theirs.messages[-1].content == "from a, finished"


def test_a_writer_waits_for_the_other_process_lock(root: Path) -> None:
    a, b = ConversationStore(root), ConversationStore(root)
    a.save(make_conversation("a1"))
    done = threading.Event()

    def save_in_b() -> None:
        b.save(make_conversation("b1"))
        done.set()

    with a._exclusive():
        writer = threading.Thread(target=save_in_b)
        writer.start()
        time.sleep(0.2)
        assert not done.is_set()
    writer.join(5)
    assert done.is_set()
    assert ids(a) == {"a1", "b1"}


def test_a_reply_streaming_elsewhere_is_seen_through_its_lock(root: Path) -> None:
    a, b = ConversationStore(root), ConversationStore(root)
    assert not b.streaming_elsewhere("c1")
    with a.turn_lock("c1"), a.turn_lock("c1"):  # shared: two turns in one conversation
        assert b.streaming_elsewhere("c1")
    assert not b.streaming_elsewhere("c1")


def test_state_keys_from_both_processes_survive(root: Path) -> None:
    a, b = ConversationStore(root), ConversationStore(root)
    a.update_state(lambda state: state.update(theme="dark"))
    b.update_state(lambda state: state.update(last_conversation_id="x"))
    assert ConversationStore(root).load_state() == {"theme": "dark", "last_conversation_id": "x"}


async def test_service_sees_the_other_process_and_leaves_its_live_reply_alone(
    root: Path,
) -> None:
    from tests.fakes import RecordingProvider, Script
    from tests.unit.test_chat_service import make_service

    gate = asyncio.Event()
    a = make_service(root, RecordingProvider([Script(["Hel", "lo"], gate=gate)]))
    b = make_service(root, RecordingProvider())
    conversation = a.new_conversation()
    turn = asyncio.create_task(a.run(conversation, TurnPlan.send("hi"), lambda event: None))
    while not a.is_streaming(conversation.id) or not a.live_text(conversation.messages[-1].id):
        await asyncio.sleep(0.01)

    assert [s.id for s in b.list_conversations()] == [conversation.id]
    seen = b.open(conversation.id)  # b opens it while a streams: not "interrupted"
    assert status_of(seen) is MessageStatus.STREAMING
    assert not b.changes_elsewhere().list_changed
    gate.set()
    await turn

    changes = b.changes_elsewhere()
    assert changes.list_changed
    assert changes.conversations == (conversation.id,)
    assert seen.messages[-1].content == "Hello"
    assert status_of(seen) is MessageStatus.COMPLETE
    assert b.changes_elsewhere().conversations == ()


def test_drafts_from_two_processes_are_kept_per_conversation(root: Path) -> None:
    from gpt_tui.core.service.state import UiState

    a = UiState(ConversationStore(root))
    b = UiState(ConversationStore(root))
    a.remember_drafts({"c1": "draft in a", "c2": "to be cleared"}, keep=10)
    b.remember_drafts({"c3": "draft in b"}, keep=10)
    a.remember_drafts({"c2": ""}, keep=10)
    assert a.get("drafts") == {"c1": "draft in a", "c3": "draft in b"}
    b.remember_drafts({"c4": "newest"}, keep=2)
    assert b.get("drafts") == {"c3": "draft in b", "c4": "newest"}
