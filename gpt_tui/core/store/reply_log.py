"""One compact line per priced reply (``replies.jsonl``), so spend can be grouped by day,
model, profile or conversation without opening every conversation file.

The conversations stay the source of truth: each reply carries its usage and cost, and
the log is built again from them whenever it is missing or unreadable (and on request,
``gpt-tui usage --rebuild``). Lines are appended, each with one write under the ledger's
inter-process lock and fsynced; a line cut short by a crash is skipped when read, and the
next append starts on a fresh line. A reply written twice (a continued reply, or a record
that raced with a rebuild) counts once: the last line for its key wins.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from gpt_tui.core.store.fsutil import FILE_MODE, atomic_write_text, make_private_dir

if TYPE_CHECKING:
    from gpt_tui.core.domain.conversation import Conversation
    from gpt_tui.core.domain.message import Message

REPLY_LOG_SCHEMA_VERSION = 1

COST_COMPUTED = "computed"
"""The cost was worked out from the token counts and the model's price."""
COST_REPORTED = "server"
"""The server said what the request cost (LiteLLM's header, OpenRouter's ``usage.cost``)."""


class ReplyRecord(NamedTuple):
    """What one reply (or one generated title) used and cost.

    A named tuple: a report reads 100,000 of these, and a tuple is built several times
    faster than a frozen dataclass."""

    key: str
    """The reply's message id; a title's is ``title:`` and a new id."""
    ts: float
    """When the reply finished, in seconds since the epoch (see :attr:`at`)."""
    conversation_id: str | None
    model: str
    profile: str | None
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cost: Decimal | None = None
    """USD; None when the model's price is unknown (never counted as $0)."""
    cost_source: str = COST_COMPUTED
    estimated: bool = False
    """The tokens were counted locally because the server did not report them."""

    @property
    def at(self) -> datetime:
        """When the reply finished (UTC)."""
        return datetime.fromtimestamp(self.ts, UTC)

    def to_line(self) -> str:
        data: dict[str, Any] = {
            "k": self.key,
            "t": round(self.ts, 3),
            "m": self.model,
            "i": self.input_tokens,
            "o": self.output_tokens,
        }
        if self.conversation_id is not None:
            data["c"] = self.conversation_id
        if self.profile is not None:
            data["p"] = self.profile
        if self.cached_tokens:
            data["ci"] = self.cached_tokens
        if self.reasoning_tokens:
            data["r"] = self.reasoning_tokens
        if self.cost is not None:
            data["$"] = str(self.cost)
            if self.cost_source != COST_COMPUTED:
                data["s"] = self.cost_source
        if self.estimated:
            data["e"] = 1
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_line(cls, line: str) -> ReplyRecord:
        """Raises ``ValueError`` (or ``KeyError``/``TypeError``) for a line that is not one."""
        return cls.from_json(json.loads(line))

    @classmethod
    def from_json(cls, data: Any) -> ReplyRecord:
        """The record a line's JSON object describes; raises as :meth:`from_line`."""
        cost_text = data.get("$")
        cost = None if cost_text is None else Decimal(cost_text)
        if cost is not None and not cost.is_finite():
            raise ValueError("cost is not a number")
        conversation, profile = data.get("c"), data.get("p")
        return cls(
            str(data["k"]),
            float(data["t"]),
            None if conversation is None else str(conversation),
            str(data["m"]),
            None if profile is None else str(profile),
            int(data["i"]),
            int(data.get("ci", 0)),
            int(data["o"]),
            int(data.get("r", 0)),
            cost,
            str(data.get("s", COST_COMPUTED)),
            bool(data.get("e", 0)),
        )


def records_of(conversation: Conversation) -> Iterable[ReplyRecord]:
    """A record for each reply in ``conversation`` (every branch) that has usage, dated
    when it finished: how the log is rebuilt from the conversations."""
    for message in conversation.tree.all():
        finished = message.created_at
        if message.timing is not None:
            finished += timedelta(seconds=message.timing.total_s)
        record = record_of(conversation, message, finished)
        if record is not None:
            yield record


def record_of(conversation: Conversation, reply: Message, when: datetime) -> ReplyRecord | None:
    """The log's record of ``reply`` as it stands at ``when`` (all its requests, for a
    continued reply), or None when it has no usage."""
    usage = reply.usage
    if usage is None:
        return None
    return ReplyRecord(
        key=reply.id,
        ts=when.timestamp(),
        conversation_id=conversation.id,
        model=reply.model or conversation.params.model,
        profile=conversation.params.profile,
        input_tokens=usage.prompt_tokens,
        cached_tokens=usage.cached_tokens,
        output_tokens=usage.completion_tokens,
        reasoning_tokens=usage.reasoning_tokens,
        cost=reply.cost,
        cost_source=COST_REPORTED if reply.cost_reported else COST_COMPUTED,
        estimated=usage.estimated,
    )


class ReplyLog:
    """The file of reply records. Callers hold the ledger's lock around each method."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.skipped = 0
        """Lines that could not be understood."""
        self._cache: tuple[int, int, dict[str, ReplyRecord]] | None = None
        """The file's inode, how far it was read, and what it held."""

    def exists(self) -> bool:
        return self.path.exists()

    def append(self, record: ReplyRecord) -> None:
        """Add ``record`` at the end, on a line of its own, and fsync. Only to a log that
        exists: a missing one is built whole from the conversations when next read."""
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        try:
            size = os.fstat(fd).st_size
            prefix = ""
            if size and os.pread(fd, 1, size - 1) != b"\n":
                prefix = "\n"  # the last append was cut short: leave its remains alone
            os.write(fd, (prefix + record.to_line() + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def write_all(self, records: Iterable[ReplyRecord]) -> None:
        """Replace the log with ``records`` (atomically, private)."""
        make_private_dir(self.path.parent)
        header = json.dumps({"schema_version": REPLY_LOG_SCHEMA_VERSION})
        lines = [header, *(record.to_line() for record in records)]
        atomic_write_text(self.path, "\n".join(lines) + "\n", mode=FILE_MODE)
        self._cache = None
        self.skipped = 0

    def read(self) -> list[ReplyRecord] | None:
        """Every record, one per key (the last written wins); None when the file is
        missing or its header is not one this version reads (then it is rebuilt).

        Only what was appended since the last read is parsed, while the file is the same
        one (an atomic rebuild is a new file, read whole)."""
        try:
            with self.path.open("rb") as handle:
                info = os.fstat(handle.fileno())
                inode = info.st_ino
                cache = self._cache
                if cache is not None and cache[0] == inode and info.st_size >= cache[1]:
                    _, offset, by_key = cache
                    handle.seek(offset)
                    added = handle.read()
                else:
                    offset, by_key, added = 0, {}, handle.read()
                    self.skipped = 0
        except FileNotFoundError:
            self._cache = None
            return None
        end = added.rfind(b"\n") + 1  # a line still being written waits for the next read
        lines = added[:end].decode("utf-8", errors="replace").split("\n")
        if offset == 0:
            try:
                header = json.loads(lines[0]) if lines[0] else None
            except ValueError:
                header = None
            if not isinstance(header, dict) or header.get("schema_version") != 1:
                return None
            lines = lines[1:]
        lines = [line for line in lines if line]
        try:  # one parse of all the lines is much faster than one per line
            parsed: list[Any] = json.loads("[" + ",".join(lines) + "]")
        except ValueError:  # a damaged line: parse them one by one, skipping it
            parsed = [_json_or_none(line) for line in lines]
        for data in parsed:
            try:
                record = ReplyRecord.from_json(data)
            except (ValueError, KeyError, TypeError, AttributeError, InvalidOperation):
                self.skipped += 1
                continue
            by_key.pop(record.key, None)  # re-inserted: ordered by the last write
            by_key[record.key] = record
        self._cache = (inode, offset + end, by_key)
        return list(by_key.values())


def _json_or_none(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None
