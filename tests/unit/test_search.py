"""Tests for the full-text search index: matching (English, CJK, literal syntax), every
branch, keeping current through the store, and rebuilding a damaged or outdated cache."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import Message
from gpt_tui.core.store.conversations import ConversationStore
from gpt_tui.core.store.search_index import (
    FILE_NAME,
    MAX_QUERY,
    SearchIndex,
    fts_phrase,
    snippet,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def chat(conversation_id: str, *texts: str, title: str = "", minutes: int = 0) -> Conversation:
    """A conversation whose messages alternate user / assistant, with stable ids."""
    messages = [
        Message(
            role="user" if i % 2 == 0 else "assistant",
            content=text,
            id=f"{conversation_id}-m{i}",
            created_at=T0 + timedelta(minutes=minutes, seconds=i),
        )
        for i, text in enumerate(texts)
    ]
    return Conversation(
        params=Params(model="gpt-4o-mini"),
        id=conversation_id,
        title=title or f"Chat {conversation_id}",
        created_at=T0,
        updated_at=T0 + timedelta(minutes=minutes),
        messages=messages,
    )


def setup(root: Path) -> tuple[ConversationStore, SearchIndex]:
    index = SearchIndex(root / FILE_NAME)
    return ConversationStore(root, search_index=index), index


def sync(store: ConversationStore, index: SearchIndex) -> int:
    return index.sync(store.list_summaries(), store.load_if_readable)


def found(index: SearchIndex, query: str) -> list[tuple[str, str | None]]:
    return [(h.conversation_id, h.message_id) for h in index.search(query).hits]


def test_an_english_phrase_is_found_with_a_snippet_and_its_offsets(tmp_path: Path) -> None:
    store, index = setup(tmp_path)
    long_text = "word " * 30 + "How do I read a Parquet file with pandas? " + "tail " * 40
    store.save(chat("a", "hello there", long_text))
    store.save(chat("b", "nothing to see"))
    hits = index.search("parquet file").hits
    assert [(h.conversation_id, h.message_id, h.role) for h in hits] == [("a", "a-m1", "assistant")]
    hit = hits[0]
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    marked = [hit.snippet[s:e] for s, e in hit.highlights]
    assert marked == ["Parquet", "file"]
    assert hit.title == "Chat a"
    assert hit.created_at == T0 + timedelta(seconds=1)


def test_chinese_two_and_four_character_queries(tmp_path: Path) -> None:
    store, index = setup(tmp_path)
    store.save(chat("zh", "请帮我优化这个数据库查询", "可以先加一个索引"))
    store.save(chat("en", "optimise this database query"))
    assert found(index, "数据库查询") == [("zh", "zh-m0")]
    assert found(index, "索引") == [("zh", "zh-m1")]
    assert found(index, "优化") == [("zh", "zh-m0")]
    hit = index.search("索引").hits[0]
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["索引"]


def test_one_and_two_letter_words_filter_or_scan(tmp_path: Path) -> None:
    store, index = setup(tmp_path)
    store.save(chat("a", "use go for the server", "use rust for the server"))
    assert found(index, "go server") == [("a", "a-m0")]
    assert found(index, "go") == [("a", "a-m0")]
    assert found(index, "x") == []


def test_query_syntax_is_taken_literally(tmp_path: Path) -> None:
    store, index = setup(tmp_path)
    store.save(
        chat(
            "s",
            'he said "hello" twice',
            "rock AND roll",
            "glob a*b here",
            "NEAR(x y) is not syntax",
            "it's fine",
        )
    )
    assert found(index, '"hello"') == [("s", "s-m0")]
    assert found(index, 'said "hel') == [("s", "s-m0")]
    assert found(index, "AND") == [("s", "s-m1")]
    assert found(index, "a*b") == [("s", "s-m2")]
    assert found(index, "NEAR(x") == [("s", "s-m3")]
    assert found(index, "it's") == [("s", "s-m4")]
    assert found(index, "-") == []
    assert fts_phrase('a"b') == '"a""b"'


def test_messages_on_every_branch_and_titles_are_found(tmp_path: Path) -> None:
    store, index = setup(tmp_path)
    conversation = chat("t", "first prompt", "old reply about lemons", title="Fruit talk")
    old_reply = conversation.messages[-1]
    conversation.tree.add(
        Message(role="assistant", content="new reply about apples", id="t-new"), "t-m0"
    )
    assert old_reply not in conversation.messages
    store.save(conversation)
    assert found(index, "lemons") == [("t", "t-m1")]
    assert found(index, "apples") == [("t", "t-new")]
    assert found(index, "fruit") == [("t", None)]


def test_newest_messages_come_first_and_the_limit_holds(tmp_path: Path) -> None:
    store, index = setup(tmp_path)
    for number in range(5):
        store.save(chat(f"c{number}", f"shared topic {number}", minutes=number))
    hits = index.search("shared topic", limit=3).hits
    assert [h.conversation_id for h in hits] == ["c4", "c3", "c2"]


def test_saves_update_only_what_changed(tmp_path: Path) -> None:
    store, index = setup(tmp_path)
    conversation = chat("u", "alpha prompt", "beta reply")
    store.save(conversation)
    conn = sqlite3.connect(tmp_path / FILE_NAME)
    before = dict(conn.execute("SELECT message_id, id FROM docs").fetchall())
    conversation.append(Message(role="user", content="gamma question", id="u-m2"))
    conversation.updated_at += timedelta(minutes=1)
    store.save(conversation)
    after = dict(conn.execute("SELECT message_id, id FROM docs").fetchall())
    assert {k: after[k] for k in before} == before  # untouched rows kept their place
    assert found(index, "gamma") == [("u", "u-m2")]
    conversation.messages[1].content = "delta reply"
    conversation.updated_at += timedelta(minutes=1)
    store.save(conversation)
    assert found(index, "beta") == []
    assert found(index, "delta") == [("u", "u-m1")]


def test_streaming_saves_are_not_indexed_until_the_full_save(tmp_path: Path) -> None:
    store, index = setup(tmp_path)
    conversation = chat("s", "question", "partial")
    store.save(conversation)
    conversation.messages[1].content = "partial answer with zebras"
    conversation.updated_at += timedelta(seconds=5)
    store.save(conversation, update_index=False)
    assert found(index, "zebras") == []
    store.save(conversation)
    assert found(index, "zebras") == [("s", "s-m1")]


def test_trash_delete_and_restore(tmp_path: Path) -> None:
    store, index = setup(tmp_path)
    store.save(chat("d", "kiwi salad"))
    store.save(chat("e", "kiwi pie"))
    store.trash("d")
    assert found(index, "kiwi") == [("e", "e-m0")]
    store.restore("d")
    assert {c for c, _ in found(index, "kiwi")} == {"d", "e"}
    store.delete("e")
    assert found(index, "kiwi") == [("d", "d-m0")]


def test_a_damaged_file_is_rebuilt_from_the_conversations(tmp_path: Path) -> None:
    store, _index = setup(tmp_path)
    store.save(chat("r", "mango smoothie"))
    _index.close()
    (tmp_path / FILE_NAME).write_bytes(b"this is not a database" * 100)
    store, index = setup(tmp_path)
    assert found(index, "mango") == []
    assert index.rebuilt_because is not None and "damaged" in index.rebuilt_because
    assert sync(store, index) == 1
    assert found(index, "mango") == [("r", "r-m0")]


def test_another_schema_version_is_rebuilt(tmp_path: Path) -> None:
    store, index = setup(tmp_path)
    store.save(chat("v", "papaya"))
    index.close()
    conn = sqlite3.connect(tmp_path / FILE_NAME)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    store, index = setup(tmp_path)
    assert found(index, "papaya") == []
    assert index.rebuilt_because is not None and "99" in index.rebuilt_because
    sync(store, index)
    assert found(index, "papaya") == [("v", "v-m0")]


def test_sync_catches_up_with_changes_made_elsewhere(tmp_path: Path) -> None:
    plain = ConversationStore(tmp_path)  # another process, or a version without search
    plain.save(chat("x", "cherry tart", minutes=1))
    plain.save(chat("y", "plum jam", minutes=2))
    store, index = setup(tmp_path)
    assert found(index, "cherry") == []
    assert sync(store, index) == 2
    assert found(index, "cherry") == [("x", "x-m0")]
    assert sync(store, index) == 0  # nothing changed: nothing re-indexed
    changed = chat("x", "cherry tart", "and lime", minutes=5)
    ConversationStore(tmp_path).save(changed)
    ConversationStore(tmp_path).delete("y")
    store, index = setup(tmp_path)
    assert sync(store, index) == 1
    assert found(index, "lime") == [("x", "x-m1")]
    assert found(index, "plum") == []


def test_queries_during_a_build_report_progress(tmp_path: Path) -> None:
    plain = ConversationStore(tmp_path)
    for number in range(3):
        plain.save(chat(f"p{number}", f"grape {number}", minutes=number))
    store, index = setup(tmp_path)
    seen: list[tuple[int, int] | None] = []

    def load(conversation_id: str) -> Conversation | None:
        seen.append(index.search("grape").indexing)
        return store.load(conversation_id)

    index.sync(store.list_summaries(), load)
    assert seen[0] == (0, 3)
    assert index.search("grape").indexing is None
    assert len(index.search("grape").hits) == 3


@pytest.mark.parametrize(
    ("text", "words", "shown"),
    [
        ("short text here", ["text"], "short text here"),
        ("", ["x"], ""),
        ("line one\nline   two", ["two"], "line one line two"),
    ],
)
def test_snippets(text: str, words: list[str], shown: str) -> None:
    assert snippet(text, words)[0] == shown


def test_the_search_command_prints_title_date_id_and_snippet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gpt_tui.cli import main

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    data = tmp_path / "data"
    ConversationStore(data).save(chat("abcdef123456", "plain", "用 pandas 读取 parquet 文件"))
    ConversationStore(data).save(chat("0123456789ab", "nothing here", minutes=1))
    assert main(["search", "parquet", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Chat abcdef123456  ·  2026-03-01 12:00  ·  abcdef12  (assistant)",
        "    用 pandas 读取 parquet 文件",
    ]
    assert (data / FILE_NAME).exists()
    assert main(["search", "absent", "--data-dir", str(tmp_path)]) == 0
    assert "No message contains 'absent'" in capsys.readouterr().err
    assert main(["search", "x", "--limit", "0", "--data-dir", str(tmp_path)]) == 2


def test_a_reply_that_grows_at_the_same_clock_time_is_indexed(tmp_path: Path) -> None:
    """A reply saved empty when it starts and whole when it ends, both at the same
    updated_at (a coarse or frozen clock): the finished text is found."""
    store, index = setup(tmp_path)
    conversation = chat("a", "What is a monad?", "")
    store.save(conversation)
    conversation.messages[-1].content = "A monoid in the category of endofunctors."
    store.save(conversation)
    assert found(index, "endofunctors") == [("a", "a-m1")]


def test_options_before_a_subcommand_still_run_the_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``gpt-tui --data-dir D search X`` searches; it must not start the app with the
    word "search" as a prompt."""
    from gpt_tui.cli import _command_first, main  # pyright: ignore[reportPrivateUsage]

    assert _command_first(["--data-dir", "D", "list"]) == ["list", "--data-dir", "D"]
    assert _command_first(["--debug", "search", "x"]) == ["search", "--debug", "x"]
    assert _command_first(["what is a list"]) == ["what is a list"]
    assert _command_first(["--model", "list", "hello"]) == ["--model", "list", "hello"]
    data = tmp_path / "data"
    ConversationStore(data).save(chat("abcdef123456", "plain", "parquet files"))
    assert main(["--data-dir", str(tmp_path), "search", "parquet"]) == 0
    assert "parquet files" in capsys.readouterr().out


def test_a_huge_query_is_cut_to_its_first_characters(tmp_path: Path) -> None:
    """Every caller (the search screen, ``gpt-tui search``) gets the same cut: a pasted
    100,000-character query against a long message answers at once instead of after a minute."""
    store, index = setup(tmp_path)
    store.save(chat("c1", "abc " * 50_000))
    sync(store, index)
    started = time.monotonic()
    results = index.search("abc " * 25_000)
    assert time.monotonic() - started < 5
    assert results.query == ("abc " * 25_000)[:MAX_QUERY]
    assert [hit.conversation_id for hit in results.hits] == ["c1"]
