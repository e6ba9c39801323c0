"""Full-text search over every message of every conversation (SQLite FTS5, trigram).

``search.sqlite3`` in the data folder is a cache: everything in it comes from the
conversation files, so a missing, damaged or outdated file (another ``user_version``) is
deleted and rebuilt, never repaired. It holds one row per message of every branch, and one
per conversation title, in ``docs``; ``fts`` is an external-content FTS5 table over their
text with the ``trigram`` tokenizer, which matches any substring of three or more
characters, so Chinese and Japanese (no spaces between words) are found as well as English.

Queries: the words of the query (split on spaces) must all occur, each taken literally
(FTS5 syntax such as ``AND``, ``*`` or ``"`` is quoted away). Words of one or two
characters cannot use the trigram index; they filter the rows the longer words found, or,
when every word is short, the newest :data:`SHORT_SCAN` messages are scanned.

Order: newest first, by rowid. Rows get increasing rowids as they are written, and the
build writes conversations oldest first, so a higher rowid is a newer message. FTS5 walks a
match backwards by rowid without sorting, so a query stops after ``limit`` hits even when a
common word matches half a million messages; ranking by bm25 would score every match first.

The store calls :meth:`SearchIndex.update` on every full save and :meth:`SearchIndex.remove`
when a conversation leaves; :meth:`SearchIndex.sync` catches up with files changed by
another process or an older version (their ``updated_at`` or title in ``index.json`` differs
from the one recorded here) and builds a new index in batches, so queries during a build
answer with what is indexed so far and say how far it got.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from gpt_tui.core.domain.tools import text_with_calls
from gpt_tui.core.store.fsutil import FILE_MODE, create_private_file

if TYPE_CHECKING:
    from gpt_tui.core.domain.conversation import Conversation, ConversationSummary

log = logging.getLogger(__name__)

SEARCH_SCHEMA_VERSION = 1
"""Stored as ``PRAGMA user_version``; a file with another version is rebuilt."""

FILE_NAME = "search.sqlite3"

_SIDE_FILES = ("-wal", "-shm", "-journal")
"""What SQLite keeps next to the database file."""

MAX_QUERY = 500
"""Characters of a query that are searched for: more find nothing more, and a 100,000-character
query matched against a long message keeps SQLite busy for most of a minute."""

SHORT_SCAN = 300_000
"""When every word of a query is shorter than 3 characters, how many of the newest
messages are scanned (the trigram index cannot help; this keeps a query under a second)."""

BATCH_SECONDS = 0.05
"""A build commits at least this often, so saves and queries never wait long for it."""

SNIPPET_BEFORE = 40
SNIPPET_LENGTH = 160
"""Characters of context shown before the first match, and the snippet's whole length."""

_SCHEMA = """
CREATE TABLE conversations(
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    stamp TEXT NOT NULL
);
CREATE TABLE docs(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX docs_conversation ON docs(conversation_id);
CREATE VIRTUAL TABLE fts USING fts5(
    text, content='docs', content_rowid='id', tokenize='trigram'
);
"""

TITLE_ROLE = "title"
"""The role of the row that holds a conversation's title (its message id is empty)."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One message (or title) that matches, with a snippet around the first match."""

    conversation_id: str
    title: str
    message_id: str | None
    """None when the title matched."""
    role: str
    snippet: str
    """One line of text around the first match."""
    highlights: tuple[tuple[int, int], ...]
    """(start, end) of every match inside ``snippet``."""
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SearchResults:
    """The hits of one query, newest first, and how far a build has come (None: done)."""

    query: str
    hits: list[SearchHit]
    indexing: tuple[int, int] | None = None
    """(conversations indexed, conversations to index) while a build runs."""


def conversation_stamp(conversation: Conversation) -> str:
    """What changes whenever the indexed text can have changed: updated_at, title, the
    number of messages and of characters (a reply that finished within the clock's
    resolution, or under a frozen clock, still differs from its empty start).

    Switching branches changes none of these, and needs no re-indexing.
    """
    messages = conversation.tree.all()
    characters = sum(len(message.content) for message in messages)
    return (
        f"{conversation.updated_at.isoformat()}|{len(messages)}|{characters}|{conversation.title}"
    )


def fts_phrase(word: str) -> str:
    """``word`` as an FTS5 string: every character literal, even ``"``, ``*`` or ``AND``."""
    return '"' + word.replace('"', '""') + '"'


def snippet(text: str, words: Sequence[str]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A one-line excerpt of ``text`` around the first match of any of ``words``, and
    where each match sits in it (case-insensitive)."""
    flat = " ".join(text.split())
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.I)
    first = pattern.search(flat) if words else None
    start = 0
    if first is not None and first.start() > SNIPPET_BEFORE:
        start = first.start() - SNIPPET_BEFORE
        space = flat.find(" ", start, first.start())
        start = space + 1 if space != -1 else start
    excerpt = flat[start : start + SNIPPET_LENGTH]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + SNIPPET_LENGTH < len(flat) else ""
    shown = prefix + excerpt + suffix
    offset = len(prefix)
    marks = tuple(
        (m.start() + offset, m.end() + offset) for m in pattern.finditer(excerpt) if words
    )
    return shown, marks


class SearchIndex:
    """The search cache of one data folder. Safe to use from several threads.

    Nothing is created on disk until the first use. Problems with the file never raise to
    callers: a damaged file is deleted and rebuilt, and a failed update is logged (the next
    :meth:`sync` repairs what it missed).
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.RLock()
        self._build_lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._progress: tuple[int, int] | None = None
        self.rebuilt_because: str | None = None
        """Why the file was last thrown away (damaged, other version), for a notice."""

    @property
    def path(self) -> Path:
        return self._path

    # Connection ------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        """The open connection, (re)creating the file when it is missing, damaged or of
        another schema version."""
        if self._conn is not None:
            return self._conn
        try:
            self._conn = self._open()
        except sqlite3.DatabaseError as exc:
            self._discard(f"damaged ({exc})")
            self._conn = self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        # SQLite gives the -wal and -shm files (message text) the database file's mode,
        # so the file is made private before SQLite sees it; side files an older
        # version left readable are narrowed too.
        create_private_file(self._path)
        for suffix in _SIDE_FILES:
            side = Path(f"{self._path}{suffix}")
            if side.exists():
                side.chmod(FILE_MODE)
        conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {
                row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if version != SEARCH_SCHEMA_VERSION or "docs" not in tables:
                if tables:
                    conn.close()
                    self._discard(f"schema version {version}, expected {SEARCH_SCHEMA_VERSION}")
                    conn = sqlite3.connect(
                        self._path, check_same_thread=False, isolation_level=None
                    )
                    conn.execute("PRAGMA busy_timeout = 5000")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.executescript(_SCHEMA)
                conn.execute(f"PRAGMA user_version = {SEARCH_SCHEMA_VERSION}")
            # A cache: losing the last writes in a power cut only means re-indexing them.
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("SELECT count(*) FROM conversations").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    def _discard(self, why: str) -> None:
        """Delete the cache file (it holds nothing that is not in the conversation files)."""
        log.warning("search index %s: rebuilding it", why)
        self.rebuilt_because = why
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None
        for suffix in ("", *_SIDE_FILES):
            Path(f"{self._path}{suffix}").unlink(missing_ok=True)

    def _guarded(self, what: str, action: Callable[[sqlite3.Connection], None]) -> bool:
        """Run a write; a damaged file is discarded (the next :meth:`sync` rebuilds it)."""
        with self._lock:
            try:
                conn = self._connection()
                conn.execute("BEGIN IMMEDIATE")
                try:
                    action(conn)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
                return True
            except sqlite3.DatabaseError as exc:
                log.warning("search index: could not %s: %s", what, exc)
                self._discard(f"damaged ({exc})")
                return False
            except OSError as exc:
                log.warning("search index: could not %s: %s", what, exc)
                return False

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # Keeping it current ----------------------------------------------------------------

    def update(self, conversation: Conversation) -> None:
        """Index this conversation's messages and title (only what changed; nothing when
        its stamp is the one recorded)."""
        self._guarded("update", lambda conn: _write_conversation(conn, conversation))

    def update_many(self, conversations: Sequence[Conversation]) -> None:
        """:meth:`update` for many conversations in one transaction (an import's batch)."""
        self._write_batch(list(conversations))

    def remove(self, conversation_id: str) -> None:
        """Forget a conversation (deleted or moved to the trash)."""
        self._guarded("remove", lambda conn: _delete_conversation(conn, conversation_id))

    def progress(self) -> tuple[int, int] | None:
        """(done, total) conversations while :meth:`sync` works; None otherwise."""
        return self._progress

    def sync(
        self,
        summaries: Iterable[ConversationSummary],
        load: Callable[[str], Conversation | None],
    ) -> int:
        """Bring the index in line with the conversation list: forget what is gone and
        (re)index what is new or changed, oldest first, committing in small batches.

        Blocking (run it in a worker thread); returns how many conversations were indexed.
        A second call while one runs returns 0 at once. ``load`` returns None for a
        conversation that can no longer be read.
        """
        if not self._build_lock.acquire(blocking=False):
            return 0
        try:
            return self._sync(list(summaries), load)
        finally:
            self._progress = None
            self._build_lock.release()

    def _sync(
        self,
        summaries: list[ConversationSummary],
        load: Callable[[str], Conversation | None],
    ) -> int:
        with self._lock:
            try:
                known = {
                    row[0]: (row[1], row[2])
                    for row in self._connection().execute(
                        "SELECT id, updated_at, title FROM conversations"
                    )
                }
            except sqlite3.DatabaseError as exc:
                self._discard(f"damaged ({exc})")
                known = {}
        wanted = {s.id for s in summaries}
        gone = [i for i in known if i not in wanted]
        stale = sorted(
            (s for s in summaries if known.get(s.id) != (s.updated_at.isoformat(), s.title)),
            key=lambda s: (s.updated_at, s.id),
        )
        for conversation_id in gone:
            self.remove(conversation_id)
        self._progress = (0, len(stale)) if stale else None
        pending: list[Conversation] = []
        batch_start = time.monotonic()
        for done, summary in enumerate(stale, start=1):
            conversation = load(summary.id)
            if conversation is not None:
                pending.append(conversation)
            if time.monotonic() - batch_start >= BATCH_SECONDS:
                self._write_batch(pending)
                pending = []
                self._progress = (done, len(stale))
                batch_start = time.monotonic()
        self._write_batch(pending)
        return len(stale)

    def _write_batch(self, conversations: list[Conversation]) -> None:
        def write(conn: sqlite3.Connection) -> None:
            for conversation in conversations:
                _write_conversation(conn, conversation)

        if conversations:
            self._guarded("index conversations", write)

    # Querying --------------------------------------------------------------------------

    def search(self, query: str, limit: int = 50) -> SearchResults:
        """Messages and titles holding every word of ``query`` (its first
        :data:`MAX_QUERY` characters), newest first."""
        query = query[:MAX_QUERY]
        words = _words(query)
        if not words:
            return SearchResults(query, [], self._progress)
        long_words = [w for w in words if len(w) >= 3]
        short_words = [w.lower() for w in words if len(w) < 3]
        filters = "".join(" AND instr(lower(d.text), ?) > 0" for _ in short_words)
        columns = (
            "d.conversation_id, c.title, d.message_id, d.role, d.text, d.created_at "
            "FROM docs d JOIN conversations c ON c.id = d.conversation_id"
        )
        if long_words:
            match = " ".join(fts_phrase(w) for w in long_words)
            sql = (
                f"SELECT {columns} JOIN fts ON fts.rowid = d.rowid "
                f"WHERE fts MATCH ?{filters} ORDER BY fts.rowid DESC LIMIT ?"
            )
            params: list[object] = [match, *short_words, limit]
        else:
            sql = (
                f"SELECT {columns} WHERE d.rowid > (SELECT coalesce(max(rowid), 0) FROM docs) - ?"
                f"{filters} ORDER BY d.rowid DESC LIMIT ?"
            )
            params = [SHORT_SCAN, *short_words, limit]
        with self._lock:
            try:
                rows = self._connection().execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                log.warning("search index: query failed: %s", exc)
                self._discard(f"damaged ({exc})")
                rows = []
        hits = []
        for conversation_id, title, message_id, role, text, created_at in rows:
            shown, marks = snippet(text, words)
            hits.append(
                SearchHit(
                    conversation_id=conversation_id,
                    title=title,
                    message_id=message_id or None,
                    role=role,
                    snippet=shown,
                    highlights=marks,
                    created_at=_parse_time(created_at),
                )
            )
        return SearchResults(query, hits, self._progress)

    def recent_prompts(self, limit: int) -> list[str]:
        """The ``limit`` latest different prompts (user messages) of every conversation,
        newest first, for the prompt's history (↑); empty while the index is being built
        the first time or cannot be read."""
        with self._lock:
            try:
                rows = self._connection().execute(
                    "SELECT text FROM docs WHERE role = 'user' ORDER BY created_at DESC, id DESC"
                )
                prompts: dict[str, None] = {}
                for (text,) in rows:
                    if len(prompts) >= limit:
                        break
                    prompts.setdefault(text)
            except sqlite3.DatabaseError as exc:
                log.warning("search index: could not read the prompt history: %s", exc)
                return []
        return list(prompts)

    def size_on_disk(self) -> int:
        """Bytes used by the index file and its write-ahead log."""
        return sum(
            Path(f"{self._path}{suffix}").stat().st_size
            for suffix in ("", "-wal")
            if Path(f"{self._path}{suffix}").exists()
        )


def _words(query: str) -> list[str]:
    """The distinct words of a query, in order."""
    return list(dict.fromkeys(query.split()))


def _parse_time(raw: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rows_of(conversation: Conversation) -> dict[str, tuple[str, str, str]]:
    """message id ("" for the title) → (role, created_at, text) of what is indexed."""
    rows: dict[str, tuple[str, str, str]] = {
        message.id: (message.role, message.created_at.isoformat(), text)
        for message in conversation.tree.all()
        if (text := text_with_calls(message.content, message.tool_calls))
    }
    if conversation.title:
        rows[""] = (TITLE_ROLE, conversation.created_at.isoformat(), conversation.title)
    return rows


def _write_conversation(conn: sqlite3.Connection, conversation: Conversation) -> None:
    """Replace the rows of one conversation that changed; keep the others (and their
    rowids, so an old message stays old in the result order)."""
    stamp = conversation_stamp(conversation)
    row = conn.execute(
        "SELECT stamp FROM conversations WHERE id = ?", (conversation.id,)
    ).fetchone()
    if row is not None and row[0] == stamp:
        return
    wanted = _rows_of(conversation)
    existing = conn.execute(
        "SELECT rowid, message_id, role, created_at, text FROM docs WHERE conversation_id = ?",
        (conversation.id,),
    ).fetchall()
    for rowid, message_id, role, created_at, text in existing:
        if wanted.get(message_id) == (role, created_at, text):
            del wanted[message_id]
            continue
        _delete_row(conn, rowid, text)
    for message_id, (role, created_at, text) in wanted.items():
        cursor = conn.execute(
            "INSERT INTO docs(conversation_id, message_id, role, created_at, text) "
            "VALUES (?, ?, ?, ?, ?)",
            (conversation.id, message_id, role, created_at, text),
        )
        conn.execute("INSERT INTO fts(rowid, text) VALUES (?, ?)", (cursor.lastrowid, text))
    conn.execute(
        "INSERT OR REPLACE INTO conversations(id, title, updated_at, stamp) VALUES (?, ?, ?, ?)",
        (conversation.id, conversation.title, conversation.updated_at.isoformat(), stamp),
    )


def _delete_row(conn: sqlite3.Connection, rowid: int, text: str) -> None:
    conn.execute("INSERT INTO fts(fts, rowid, text) VALUES ('delete', ?, ?)", (rowid, text))
    conn.execute("DELETE FROM docs WHERE rowid = ?", (rowid,))


def _delete_conversation(conn: sqlite3.Connection, conversation_id: str) -> None:
    rows = conn.execute(
        "SELECT rowid, text FROM docs WHERE conversation_id = ?", (conversation_id,)
    ).fetchall()
    for rowid, text in rows:
        _delete_row(conn, rowid, text)
    conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
