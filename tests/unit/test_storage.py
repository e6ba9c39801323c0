"""Tests for the conversation store: round trips, the index cache, and damaged files."""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpt_tui.core.domain.conversation import SCHEMA_VERSION, Conversation, Params
from gpt_tui.core.domain.message import ErrorInfo, Message, MessageStatus, Usage
from gpt_tui.core.store.conversations import ConversationStore, StoreError

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def make_conversation(conversation_id: str, *, minutes: int = 0, title: str = "") -> Conversation:
    """A conversation with every kind of message, updated ``minutes`` after T0."""
    return Conversation(
        id=conversation_id,
        title=title or f"Chat {conversation_id}",
        created_at=T0,
        updated_at=T0 + timedelta(minutes=minutes),
        params=Params(
            model="gpt-4o-mini",
            temperature=0.7,
            top_p=0.9,
            max_tokens=512,
            system_prompt="Be brief. ☕",
        ),
        messages=[
            Message(role="system", content="Be brief. ☕", id="m0", created_at=T0),
            Message(role="user", content="Héllo «world» 🌍", id="m1", created_at=T0),
            Message(
                role="assistant",
                content="Hi!",
                id="m2",
                created_at=T0 + timedelta(seconds=1),
                model="gpt-4o-mini",
                usage=Usage(prompt_tokens=12, completion_tokens=3, cached_tokens=4),
            ),
            Message(
                role="assistant",
                content="Partial",
                id="m3",
                created_at=T0 + timedelta(seconds=2),
                status=MessageStatus.STOPPED,
                usage=Usage(prompt_tokens=1, completion_tokens=1, estimated=True),
            ),
            Message(
                role="assistant",
                content="",
                id="m4",
                created_at=T0 + timedelta(seconds=3),
                status=MessageStatus.ERROR,
                error=ErrorInfo(
                    title="The server rejected the API key (HTTP 401)",
                    hint="Check the key in settings.",
                    status=401,
                    request_id="req_123",
                ),
            ),
        ],
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(root: Path) -> ConversationStore:
    return ConversationStore(root)


def conv_file(root: Path, conversation_id: str) -> Path:
    return root / "conversations" / f"{conversation_id}.json"


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp")]


# -- basics ----------------------------------------------------------------------------


def test_constructing_creates_nothing(root: Path) -> None:
    store = ConversationStore(root)
    assert store.root == root
    assert store.list_summaries() == []
    assert store.load_state() == {}
    assert store.take_notices() == []
    assert not root.exists()


def test_round_trip(root: Path, store: ConversationStore) -> None:
    conversation = make_conversation("abc")
    store.save(conversation)

    loaded = ConversationStore(root).load("abc")

    assert loaded == conversation
    text = conv_file(root, "abc").read_text(encoding="utf-8")
    assert "🌍" in text  # ensure_ascii=False
    assert json.loads(text) == conversation.to_dict()


def test_files_are_private(root: Path, store: ConversationStore) -> None:
    store.save(make_conversation("abc"))
    assert stat.S_IMODE(conv_file(root, "abc").stat().st_mode) == 0o600


def test_list_summaries_newest_first(root: Path, store: ConversationStore) -> None:
    for conversation_id, minutes in [("b", 5), ("a", 1), ("c", 9)]:
        store.save(make_conversation(conversation_id, minutes=minutes))

    for candidate in (store, ConversationStore(root)):
        summaries = candidate.list_summaries()
        assert [s.id for s in summaries] == ["c", "b", "a"]
        assert summaries[0] == make_conversation("c", minutes=9).summary()
        assert summaries[0].message_count == 5


def test_save_updates_existing_summary(root: Path, store: ConversationStore) -> None:
    conversation = make_conversation("a")
    store.save(conversation)
    conversation.title = "Renamed"
    conversation.updated_at = T0 + timedelta(hours=1)
    store.save(conversation)

    summaries = ConversationStore(root).list_summaries()
    assert [(s.id, s.title) for s in summaries] == [("a", "Renamed")]


def test_save_without_index_update(root: Path, store: ConversationStore) -> None:
    conversation = make_conversation("a")
    store.save(conversation)
    conversation.title = "Streaming"
    store.save(conversation, update_index=False)

    fresh = ConversationStore(root)
    assert [s.title for s in fresh.list_summaries()] == ["Chat a"]
    assert fresh.load("a").title == "Streaming"


def test_list_reads_only_the_index(
    root: Path, store: ConversationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save(make_conversation("a", minutes=1))
    store.save(make_conversation("b", minutes=2))
    conv_file(root, "a").write_bytes(b"")  # would be "corrupt" if it were opened

    opened: list[str] = []
    original = Path.read_bytes

    def spy(self: Path) -> bytes:
        opened.append(self.name)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    fresh = ConversationStore(root)

    assert [s.id for s in fresh.list_summaries()] == ["b", "a"]
    assert opened == ["index.json"]
    assert fresh.take_notices() == []
    assert conv_file(root, "a").exists()


def test_index_kept_in_memory(
    root: Path, store: ConversationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save(make_conversation("a"))
    store.list_summaries()

    def fail(self: Path) -> bytes:
        raise AssertionError(f"unexpected read of {self}")

    monkeypatch.setattr(Path, "read_bytes", fail)
    store.save(make_conversation("b", minutes=1))
    assert [s.id for s in store.list_summaries()] == ["b", "a"]


def test_delete(root: Path, store: ConversationStore) -> None:
    store.save(make_conversation("a"))
    store.save(make_conversation("b", minutes=1))

    store.delete("a")
    store.delete("never-existed")

    assert not conv_file(root, "a").exists()
    assert [s.id for s in store.list_summaries()] == ["b"]
    assert [s.id for s in ConversationStore(root).list_summaries()] == ["b"]


def test_missing_file_raises_and_drops_index_entry(root: Path, store: ConversationStore) -> None:
    store.save(make_conversation("a"))
    store.save(make_conversation("b"))
    conv_file(root, "a").unlink()

    fresh = ConversationStore(root)
    with pytest.raises(StoreError, match=r"a\.json"):
        fresh.load("a")
    assert [s.id for s in fresh.list_summaries()] == ["b"]
    assert [s.id for s in ConversationStore(root).list_summaries()] == ["b"]


def test_file_name_is_authoritative_for_the_id(root: Path, store: ConversationStore) -> None:
    store.save(make_conversation("a"))
    conv_file(root, "a").rename(conv_file(root, "copy"))
    assert store.load("copy").id == "copy"


# -- ids -------------------------------------------------------------------------------


BAD_IDS = ["", "../evil", "a/b", "a.b", "a" * 65, "é", "a\n", "a b", "..", "/abs"]


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_invalid_ids_rejected(root: Path, store: ConversationStore, bad_id: str) -> None:
    with pytest.raises(StoreError, match="Invalid conversation id"):
        store.load(bad_id)
    with pytest.raises(StoreError, match="Invalid conversation id"):
        store.delete(bad_id)
    with pytest.raises(StoreError, match="Invalid conversation id"):
        store.save(make_conversation(bad_id))
    assert not root.exists()


@pytest.mark.parametrize("good_id", ["a" * 64, "A-b_9", "0"])
def test_valid_ids_accepted(store: ConversationStore, good_id: str) -> None:
    store.save(make_conversation(good_id))
    assert store.load(good_id).id == good_id


# -- damaged files ---------------------------------------------------------------------


def test_corrupt_conversation_moved_aside(root: Path, store: ConversationStore) -> None:
    store.save(make_conversation("a", minutes=1))
    store.save(make_conversation("b", minutes=2))
    garbage = b'{\n "id": "a",\n oops\n'
    conv_file(root, "a").write_bytes(garbage)

    fresh = ConversationStore(root)
    with pytest.raises(StoreError, match=r"a\.json.*unreadable"):
        fresh.load("a")

    assert not conv_file(root, "a").exists()
    moved = list((root / "corrupt").iterdir())
    assert len(moved) == 1
    assert moved[0].name.startswith("a.json.")
    assert moved[0].read_bytes() == garbage
    [notice] = fresh.take_notices()
    assert "a.json" in notice
    assert f"corrupt/{moved[0].name}" in notice
    assert "line 3" in notice
    assert fresh.take_notices() == []
    assert [s.id for s in fresh.list_summaries()] == ["b"]
    assert [s.id for s in ConversationStore(root).list_summaries()] == ["b"]


def test_schema_error_moved_aside(root: Path, store: ConversationStore) -> None:
    data = make_conversation("a").to_dict()
    data["messages"][0]["role"] = "wizard"
    conv_file(root, "a").parent.mkdir(parents=True)
    conv_file(root, "a").write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(StoreError, match="unknown role"):
        store.load("a")
    assert len(list((root / "corrupt").iterdir())) == 1
    assert "messages[0].role" in store.take_notices()[0]


def test_repeated_corruption_never_overwrites(root: Path, store: ConversationStore) -> None:
    for content in (b"first", b"second"):
        store.save(make_conversation("a"))
        conv_file(root, "a").write_bytes(content)
        with pytest.raises(StoreError):
            store.load("a")
    moved = sorted(p.read_bytes() for p in (root / "corrupt").iterdir())
    assert moved == [b"first", b"second"]


def test_newer_schema_left_untouched(root: Path, store: ConversationStore) -> None:
    store.save(make_conversation("a"))
    data = make_conversation("a").to_dict()
    data["schema_version"] = SCHEMA_VERSION + 1
    raw = json.dumps(data).encode()
    conv_file(root, "a").write_bytes(raw)

    with pytest.raises(StoreError, match="newer gpt-tui"):
        ConversationStore(root).load("a")
    assert conv_file(root, "a").read_bytes() == raw
    assert not (root / "corrupt").exists()

    (root / "index.json").unlink()  # a rebuild skips it, still without moving it
    fresh = ConversationStore(root)
    assert fresh.list_summaries() == []
    assert any("newer gpt-tui" in n for n in fresh.take_notices())
    assert conv_file(root, "a").read_bytes() == raw


BAD_INDEXES = [
    b"",
    b"not json",
    b"\xff\xfe",
    b"[]",
    b'{"schema_version": 2, "conversations": []}',
    b'{"schema_version": true, "conversations": []}',
    b'{"schema_version": 1, "conversations": {}}',
    b'{"schema_version": 1, "conversations": [{"id": 5}]}',
    b'{"schema_version": 1, "conversations": [{"id": "../x", "updated_at": "2026-01-01"}]}',
]


@pytest.mark.parametrize("content", BAD_INDEXES)
def test_corrupt_index_rebuilt(root: Path, store: ConversationStore, content: bytes) -> None:
    store.save(make_conversation("a", minutes=1))
    store.save(make_conversation("b", minutes=2))
    (root / "index.json").write_bytes(content)

    fresh = ConversationStore(root)
    assert [s.id for s in fresh.list_summaries()] == ["b", "a"]
    [notice] = fresh.take_notices()
    assert "index.json" in notice
    index = json.loads((root / "index.json").read_text(encoding="utf-8"))
    assert index["schema_version"] == 1
    assert [c["id"] for c in index["conversations"]] == ["b", "a"]


def test_missing_index_rebuilt(root: Path, store: ConversationStore) -> None:
    store.save(make_conversation("a", minutes=1))
    store.save(make_conversation("b", minutes=2))
    (root / "index.json").unlink()

    fresh = ConversationStore(root)
    assert [s.id for s in fresh.list_summaries()] == ["b", "a"]
    [notice] = fresh.take_notices()
    assert "missing" in notice
    assert (root / "index.json").exists()


def test_rebuild_moves_corrupt_files_and_keeps_the_rest(
    root: Path, store: ConversationStore
) -> None:
    store.save(make_conversation("a", minutes=1))
    store.save(make_conversation("b", minutes=2))
    (root / "index.json").unlink()
    conv_file(root, "a").write_bytes(b"\x00garbage")
    (root / "conversations" / "not an id.json").write_bytes(b"ignored")

    fresh = ConversationStore(root)
    assert [s.id for s in fresh.list_summaries()] == ["b"]
    notices = fresh.take_notices()
    assert any("Moved unreadable conversation file a.json" in n for n in notices)
    assert any("Rebuilt" in n for n in notices)
    assert len(list((root / "corrupt").iterdir())) == 1
    assert (root / "conversations" / "not an id.json").exists()


def test_rebuild_survives_unwritable_index(
    root: Path, store: ConversationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save(make_conversation("a"))
    (root / "index.json").write_bytes(b"junk")

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr("gpt_tui.core.store.conversations.atomic_write_text", fail)
    fresh = ConversationStore(root)
    assert [s.id for s in fresh.list_summaries()] == ["a"]
    assert any("Read-only file system" in n for n in fresh.take_notices())


# -- state -----------------------------------------------------------------------------


def test_state_round_trip(root: Path, store: ConversationStore) -> None:
    state: dict[str, object] = {"last_conversation_id": "abc", "setup_dismissed": True}
    store.save_state(state)
    assert ConversationStore(root).load_state() == state


@pytest.mark.parametrize("content", [b"{broken", b"[1, 2]", b"\xff"])
def test_corrupt_state_is_empty(root: Path, store: ConversationStore, content: bytes) -> None:
    root.mkdir()
    (root / "state.json").write_bytes(content)
    assert store.load_state() == {}
    [notice] = store.take_notices()
    assert "state.json" in notice


# -- write failures --------------------------------------------------------------------


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_failed_write_keeps_old_file(
    root: Path, store: ConversationStore, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    conversation = make_conversation("a")
    store.save(conversation)
    before = conv_file(root, "a").read_bytes()
    index_before = (root / "index.json").read_bytes()

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, fail)
    conversation.title = "Changed"
    with pytest.raises(StoreError, match=r"a\.json.*No space left on device"):
        store.save(conversation)
    monkeypatch.undo()

    assert conv_file(root, "a").read_bytes() == before
    assert (root / "index.json").read_bytes() == index_before
    assert temp_files(root) == []
    assert ConversationStore(root).load("a").title == "Chat a"


def test_unwritable_location(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = ConversationStore(blocker / "data")
    with pytest.raises(StoreError, match="Could not write"):
        store.save(make_conversation("a"))
    with pytest.raises(StoreError, match=r"state\.json"):
        store.save_state({"x": 1})


@pytest.fixture
def read_only_root(root: Path, store: ConversationStore) -> Iterator[Path]:
    store.save(make_conversation("a"))
    folders = [root, root / "conversations"]
    for folder in folders:
        folder.chmod(0o555)
    try:
        if os.access(root / "conversations", os.W_OK):
            pytest.skip("chmod does not stop this user from writing (running as root?)")
        yield root
    finally:
        for folder in folders:
            folder.chmod(0o755)


def test_read_only_directory(read_only_root: Path) -> None:
    store = ConversationStore(read_only_root)
    with pytest.raises(StoreError, match=r"a\.json"):
        store.save(make_conversation("a"))
    assert store.load("a") == make_conversation("a")


# -- property tests --------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
conversation_like = st.fixed_dictionaries(
    {
        "id": st.just("x") | json_values,
        "created_at": st.just("2026-01-01T00:00:00+00:00") | json_values,
        "updated_at": st.just("2026-01-01T00:00:00") | json_values,
        "params": st.fixed_dictionaries(
            {"model": st.just("m") | json_values},
            optional={
                "temperature": json_values,
                "max_tokens": json_values,
            },
        ),
    },
    optional={"schema_version": json_values, "messages": json_values, "title": json_values},
)
file_bytes = (
    st.binary(max_size=200)
    | json_values.map(lambda v: json.dumps(v).encode())
    | conversation_like.map(lambda v: json.dumps(v).encode())
)
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(content=file_bytes)
def test_any_conversation_bytes_load_or_store_error(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "conversations").mkdir()
        (root / "conversations" / "x.json").write_bytes(content)
        store = ConversationStore(root)
        try:
            conversation = store.load("x")
        except StoreError:
            moved = list((root / "corrupt").glob("*")) if (root / "corrupt").exists() else []
            assert moved or (root / "conversations" / "x.json").read_bytes() == content
        else:
            assert conversation.id == "x"
        store.list_summaries()


index_like = st.fixed_dictionaries(
    {
        "schema_version": st.just(1) | json_values,
        "conversations": st.lists(
            st.fixed_dictionaries(
                {"id": st.just("a") | json_values, "updated_at": json_values},
                optional={"message_count": json_values, "title": json_values},
            ),
            max_size=3,
        )
        | json_values,
    }
)


@PROPERTY_SETTINGS
@given(content=st.binary(max_size=200) | index_like.map(lambda v: json.dumps(v).encode()))
def test_any_index_bytes_list_never_raises(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ConversationStore(root).save(make_conversation("a"))
        (root / "index.json").write_bytes(content)
        store = ConversationStore(root)
        summaries = store.list_summaries()
        assert all(s.id for s in summaries)
        store.take_notices()
