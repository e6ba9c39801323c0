"""Bulk imports: a batch of conversations written at once, then the index and the search
rows once; the progress line; short ids for thousands of conversations."""

from __future__ import annotations

import io
import json
import random
import stat
from pathlib import Path

import pytest

from benchmarks.datasets import chatgpt_export
from gpt_tui.commands.conversations import run, short_ids
from gpt_tui.commands.progress import BATCH, ProgressLine, save_in_batches
from gpt_tui.core.domain.conversation import Conversation
from gpt_tui.core.domain.schema import utc_now
from gpt_tui.core.interchange.importing import import_data
from gpt_tui.core.store.datadir import DataDir
from gpt_tui.core.store.fsutil import atomic_write_many


def _conversations(count: int) -> list[Conversation]:
    raw = json.dumps(chatgpt_export(count, turns=3))
    return list(import_data(raw, source="conversations.json", now=utc_now()).conversations)


def test_a_batch_is_listed_searchable_and_private(tmp_path: Path) -> None:
    conversations = _conversations(30)
    data = DataDir.open(tmp_path)
    data.store.save_new(conversations)
    listed = data.store.list_summaries()
    assert {s.id for s in listed} == {c.id for c in conversations}
    assert data.store.take_notices() == []
    again = DataDir.open(tmp_path)  # what another process reads
    for conversation in conversations:
        assert again.store.load(conversation.id) == conversation
    assert again.search_index.search("chat 17", 10).hits
    for path in (tmp_path / "conversations").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert not path.name.endswith(".tmp")
    data.close()
    again.close()


def test_a_batch_keeps_what_another_process_listed(tmp_path: Path) -> None:
    first, second = _conversations(2), _conversations(3)
    DataDir.open(tmp_path).store.save_new(first)
    DataDir.open(tmp_path).store.save_new(second)
    listed = {s.id for s in DataDir.open(tmp_path).store.list_summaries()}
    assert listed == {c.id for c in first + second}


def test_batches_cover_every_conversation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gpt_tui.commands.progress.BATCH", 7)
    conversations = _conversations(20)
    data = DataDir.open(tmp_path)
    saved, failures = save_in_batches(data.store, conversations, io.StringIO())
    assert failures == []
    assert saved == conversations
    assert len(data.store.list_summaries()) == 20
    assert BATCH >= 100


def test_a_refused_batch_is_saved_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch the store refuses falls back to single saves, each failure named."""
    from gpt_tui.core.store.conversations import ConversationStore, StoreError

    def refuse(self: ConversationStore, conversations: object) -> None:
        raise StoreError("disk full")

    monkeypatch.setattr(ConversationStore, "save_new", refuse)
    conversations = _conversations(3)
    data = DataDir.open(tmp_path)
    saved, failures = save_in_batches(data.store, conversations, io.StringIO())
    assert saved == conversations
    assert failures == []
    assert len(data.store.list_summaries()) == 3


def test_atomic_write_many_leaves_no_temporary_file_on_failure(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    atomic_write_many([(folder / "a.json", "1"), (folder / "b.json", "2")])
    assert sorted(p.name for p in folder.iterdir()) == ["a.json", "b.json"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (folder / "sub").mkdir()
    (folder / "sub" / "keep").write_text("x")
    with pytest.raises(OSError):  # a file cannot be renamed over a folder
        atomic_write_many([(folder / "c.json", "3"), (folder / "sub", "4")])
    # What was renamed before the failure is whole; no temporary file is left.
    assert sorted(p.name for p in folder.iterdir()) == ["a.json", "b.json", "c.json", "sub"]
    assert (folder / "c.json").read_bytes() == b"3"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_line_shows_rate_and_time_left_on_a_terminal_only() -> None:
    assert ProgressLine.text(2_000, 10_000, 4.0) == (
        "importing 2,000/10,000 conversations · 500/s · 16 s left"
    )
    times = iter([0.0, 1.0, 1.0, 2.0, 2.0])
    terminal = _Terminal()
    line = ProgressLine(100, terminal, clock=lambda: next(times))
    line.update(50)
    line.close()
    assert terminal.getvalue() == (
        "\rimporting 50/100 conversations · 50/s · 1 s left\x1b[K\r\x1b[K"
    )
    pipe = io.StringIO()
    quiet = ProgressLine(100, pipe, clock=lambda: 5.0)
    quiet.update(50)
    quiet.close()
    assert pipe.getvalue() == ""


def test_short_ids_of_many_conversations_match_the_simple_rule() -> None:
    def simple(ids: list[str], minimum: int) -> dict[str, str]:
        shortened = {}
        for one in ids:
            length = min(minimum, len(one))
            while length < len(one) and any(
                other != one and other.startswith(one[:length]) for other in ids
            ):
                length += 1
            shortened[one] = one[:length]
        return shortened

    rng = random.Random(4)
    for _ in range(500):
        ids = list(
            dict.fromkeys(
                "".join(rng.choice("ab") for _ in range(rng.randint(1, 10)))
                for _ in range(rng.randint(1, 9))
            )
        )
        minimum = rng.randint(1, 4)
        assert short_ids(ids, minimum) == simple(ids, minimum)


def test_import_command_reports_every_conversation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps(chatgpt_export(12)), encoding="utf-8")
    home = tmp_path / "home"
    code = run("import", [str(export), "--data-dir", str(home)], {})
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out.startswith("imported 12 conversations (72 messages) from a ChatGPT export")
    assert out.err == ""  # no progress line into a captured (non-terminal) stderr
