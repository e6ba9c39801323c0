"""The three-way merge of two versions of one conversation (two processes saving it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.merge import merge_conversations
from gpt_tui.core.domain.message import Message, MessageStatus

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def user(mid: str, text: str = "") -> Message:
    return Message(role="user", content=text or f"prompt {mid}", id=mid, created_at=T0)


def reply(mid: str, text: str = "", status: MessageStatus = MessageStatus.COMPLETE) -> Message:
    return Message(
        role="assistant", content=text or f"reply {mid}", id=mid, created_at=T0, status=status
    )


def base_conversation() -> Conversation:
    return Conversation(
        Params(model="gpt-4o-mini"),
        id="c",
        title="Shared",
        created_at=T0,
        updated_at=T0,
        messages=[user("p1"), reply("r1")],
    )


def copy(conversation: Conversation) -> Conversation:
    return Conversation.from_dict(conversation.to_dict())


def contents(conversation: Conversation) -> list[str]:
    return [m.content for m in conversation.messages]


def test_both_sides_appending_keeps_both_turns_as_branches_and_shows_ours() -> None:
    base = base_conversation()
    ours, theirs = copy(base), copy(base)
    ours.append(user("a2", "ours"))
    ours.append(reply("ar2"))
    theirs.append(user("b2", "theirs"))
    theirs.append(reply("br2"))

    merged = merge_conversations(ours, theirs, base.to_dict())

    assert {m.id for m in merged.tree.all()} == {"p1", "r1", "a2", "ar2", "b2", "br2"}
    assert [m.id for m in merged.messages] == ["p1", "r1", "a2", "ar2"]
    assert [m.id for m in merged.tree.siblings("a2")] == ["a2", "b2"]
    # the inputs are unchanged
    assert len(ours.tree) == 4
    assert len(theirs.tree) == 4


def test_their_new_turn_after_our_path_is_shown_below_it() -> None:
    base = base_conversation()
    ours, theirs = copy(base), copy(base)
    theirs.append(user("b2"))
    theirs.append(reply("br2"))

    merged = merge_conversations(ours, theirs, base.to_dict())

    assert [m.id for m in merged.messages] == ["p1", "r1", "b2", "br2"]


def test_a_message_only_one_side_changed_takes_that_change() -> None:
    base = base_conversation()
    base.append(user("p2"))
    base.append(reply("r2", "Partial", MessageStatus.STREAMING))
    ours, theirs = copy(base), copy(base)
    finished = theirs.tree.get("r2")
    assert finished is not None
    finished.content = "Partial and finished"
    finished.status = MessageStatus.COMPLETE

    merged = merge_conversations(ours, theirs, base.to_dict())
    assert contents(merged)[-1] == "Partial and finished"
    # the other way round: our change wins over their untouched copy
    merged = merge_conversations(theirs, ours, base.to_dict())
    assert contents(merged)[-1] == "Partial and finished"


def test_a_message_both_sides_changed_keeps_ours_and_ours_is_the_same_object() -> None:
    base = base_conversation()
    ours, theirs = copy(base), copy(base)
    ours_reply, theirs_reply = ours.tree.get("r1"), theirs.tree.get("r1")
    assert ours_reply is not None and theirs_reply is not None
    ours_reply.content = "ours"
    theirs_reply.content = "theirs"

    merged = merge_conversations(ours, theirs, base.to_dict())

    assert merged.tree.get("r1") is ours_reply


def test_without_a_base_everything_is_kept_and_ours_wins() -> None:
    ours, theirs = base_conversation(), base_conversation()
    theirs.title = "Their title"
    changed = theirs.tree.get("r1")
    assert changed is not None
    changed.content = "theirs"
    theirs.append(user("b2"))

    merged = merge_conversations(ours, theirs)

    assert merged.title == "Shared"
    assert contents(merged) == ["prompt p1", "reply r1", "prompt b2"]


def test_deletions_stick_unless_the_other_side_changed_the_message() -> None:
    base = base_conversation()
    base.append(user("p2"))
    base.append(reply("r2"))
    ours, theirs = copy(base), copy(base)
    ours.tree.remove("p2")  # we deleted the second turn; they did not touch it

    merged = merge_conversations(ours, theirs, base.to_dict())
    assert [m.id for m in merged.tree.all()] == ["p1", "r1"]

    edited = theirs.tree.get("r2")
    assert edited is not None
    edited.content = "they changed it meanwhile"
    merged = merge_conversations(ours, theirs, base.to_dict())
    assert [m.id for m in merged.messages] == ["p1", "r1", "p2", "r2"]  # kept, with its prompt


def test_their_new_reply_under_a_prompt_we_deleted_keeps_the_prompt() -> None:
    base = base_conversation()
    base.append(user("p2"))
    ours, theirs = copy(base), copy(base)
    ours.tree.remove("p2")
    theirs.append(reply("r2"))

    merged = merge_conversations(ours, theirs, base.to_dict())

    assert {"p2", "r2"} <= {m.id for m in merged.tree.all()}
    assert merged.tree.parent_id("r2") == "p2"


def test_title_params_and_pin_take_the_side_that_changed_them() -> None:
    base = base_conversation()
    ours, theirs = copy(base), copy(base)
    theirs.title = "Renamed there"
    theirs.pinned = True
    ours.params = ours.params.with_changes(temperature=0.2)
    later = T0 + timedelta(minutes=5)
    theirs.updated_at = later

    merged = merge_conversations(ours, theirs, base.to_dict())

    assert merged.title == "Renamed there"
    assert merged.pinned
    assert merged.params.temperature == 0.2
    assert merged.updated_at == later
    assert merged.id == "c"


def test_alternatives_are_in_the_order_they_were_written_in_both_windows() -> None:
    base = base_conversation()
    ours, theirs = copy(base), copy(base)
    ours.append(Message(role="user", content="ours", id="a2", created_at=T0 + timedelta(seconds=2)))
    theirs.append(
        Message(role="user", content="theirs", id="b2", created_at=T0 + timedelta(seconds=1))
    )

    here = merge_conversations(ours, theirs, base.to_dict())
    there = merge_conversations(theirs, ours, base.to_dict())

    assert [m.id for m in here.tree.siblings("a2")] == ["b2", "a2"]
    assert [m.id for m in there.tree.siblings("a2")] == ["b2", "a2"]
    assert here.messages[-1].id == "a2"
    assert there.messages[-1].id == "b2"
