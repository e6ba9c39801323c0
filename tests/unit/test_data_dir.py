"""The data-dir bootstrap: the store, the search index and the ledger opened together; every
file they create private; totals counted again from the conversations when lost."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import Message, Timing, Usage
from gpt_tui.core.store.datadir import DataDir
from gpt_tui.core.store.fsutil import make_private_dir
from gpt_tui.core.store.ledger import Totals, totals_by_day
from gpt_tui.logs import configure
from tests.cli import run_gpt_tui
from tests.ui.test_data_dir_health import not_private
from tests.unit.test_search import chat

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"
DAY = datetime(2026, 11, 22, 12, tzinfo=UTC)


def priced_chat(
    conversation_id: str, *, tokens: int, cost: str | None, when: datetime
) -> Conversation:
    reply = Message(
        "assistant",
        "reply",
        created_at=when,
        usage=Usage(prompt_tokens=tokens - 1, completion_tokens=1),
        cost=None if cost is None else Decimal(cost),
        timing=Timing(first_token_s=0.5, total_s=2.0),
    )
    return Conversation(
        Params(model="gpt-4o-mini"),
        id=conversation_id,
        created_at=when,
        updated_at=when,
        messages=[Message("user", "question", created_at=when), reply],
    )


def test_opening_creates_nothing(tmp_path: Path) -> None:
    data = DataDir.open(tmp_path / "data")
    assert data.store.list_summaries() == []
    assert data.ledger.all_time() == Totals()
    data.close()
    assert not (tmp_path / "data").exists()


def test_every_file_and_folder_the_data_dir_creates_is_private(tmp_path: Path) -> None:
    """Conversations, index, state, locks, trash, corrupt/, totals, the search index with
    its -wal and -shm files, and the log: files 0600, folders 0700."""
    data = DataDir.open(tmp_path / "home" / "data")
    data.store.save(chat("one", "zebra crossing", "a reply"))
    data.store.save(chat("two", "second chat"))
    data.store.update_state(lambda state: state.update(last_conversation_id="one"))
    with data.store.turn_lock("one"):
        pass
    data.store.trash("two")
    (tmp_path / "home" / "data" / "conversations" / "bad.json").write_text("{")
    data.store.load_if_readable("bad")  # moved into corrupt/
    data.ledger.record(DAY, 10, Decimal("0.01"))
    data.search_index.sync(data.store.list_summaries(), data.store.load_if_readable)
    assert data.search_index.search("zebra").hits
    assert configure(tmp_path / "home" / "logs" / "gpt-tui.log", debug=False) is not None
    while_open = not_private(tmp_path / "home")
    data.close()
    names = {p.relative_to(tmp_path / "home").as_posix() for p in (tmp_path / "home").rglob("*")}
    assert {
        "data/trash",
        "data/corrupt",
        "data/locks/one.lock",
        "data/.lock",
        "data/state.json",
        "data/totals.json",
        "data/search.sqlite3",
        "logs/gpt-tui.log",
    } <= names
    assert (while_open, not_private(tmp_path / "home")) == ({}, {})


def test_an_index_an_older_version_left_readable_is_made_private(tmp_path: Path) -> None:
    data = DataDir.open(tmp_path)
    data.store.save(chat("one", "zebra"))
    data.close()
    for suffix in ("", "-wal", "-shm"):
        side = tmp_path / f"search.sqlite3{suffix}"
        side.touch()
        side.chmod(0o644)
    again = DataDir.open(tmp_path)
    again.search_index.sync(again.store.list_summaries(), again.store.load_if_readable)
    assert again.search_index.search("zebra").hits
    modes = {
        suffix: stat.S_IMODE((tmp_path / f"search.sqlite3{suffix}").stat().st_mode)
        for suffix in ("", "-wal", "-shm")
    }
    again.close()
    assert modes == {"": 0o600, "-wal": 0o600, "-shm": 0o600}


def test_make_private_dir_makes_every_missing_level_private(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        make_private_dir(tmp_path / "a" / "b" / "c")
    finally:
        os.umask(old_umask)
    for folder in ("a", "a/b", "a/b/c"):
        assert stat.S_IMODE((tmp_path / folder).stat().st_mode) == 0o700
    make_private_dir(tmp_path / "a")  # existing: nothing to do, no error


def test_totals_by_day_count_every_reply_on_the_day_it_finished() -> None:
    late = datetime(2026, 11, 22, 23, 59, 59).astimezone()  # local, finishes after midnight
    conversations = [
        priced_chat("a", tokens=100, cost="0.5", when=DAY),
        priced_chat("b", tokens=40, cost=None, when=DAY),
        priced_chat("c", tokens=7, cost="1", when=late),
    ]
    days = totals_by_day(conversations)
    next_day = (late + timedelta(seconds=2)).date().isoformat()
    assert days[DAY.astimezone().date().isoformat()] == Totals(140, Decimal("0.5"), 1)
    assert days[next_day] == Totals(7, Decimal(1), 0)


def test_garbage_totals_are_counted_again_from_the_conversations(tmp_path: Path) -> None:
    """A damaged totals.json used to reset the totals to $0 although every reply's usage
    is in the conversation files."""
    data = DataDir.open(tmp_path)
    data.store.save(priced_chat("a", tokens=100, cost="0.25", when=DAY))
    data.store.save(priced_chat("b", tokens=50, cost="0.5", when=DAY - timedelta(days=2)))
    (tmp_path / "totals.json").write_text("\x00garbage", encoding="utf-8")

    again = DataDir.open(tmp_path)
    assert again.ledger.all_time() == Totals(150, Decimal("0.75"), 0)
    assert again.ledger.day(DAY.astimezone().date()) == Totals(100, Decimal("0.25"), 0)
    [notice] = again.ledger.notices
    assert "counted again from the replies saved in your conversations" in notice
    [aside] = tmp_path.glob("totals.json.corrupt-*")
    assert aside.read_text(encoding="utf-8") == "\x00garbage"  # kept, never deleted
    # The counted totals are saved: the next process neither recounts nor starts at $0.
    saved = json.loads((tmp_path / "totals.json").read_text(encoding="utf-8"))
    assert sum(int(day["tokens"]) for day in saved["days"].values()) == 150
    third = DataDir.open(tmp_path)
    assert third.ledger.all_time() == Totals(150, Decimal("0.75"), 0)
    assert third.ledger.notices == []
    third.ledger.record(DAY, 10, Decimal("0.01"))
    assert DataDir.open(tmp_path).ledger.all_time() == Totals(160, Decimal("0.76"), 0)


def test_every_subcommand_leaves_the_data_dir_private(tmp_path: Path) -> None:
    """import, list, search, export and doctor through the real entry point, each checked."""
    home = tmp_path / "home"
    steps = [
        ["import", str(FIXTURES / "chatgpt_conversations.json")],
        ["list"],
        ["search", "the"],
        ["export", "--all", "--format", "md", "--out", str(tmp_path / "out")],
        ["doctor"],
    ]
    for args in steps:
        result = run_gpt_tui(home, args)
        assert "Traceback" not in result.stderr
        assert not_private(home) == {}, args
    assert (home / "data" / "search.sqlite3").exists()
    assert not_private(tmp_path / "out") == {}


def test_only_the_bootstrap_builds_the_store_the_index_and_the_ledger() -> None:
    """The app and every subcommand open the data folder through DataDir.open, so they
    agree on file names and on who hears of a save."""
    package = Path(__file__).resolve().parents[2] / "gpt_tui"
    builders = ("ConversationStore(", "SearchIndex(", "UsageLedger(")
    found = {
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if any(builder in path.read_text(encoding="utf-8") for builder in builders)
    }
    assert found == {"core/store/datadir.py"}
