"""The conversation store: one JSON file per conversation, a small index, and UI state.

Layout under the data folder ``root``::

    conversations/<id>.json   Conversation.to_dict(), one file per conversation
    index.json                {"schema_version": 1, "conversations": [summary, ...]}
    state.json                a small dict of UI state (last conversation, dismissed hints)
    corrupt/                  unreadable conversation files, moved here and never deleted,
                              and the originals of files repaired on load
    .lock                     held while a process changes the index, a conversation or state
    locks/<id>.lock           held (shared) by every process streaming a reply into <id>

The index exists so the sidebar never opens every conversation file; it is only a cache
and is rebuilt from the conversation files whenever it is missing or damaged. Every write
is atomic (:func:`~gpt_tui.core.store.fsutil.atomic_write_text`), so a crash leaves the old file
or the new one. Nothing is created on disk until the first write.

Problems the user should hear about but that do not stop the app (a file moved aside, a
field left out, a rebuilt index) are collected as notices; the app shows them once via
:meth:`take_notices`. :meth:`writable` and :meth:`readable` say beforehand whether saving
and listing can work at all. Files are created 0600 and folders 0700 (see
:mod:`~gpt_tui.core.store.fsutil`).

Several processes (two terminals) may use one folder. Every read-modify-write of a shared
file happens under an exclusive ``flock`` on ``.lock``, after re-reading the file if another
process replaced it since this one last read or wrote it (its inode, size and mtime tell):
the index gets only this process's change (one summary added, updated or removed), and a
conversation file another process changed is merged with this process's version
(:func:`~gpt_tui.core.domain.merge.merge_conversations`) instead of overwritten. Where ``fcntl``
is missing (Windows) the locks are skipped: the re-read before each write still narrows the
window in which two processes' changes can collide to the few milliseconds of a write, but
a reply streaming in another process cannot be told from one cut off by a crash.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from gpt_tui.core.domain.conversation import SCHEMA_VERSION, Conversation, ConversationSummary
from gpt_tui.core.domain.merge import merge_conversations
from gpt_tui.core.domain.schema import SchemaError
from gpt_tui.core.store.documents import (
    INDEX_SCHEMA_VERSION,
    StoreError,
    UnreadableError,
    check_id,
    decode_json,
    is_valid_id,
    json_text,
    parse_index,
    salvage_conversation,
    schema_version,
)
from gpt_tui.core.store.fsutil import (
    FILE_MODE,
    FileStamp,
    atomic_write_many,
    atomic_write_text,
    file_stamp,
    lock_fd,
    locked,
    make_private_dir,
    open_lock_file,
    probe_readable,
    probe_writable,
    quarantine,
    read_stamped,
)
from gpt_tui.core.store.observer import StoreObserver

__all__ = ["FILE_MODE", "INDEX_SCHEMA_VERSION", "ConversationStore", "StoreError", "is_valid_id"]


def _os_error_text(exc: OSError) -> str:
    return exc.strerror or str(exc)


class ConversationStore:
    """Reads and writes conversations, the index and UI state under one folder.

    The index is kept in memory (id -> summary) and read again only when another process
    replaced ``index.json`` (a ``stat`` tells). Methods are safe to call from several
    threads and from several processes (see the module docstring).
    """

    def __init__(self, root: Path, *, search_index: StoreObserver | None = None) -> None:
        """``search_index`` hears of full saves and removals (not of streaming saves)."""
        self._root = root
        self._observer = search_index
        self._index: dict[str, ConversationSummary] | None = None
        self._index_stamp: FileStamp | None = None
        self._stamps: dict[str, FileStamp] = {}
        """Per conversation id, the file version this process last read or wrote."""
        self._bases: dict[str, dict[str, Any]] = {}
        """Per conversation id, its content as last read or written (the merge base)."""
        self._merged: set[str] = set()
        """Conversations another process's changes were merged into, not yet reported by
        :meth:`sync`."""
        self._notices: list[str] = []
        self._lock = threading.RLock()
        self._lock_fd = -1
        self._lock_depth = 0

    @property
    def root(self) -> Path:
        """The data folder this store lives in."""
        return self._root

    @property
    def _conversations_dir(self) -> Path:
        return self._root / "conversations"

    @property
    def _index_path(self) -> Path:
        return self._root / "index.json"

    @property
    def _state_path(self) -> Path:
        return self._root / "state.json"

    def _conversation_path(self, conversation_id: str) -> Path:
        check_id(conversation_id)
        return self._conversations_dir / f"{conversation_id}.json"

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Hold the thread lock and the folder's inter-process lock (re-entrant).

        A lock file that cannot be made (a read-only or missing folder) is skipped: the
        write that follows then fails with a message naming its own file.
        """
        with self._lock:
            if self._lock_depth == 0:
                self._lock_fd = open_lock_file(self._root / ".lock")
                if self._lock_fd >= 0:
                    lock_fd(self._lock_fd)
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
                if self._lock_depth == 0 and self._lock_fd >= 0:
                    fd, self._lock_fd = self._lock_fd, -1
                    os.close(fd)  # closing releases the lock

    # -- public API -------------------------------------------------------------------

    def list_summaries(self) -> list[ConversationSummary]:
        """Newest ``updated_at`` first. Reads only ``index.json``, and only when it is new
        or another process replaced it since this one last read or wrote it.

        If the index is missing, unreadable, or not the expected shape, it is rebuilt from
        the conversation files (and written), recording a notice. Never raises for a bad
        index; a rebuilt index that cannot be written is kept in memory with a notice.
        """
        with self._lock:
            index = self._load_index()
            return sorted(index.values(), key=lambda s: (s.updated_at, s.id), reverse=True)

    def load(self, conversation_id: str) -> Conversation:
        """Read one conversation.

        A file that is not valid JSON or not a valid conversation is moved to
        ``corrupt/<name>.<timestamp>``, dropped from the index, reported in a notice, and
        :class:`StoreError` is raised. A file with optional fields that cannot be read is
        loaded without them and repaired (see :meth:`_repair`). A file written by a newer
        gpt-tui is left in place untouched and raises :class:`StoreError`. A missing file
        raises :class:`StoreError` and its index entry, if any, is dropped.
        """
        with self._lock:
            path = self._conversation_path(conversation_id)
            try:
                conversation, stamp, document, dropped = self._read_stamped_conversation(
                    path, conversation_id
                )
            except FileNotFoundError as exc:
                self._forget(conversation_id)
                raise StoreError(f"Conversation file {path} does not exist") from exc
            except UnreadableError as exc:
                moved_to = self._move_aside(path, exc.reason)
                self._forget(conversation_id)
                where = f"it was moved to {moved_to}" if moved_to else "it could not be moved"
                raise StoreError(
                    f"Conversation file {path} is unreadable ({exc.reason}); {where}"
                ) from exc
            self._stamps[conversation_id] = stamp
            self._bases[conversation_id] = document or conversation.to_dict()
            if dropped:
                self._repair(path, conversation, stamp, dropped)
            return conversation

    def load_if_readable(self, conversation_id: str) -> Conversation | None:
        """:meth:`load`, with None for a conversation that is gone or cannot be read (the
        reason is handled as :meth:`load` does: a notice, the file moved aside)."""
        try:
            return self.load(conversation_id)
        except StoreError:
            return None

    def save(self, conversation: Conversation, *, update_index: bool = True) -> None:
        """Atomically write the conversation file; then, if ``update_index``, upsert its
        summary in the index and write the index.

        Pass ``update_index=False`` for frequent intermediate saves (a streaming reply);
        the next full save brings the index up to date. Raises :class:`StoreError` when a
        file cannot be written.

        When another process changed the file since this one read or wrote it, its version
        is first merged into ``conversation`` (which then holds both sides' messages).
        """
        path = self._conversation_path(conversation.id)
        with self._exclusive():
            self._merge_from_disk(conversation, path)
            data = conversation.to_dict()
            self._write_json(path, data)
            self._remember(conversation.id, path, data)
            if update_index:
                self._change_index(conversation.id, conversation.summary())
                if self._observer is not None:
                    self._observer.update(conversation)

    def save_new(self, conversations: Sequence[Conversation]) -> None:
        """Write new conversations (an import's batch), then the index and search rows once:
        a kill leaves whole conversations only (an unfinished batch's files stay unlisted)."""
        files = [(self._conversation_path(c.id), json_text(c.to_dict())) for c in conversations]
        with self._exclusive():
            index = self._load_index()  # before the files: a fresh store is not "rebuilt"
            try:
                atomic_write_many(files, mode=FILE_MODE)
            except OSError as exc:
                raise StoreError(f"Could not write the conversations: {exc}") from exc
            index.update((c.id, c.summary()) for c in conversations)
            self._write_index(index)
            if self._observer is not None:
                self._observer.update_many(conversations)

    def sync(self, conversation: Conversation) -> bool:
        """Merge in what another process saved to this conversation since this one last
        read or wrote it; returns whether anything was merged, here or by a :meth:`save`
        since the last call. Cheap (one ``stat``) when nothing changed. A file that is
        gone or unreadable is left to :meth:`load`.
        """
        with self._lock:
            path = self._conversation_path(conversation.id)
            known = self._stamps.get(conversation.id)
            if known is not None and file_stamp(path) != known:
                with self._exclusive():
                    self._merge_from_disk(conversation, path)
            if conversation.id in self._merged:
                self._merged.discard(conversation.id)
                return True
            return False

    def index_changed(self) -> bool:
        """Whether another process replaced ``index.json`` since this one last read or
        wrote it (one ``stat``; :meth:`list_summaries` then reads it again)."""
        with self._lock:
            return self._index is not None and file_stamp(self._index_path) != self._index_stamp

    @contextlib.contextmanager
    def turn_lock(self, conversation_id: str) -> Iterator[None]:
        """Hold, while a reply streams, a shared lock that tells other processes the reply
        marked streaming on disk is alive (see :meth:`streaming_elsewhere`). The system
        drops it when the process dies, even by ``kill -9``. Best effort: a lock file that
        cannot be made only means other processes may take the reply for cut off.
        """
        with locked(self._turn_lock_path(conversation_id), shared=True):
            yield

    def streaming_elsewhere(self, conversation_id: str) -> bool:
        """Whether some process holds :meth:`turn_lock` for this conversation now."""
        fd = open_lock_file(self._turn_lock_path(conversation_id))
        if fd < 0:
            return False
        try:
            return not lock_fd(fd, wait=False)
        finally:
            os.close(fd)

    def update_state(self, change: Callable[[dict[str, object]], None]) -> None:
        """Read the UI state, let ``change`` edit it in place, and write it back if it
        changed, all under the inter-process lock (two processes' keys both survive)."""
        with self._exclusive():
            state = self.load_state()
            before = json.dumps(state, sort_keys=True, default=str)
            change(state)
            if json.dumps(state, sort_keys=True, default=str) != before:
                self._write_json(self._state_path, dict(state))

    def delete(self, conversation_id: str) -> None:
        """Remove a conversation's file and index entry; deleting a missing one is a no-op."""
        path = self._conversation_path(conversation_id)
        with self._exclusive():
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                raise StoreError(f"Could not delete {path}: {_os_error_text(exc)}") from exc
            self._change_index(conversation_id, None)
            if self._observer is not None:
                self._observer.remove(conversation_id)

    def trash(self, conversation_id: str) -> None:
        """Move a conversation to ``trash/`` (out of the list, still on disk for undo)."""
        path = self._conversation_path(conversation_id)
        with self._exclusive():
            target = self.root / "trash" / path.name
            try:
                make_private_dir(target.parent)
                path.replace(target)
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise StoreError(f"Could not delete {path}: {_os_error_text(exc)}") from exc
            self._change_index(conversation_id, None)
            if self._observer is not None:
                self._observer.remove(conversation_id)

    def restore(self, conversation_id: str) -> Conversation:
        """Bring a conversation back from ``trash/`` (undo of :meth:`trash`)."""
        with self._lock:
            path = self._conversation_path(conversation_id)
            source = self.root / "trash" / path.name
            try:
                source.replace(path)
            except OSError as exc:
                raise StoreError(f"Could not restore {source}: {_os_error_text(exc)}") from exc
        conversation = self.load(conversation_id)
        self.save(conversation)
        return conversation

    def load_state(self) -> dict[str, object]:
        """The saved UI state; ``{}`` if there is none or it is unreadable (with a notice)."""
        with self._lock:
            try:
                raw = self._state_path.read_bytes()
            except FileNotFoundError:
                return {}
            except OSError as exc:
                self._notices.append(f"Could not read state.json ({_os_error_text(exc)})")
                return {}
            try:
                data = decode_json(raw)
            except UnreadableError as exc:
                self._notices.append(f"Ignored unreadable state.json ({exc.reason})")
                return {}
            if not isinstance(data, dict):
                self._notices.append("Ignored state.json (expected a JSON object)")
                return {}
            return cast(dict[str, object], data)

    def save_state(self, state: Mapping[str, object]) -> None:
        """Atomically write the UI state; values must be JSON types."""
        with self._exclusive():
            self._write_json(self._state_path, dict(state))

    def writable(self) -> str | None:
        """Whether a conversation can be saved now: None when it can, else why in a few
        words (a read-only data folder, a file where the folder should be). Cheap (one
        temporary file made and removed, nothing created): call it at launch and before
        sending a turn, so a turn that cannot be saved is not sent and lost."""
        return probe_writable(self._conversations_dir)

    def readable(self) -> str | None:
        """Whether the saved conversations can be listed: None when they can (or there are
        none yet), else why. :meth:`list_summaries` cannot tell "none" from "cannot look"
        when it rebuilds the index (it then records a notice); this can."""
        return probe_readable(self._conversations_dir)

    def take_notices(self) -> list[str]:
        """Notices gathered since the last call (moved-aside files, rebuilt index), then cleared."""
        with self._lock:
            notices, self._notices = self._notices, []
            return notices

    # -- conversations ----------------------------------------------------------------

    def _read_stamped_conversation(
        self, path: Path, conversation_id: str
    ) -> tuple[Conversation, FileStamp, dict[str, Any] | None, list[str]]:
        """Parse one conversation file; also the stamp of the version read, the parsed
        document when it is in the current format and whole (it is then what ``to_dict``
        gives: the merge base, without building it again), and the optional fields left
        out because they could not be read (:func:`salvage_conversation`).

        Raises :class:`UnreadableError` for broken content, :class:`StoreError` for a
        newer schema or an OS error (other than a missing file, which propagates as
        :class:`FileNotFoundError`). The file name is authoritative for the id, so a
        copied file becomes a separate conversation rather than overwriting the original.
        """
        try:
            raw, stamp = read_stamped(path)
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise StoreError(f"Could not read {path}: {_os_error_text(exc)}") from exc
        data = decode_json(raw)
        version = schema_version(data)
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(
                f"Conversation file {path} was written by a newer gpt-tui "
                f"(schema {version}, this one reads {SCHEMA_VERSION}); it was left untouched"
            )
        try:
            conversation, dropped = salvage_conversation(data)
        except SchemaError as exc:
            raise UnreadableError(str(exc)) from exc
        except (ValueError, OverflowError) as exc:  # e.g. a number too large for a float
            raise UnreadableError(f"invalid value: {exc}") from exc
        conversation.id = conversation_id
        current = version == SCHEMA_VERSION and isinstance(data, dict) and not dropped
        return conversation, stamp, cast(dict[str, Any], data) if current else None, dropped

    def _repair(
        self, path: Path, conversation: Conversation, stamp: FileStamp, dropped: list[str]
    ) -> None:
        """Rewrite a conversation file without the fields that could not be read, keeping
        the original in ``corrupt/`` (nothing is ever deleted), and say so in a notice.
        Skipped when another process replaced the file since it was read; best effort."""
        name = f"{path.name} ({conversation.title!r})" if conversation.title else path.name
        shown = "; ".join(dropped[:3]) + (
            f"; and {len(dropped) - 3} more" if len(dropped) > 3 else ""
        )
        with self._exclusive():
            if file_stamp(path) != stamp:
                return
            try:
                kept: str | None = quarantine(self._root, path, keep_original=True)
            except OSError:
                kept = None
            try:
                self.save(conversation)
            except StoreError as exc:
                self._notices.append(str(exc))
        where = f"the original is kept as {kept}" if kept else "the original could not be kept"
        self._notices.append(
            f"Conversation file {name}: left out what could not be read ({shown}); {where}"
        )

    def _merge_from_disk(self, conversation: Conversation, path: Path) -> bool:
        """If another process replaced the file since this one read or wrote it, merge its
        version into ``conversation`` in place; returns whether it did. Call with the
        inter-process lock held. A missing or unreadable file has nothing to merge."""
        stamp = file_stamp(path)
        if stamp is None or stamp == self._stamps.get(conversation.id):
            return False
        try:
            theirs, stamp, document, _ = self._read_stamped_conversation(path, conversation.id)
        except (FileNotFoundError, UnreadableError, StoreError):
            return False
        merged = merge_conversations(conversation, theirs, self._bases.get(conversation.id))
        for name in Conversation.__slots__:
            setattr(conversation, name, getattr(merged, name))
        self._stamps[conversation.id] = stamp
        self._bases[conversation.id] = document or theirs.to_dict()
        self._merged.add(conversation.id)
        return True

    def _remember(self, conversation_id: str, path: Path, data: dict[str, Any]) -> None:
        """Note the version just written (call with the inter-process lock held)."""
        stamp = file_stamp(path)
        if stamp is not None:
            self._stamps[conversation_id] = stamp
        self._bases[conversation_id] = data

    def _turn_lock_path(self, conversation_id: str) -> Path:
        check_id(conversation_id)
        return self._root / "locks" / f"{conversation_id}.lock"

    def _move_aside(self, path: Path, reason: str) -> str | None:
        """Move an unreadable file into ``corrupt/`` and record a notice.

        Returns the new location relative to the root, or None if the move failed (the
        file then stays where it is; it is never deleted).
        """
        try:
            moved_to = quarantine(self._root, path, keep_original=False)
        except OSError as exc:
            self._notices.append(
                f"Could not move unreadable conversation file {path.name} aside "
                f"({reason}): {_os_error_text(exc)}"
            )
            return None
        self._notices.append(
            f"Moved unreadable conversation file {path.name} to {moved_to} ({reason})"
        )
        return moved_to

    # -- index ------------------------------------------------------------------------

    def _load_index(self) -> dict[str, ConversationSummary]:
        """The in-memory index, reading ``index.json`` (or rebuilding it) the first time
        and whenever another process replaced it since."""
        if self._index is not None and file_stamp(self._index_path) == self._index_stamp:
            return self._index
        problem: str | None = None
        try:
            raw, stamp = read_stamped(self._index_path)
        except FileNotFoundError:
            problem = None
        except OSError as exc:
            problem = f"could not be read: {_os_error_text(exc)}"
        else:
            try:
                self._index = parse_index(raw)
            except UnreadableError as exc:
                problem = f"was unreadable: {exc.reason}"
            else:
                self._index_stamp = stamp
                return self._index
        self._index = self._rebuild_index(problem)
        self._index_stamp = file_stamp(self._index_path)
        return self._index

    def _change_index(self, conversation_id: str, summary: ConversationSummary | None) -> None:
        """Upsert (or, with None, remove) one entry of the newest index on disk and write
        it: other processes' entries are kept. Call with the inter-process lock held."""
        index = self._load_index()
        if summary is not None:
            index[conversation_id] = summary
        elif index.pop(conversation_id, None) is None:
            return
        self._write_index(index)

    def _rebuild_index(self, problem: str | None) -> dict[str, ConversationSummary]:
        """Build the index from the conversation files and write it (best effort).

        ``problem`` says what was wrong with the old index; None means it was missing.
        A missing index with no conversation files is a fresh store: nothing is written
        and no notice recorded.
        """
        unreadable = self.readable()
        if unreadable is not None:  # nothing written: the old index may come back
            self._notices.append(f"Could not list the conversations: {unreadable}")
            return {}
        try:
            paths = sorted(self._conversations_dir.glob("*.json"))
        except OSError:
            paths = []
        index: dict[str, ConversationSummary] = {}
        for path in paths:
            conversation_id = path.stem
            if not is_valid_id(conversation_id):
                continue
            try:
                conversation = self._read_stamped_conversation(path, conversation_id)[0]
            except UnreadableError as exc:
                self._move_aside(path, exc.reason)
                continue
            except StoreError as exc:
                self._notices.append(str(exc))
                continue
            except FileNotFoundError:  # deleted while scanning
                continue
            index[conversation_id] = conversation.summary()
        if problem is None and not index:
            return index
        why = "index.json was missing" if problem is None else f"index.json {problem}"
        self._notices.append(f"Rebuilt the conversation list from {len(index)} file(s) ({why})")
        try:
            with self._exclusive():
                self._write_index(index)
        except StoreError as exc:
            self._notices.append(str(exc))
        return index

    def _forget(self, conversation_id: str) -> None:
        """Drop an id from the index; writing the index is best effort."""
        try:
            with self._exclusive():
                self._change_index(conversation_id, None)
        except StoreError as exc:
            self._notices.append(str(exc))

    def _write_index(self, index: Mapping[str, ConversationSummary]) -> None:
        """Write the index and note its stamp (call with the inter-process lock held)."""
        summaries = sorted(index.values(), key=lambda s: (s.updated_at, s.id), reverse=True)
        self._write_json(
            self._index_path,
            {
                "schema_version": INDEX_SCHEMA_VERSION,
                "conversations": [s.to_dict() for s in summaries],
            },
        )
        self._index_stamp = file_stamp(self._index_path)

    # -- files ------------------------------------------------------------------------

    def _write_json(self, path: Path, data: object) -> None:
        """Atomically write ``data`` as readable UTF-8 JSON; OS errors become StoreError."""
        try:
            atomic_write_text(path, json_text(data), mode=FILE_MODE)
        except OSError as exc:
            raise StoreError(f"Could not write {path}: {_os_error_text(exc)}") from exc
