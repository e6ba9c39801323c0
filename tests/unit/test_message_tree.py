"""Messages as a tree: the active path, forks, switching, deleting, and schema migration."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gpt_tui.core.domain.conversation import SCHEMA_VERSION, Conversation, Params
from gpt_tui.core.domain.message import Message, MessageStatus
from gpt_tui.core.domain.message_tree import MessageTree
from gpt_tui.core.domain.schema import SchemaError
from gpt_tui.core.store.conversations import ConversationStore, StoreError

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "schema1_conversation.json"


def msg(role: str, content: str) -> Message:
    return Message("user" if role == "user" else "assistant", content, id=content)


def ids(messages: tuple[Message, ...] | list[Message]) -> list[str]:
    return [m.id for m in messages]


def forked() -> MessageTree:
    """q1 a1 q2 a2, then q2 edited (q2b a2b), then a2b regenerated (a2c)."""
    tree = MessageTree([msg("user", "q1"), msg("a", "a1"), msg("user", "q2"), msg("a", "a2")])
    tree.add(msg("user", "q2b"), "a1")
    tree.add(msg("a", "a2b"), "q2b")
    tree.add(msg("a", "a2c"), "q2b")
    return tree


def test_a_linear_tree_is_its_own_path() -> None:
    tree = MessageTree([msg("user", "q1"), msg("a", "a1")])
    assert ids(tree.path) == ["q1", "a1"]
    assert tree.parent_id("a1") == "q1"
    assert tree.position("a1") == (1, 1)
    assert tree.selections() == {}


def test_the_newest_fork_is_shown_and_the_old_branch_stays() -> None:
    tree = forked()
    assert ids(tree.path) == ["q1", "a1", "q2b", "a2c"]
    assert ids(tree.siblings("q2b")) == ["q2", "q2b"]
    assert tree.position("q2b") == (2, 2)
    assert tree.position("a2c") == (2, 2)
    assert len(tree) == 7
    assert tree.selections() == {"a1": "q2b", "q2b": "a2c"}


def test_switching_back_restores_the_old_branch_and_its_reply() -> None:
    tree = forked()
    old = tree.sibling("q2b", -1)
    assert old is not None and old.id == "q2"
    tree.select(old.id)
    assert ids(tree.path) == ["q1", "a1", "q2", "a2"]
    assert tree.sibling("q2", -1) is None
    # Going forward again comes back to the reply last shown on that branch, not the newest.
    tree.select("a2b")
    tree.select("q2")
    assert tree.sibling("q2", 1) is not None
    tree.select("q2b")
    assert ids(tree.path) == ["q1", "a1", "q2b", "a2b"]


def test_select_deep_in_a_branch_selects_every_fork_above_it() -> None:
    tree = forked()
    tree.select("q2")
    tree.select("a2b")
    assert ids(tree.path) == ["q1", "a1", "q2b", "a2b"]


def test_remove_takes_the_subtree_and_shows_the_previous_alternative() -> None:
    tree = forked()
    removed = tree.remove("q2b")
    assert ids(removed) == ["q2b", "a2b", "a2c"]
    assert ids(tree.path) == ["q1", "a1", "q2", "a2"]
    assert tree.position("q2") == (1, 1)
    assert "a2c" not in tree


def test_removing_an_alternative_that_is_not_shown_keeps_the_path() -> None:
    tree = forked()
    tree.remove("a2b")
    assert ids(tree.path) == ["q1", "a1", "q2b", "a2c"]
    tree.remove("a2c")
    assert ids(tree.path) == ["q1", "a1", "q2b"]


def test_removing_the_first_alternative_shows_the_next() -> None:
    tree = forked()
    tree.select("q2")
    tree.remove("q2")
    assert ids(tree.path) == ["q1", "a1", "q2b", "a2c"]


def test_removing_the_first_message_empties_the_conversation() -> None:
    tree = forked()
    assert len(tree.remove("q1")) == 7
    assert tree.path == ()
    assert len(tree) == 0


def test_ids_must_be_unique_and_parents_known() -> None:
    tree = forked()
    with pytest.raises(ValueError, match="already"):
        tree.add(msg("user", "q1"), None)
    with pytest.raises(ValueError, match="unknown parent"):
        tree.add(msg("user", "new"), "nowhere")


def test_conversation_round_trips_every_branch_and_the_selection() -> None:
    conversation = Conversation(Params(model="m"), id="c1")
    conversation.tree = forked()
    conversation.tree.select("a2b")
    data = conversation.to_dict()
    assert data["schema_version"] == SCHEMA_VERSION == 3
    assert [m["parent_id"] for m in data["messages"]] == [
        None,
        "q1",
        "a1",
        "q2",
        "a1",
        "q2b",
        "q2b",
    ]
    assert data["selected"] == {"a1": "q2b", "q2b": "a2b"}
    again = Conversation.from_dict(json.loads(json.dumps(data)))
    assert again == conversation
    assert ids(again.messages) == ["q1", "a1", "q2b", "a2b"]
    assert again.summary().message_count == 4


def test_a_schema_2_file_with_a_dangling_parent_is_refused() -> None:
    data = Conversation(Params(model="m"), id="c1", messages=[msg("user", "q1")]).to_dict()
    data["messages"][0]["parent_id"] = "ghost"
    with pytest.raises(SchemaError, match="parent_id"):
        Conversation.from_dict(data)
    data["messages"][0]["parent_id"] = None
    data["messages"].append(dict(data["messages"][0]))
    with pytest.raises(SchemaError, match="repeats"):
        Conversation.from_dict(data)


def test_a_selection_that_no_longer_fits_falls_back_to_the_newest() -> None:
    conversation = Conversation(Params(model="m"), id="c1")
    conversation.tree = forked()
    data = conversation.to_dict()
    data["selected"] = {"a1": "a2", "": "nothing"}
    assert ids(Conversation.from_dict(data).messages) == ["q1", "a1", "q2b", "a2c"]


def test_the_schema_1_fixture_migrates_losslessly() -> None:
    """A file written by gpt-tui at schema 1 reads as one branch with every field kept, and
    writing it back gives schema 2 that reads as the same conversation."""
    old = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert old["schema_version"] == 1
    conversation = Conversation.from_dict(old)
    assert len(conversation.tree) == len(conversation.messages) == len(old["messages"]) == 7
    for message, raw in zip(conversation.messages, old["messages"], strict=True):
        assert message.to_dict() == raw
    assert [m.status for m in conversation.messages][-4:] == [
        MessageStatus.ERROR,
        MessageStatus.COMPLETE,
        MessageStatus.COMPLETE,
        MessageStatus.STOPPED,
    ]
    new = conversation.to_dict()
    assert new["schema_version"] == SCHEMA_VERSION
    assert {
        k: v for k, v in new.items() if k not in ("schema_version", "messages", "selected")
    } == {k: v for k, v in old.items() if k not in ("schema_version", "messages")}
    assert Conversation.from_dict(new) == conversation
    parents = [m.pop("parent_id") for m in new["messages"]]
    assert new["messages"] == old["messages"]
    assert parents == [None, *(m["id"] for m in old["messages"][:-1])]


def test_a_schema_1_file_with_a_repeated_id_keeps_both_messages() -> None:
    old = json.loads(FIXTURE.read_text(encoding="utf-8"))
    old["messages"][2]["id"] = old["messages"][0]["id"]
    conversation = Conversation.from_dict(old)
    assert [m.content for m in conversation.messages] == [m["content"] for m in old["messages"]]
    assert len({m.id for m in conversation.messages}) == 7


def test_the_store_reads_schema_1_and_rewrites_it_only_when_saved(tmp_path: Path) -> None:
    old = json.loads(FIXTURE.read_text(encoding="utf-8"))
    folder = tmp_path / "conversations"
    folder.mkdir()
    path = folder / f"{old['id']}.json"
    shutil.copy(FIXTURE, path)
    before = path.read_bytes()
    store = ConversationStore(tmp_path)
    assert [s.message_count for s in store.list_summaries()] == [7]
    conversation = store.load(old["id"])
    assert path.read_bytes() == before  # reading never rewrites
    store.save(conversation)
    assert json.loads(path.read_text(encoding="utf-8"))["schema_version"] == SCHEMA_VERSION
    assert ConversationStore(tmp_path).load(old["id"]) == conversation


def test_a_file_from_a_newer_gpt_tui_is_left_untouched(tmp_path: Path) -> None:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["schema_version"] = SCHEMA_VERSION + 1
    folder = tmp_path / "conversations"
    folder.mkdir()
    path = folder / f"{data['id']}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer gpt-tui"):
        ConversationStore(tmp_path).load(data["id"])
    assert path.read_bytes() == before
