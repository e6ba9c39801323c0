"""The store tells what it cannot do: probes for reading and writing, a conversation with a
bad field loaded without it, and the CLI saying so instead of "No saved conversations"."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path

import pytest

from gpt_tui.commands.conversations import run
from gpt_tui.core.store.conversations import ConversationStore, StoreError
from tests.cli import run_gpt_tui
from tests.unit.test_conversation_commands import call, home
from tests.unit.test_exporting import full_conversation
from tests.unit.test_search import chat

__all__ = ["home"]  # the fixture, shared with test_conversation_commands


# --- writable() and readable() ------------------------------------------------------------------


def test_a_fresh_store_is_writable_and_the_probe_creates_nothing(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "home" / "data")
    assert store.writable() is None
    assert store.readable() is None
    assert list(tmp_path.iterdir()) == []


def test_a_used_store_is_writable_and_the_probe_leaves_nothing(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    store.save(chat("one", "hello"))
    before = sorted(p.name for p in (tmp_path / "conversations").iterdir())
    assert store.writable() is None
    assert sorted(p.name for p in (tmp_path / "conversations").iterdir()) == before


def test_a_file_where_the_folder_should_be_is_not_writable_nor_readable(tmp_path: Path) -> None:
    (tmp_path / "conversations").write_text("not a folder")
    store = ConversationStore(tmp_path)
    assert store.writable() == f"{tmp_path / 'conversations'} is not a folder"
    assert store.readable() == f"{tmp_path / 'conversations'} cannot be read (Not a directory)"


def test_a_read_only_or_full_folder_is_not_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests run as root, where chmod does not stop writes: the refusal is simulated at the
    OS boundary (``mkstemp``, ``write``) instead."""
    store = ConversationStore(tmp_path)
    store.save(chat("one", "hello"))

    def read_only(**_: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    assert store.writable() == f"cannot write in {tmp_path / 'conversations'} (Permission denied)"
    monkeypatch.undo()

    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("gpt_tui.core.store.fsutil.os.write", full)
    assert store.writable() == (
        f"cannot write in {tmp_path / 'conversations'} (No space left on device)"
    )
    monkeypatch.undo()
    assert sorted(p.name for p in (tmp_path / "conversations").iterdir()) == ["one.json"]


# --- the CLI when the conversations cannot be listed -------------------------------------------


def test_list_with_an_unreadable_conversations_folder_says_so_and_exits_1(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``conversations/`` unreadable used to print "No saved conversations" and exit 0.
    As root chmod does not stop reads, so ``os.scandir`` refuses (the OS boundary)."""
    folder = home / "data" / "conversations"
    real_scandir = os.scandir

    def refuse(path: object = ".") -> object:
        if Path(str(path)) == folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr("gpt_tui.core.store.fsutil.os.scandir", refuse)
    (home / "data" / "index.json").unlink()  # so the list has to be rebuilt from the folder
    code, out, err = call(capsys, "list", "--data-dir", str(home))
    assert (code, out) == (1, "")
    assert err == f"gpt-tui list: {folder} cannot be read (Permission denied)\n"
    assert not (home / "data" / "index.json").exists()  # no empty index written


@pytest.mark.parametrize(
    "args",
    [["list"], ["list", "--json"], ["export", "--all", "--format", "json"], ["search", "hello"]],
)
def test_commands_with_a_file_for_a_conversations_folder_exit_1(
    tmp_path: Path, args: list[str]
) -> None:
    """The real entry point, with ``conversations`` a file (what root cannot be denied)."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "conversations").write_text("oops")
    result = run_gpt_tui(tmp_path, [*args])
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"gpt-tui {args[0]}: {data / 'conversations'} cannot be read (Not a directory)\n"
    )


def test_the_rebuilt_list_of_an_unreadable_folder_is_a_notice_not_an_empty_index(
    tmp_path: Path,
) -> None:
    (tmp_path / "conversations").write_text("oops")
    store = ConversationStore(tmp_path)
    assert store.list_summaries() == []
    assert store.take_notices() == [
        f"Could not list the conversations: {tmp_path / 'conversations'} cannot be read "
        "(Not a directory)"
    ]
    assert not (tmp_path / "index.json").exists()


# --- a conversation with a bad field ------------------------------------------------------------


def write_document(root: Path, conversation_id: str, change: dict[str, object]) -> Path:
    """Save the full conversation, then edit its file as a person (or a bug) might."""
    ConversationStore(root).save(full_conversation(conversation_id))
    path = root / "conversations" / f"{conversation_id}.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    for dotted, value in change.items():
        node = document
        *parents, last = dotted.split(".")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[last] = value
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_bad_parameter_leaves_out_that_field_not_the_conversation(tmp_path: Path) -> None:
    """``params.temperature = "hot"`` used to send the whole conversation to corrupt/."""
    path = write_document(tmp_path, "c1", {"params.temperature": "hot"})
    original = path.read_bytes()
    store = ConversationStore(tmp_path)
    conversation = store.load("c1")
    expected = full_conversation("c1")
    assert conversation.messages == expected.messages
    assert conversation.params.temperature is None
    assert conversation.params.model == expected.params.model
    assert conversation.params.max_tokens == expected.params.max_tokens
    [notice] = store.take_notices()
    assert notice.startswith(
        "Conversation file c1.json ('周报 ✨ Weekly *report*'): left out what could not be read "
        "(params.temperature (expected int or float, got str)); the original is kept as "
        "corrupt/c1.json."
    )
    [kept] = (tmp_path / "corrupt").iterdir()
    assert kept.read_bytes() == original
    assert kept.stat().st_mode & 0o777 == 0o600
    # The file is repaired: the next process loads it without a word.
    again = ConversationStore(tmp_path)
    assert again.load("c1") == conversation
    assert again.take_notices() == []
    assert [s.id for s in again.list_summaries()] == ["c1"]


def test_bad_reply_details_are_left_out_each_with_its_own_note(tmp_path: Path) -> None:
    write_document(
        tmp_path,
        "c2",
        {"messages.1.usage": {"prompt_tokens": "ten"}, "messages.1.cost": "cheap", "pinned": 3},
    )
    store = ConversationStore(tmp_path)
    conversation = store.load("c2")
    assert [m.content for m in conversation.messages] == [
        m.content for m in full_conversation("c2").messages
    ]
    assert conversation.messages[1].usage is None
    assert conversation.messages[1].cost is None
    [notice] = store.take_notices()
    assert "pinned (expected bool, got int)" in notice
    assert "messages[1].usage (messages[1].usage.prompt_tokens: expected int, got str)" in notice
    assert "messages[1].cost (" in notice


def test_a_conversation_missing_what_it_cannot_do_without_is_still_moved_aside(
    tmp_path: Path,
) -> None:
    write_document(tmp_path, "c3", {"messages.0.role": "wizard", "params.temperature": "hot"})
    store = ConversationStore(tmp_path)
    with pytest.raises(StoreError, match=r"messages\[0\]\.role: unknown role 'wizard'"):
        store.load("c3")
    assert not (tmp_path / "conversations" / "c3.json").exists()


def test_export_of_a_conversation_with_a_bad_field_exports_it_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_document(tmp_path / "data", "c4", {"params.top_p": [1]})
    code = run("export", ["c4", "--format", "json", "--data-dir", str(tmp_path)], {})
    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out)["conversation"]["messages"]
    assert err.startswith("note: Conversation file c4.json")
    assert "params.top_p (expected int or float, got list)" in err
