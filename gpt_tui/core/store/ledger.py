"""Running token and cost totals per day across all conversations (``totals.json``).

Each reply's usage and cost are stored in its conversation file; this ledger keeps the
sums per day so the panel can show today's and all-time cost without opening every
conversation. A file that cannot be read is moved aside (never deleted) and the totals
start again from zero, with a notice.

Beside the totals, the ledger keeps one compact line per reply (:mod:`reply_log`) for
grouping spend by model, profile or conversation; it is rebuilt from the conversations
when missing, so it never disagrees with them for long.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gpt_tui.core.store.fsutil import FileStamp, atomic_write_text, file_stamp, locked
from gpt_tui.core.store.reply_log import ReplyLog, ReplyRecord

if TYPE_CHECKING:
    from gpt_tui.core.domain.conversation import Conversation

LEDGER_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Totals:
    """Tokens and cost over some span; ``unpriced`` counts replies whose price was unknown."""

    tokens: int = 0
    cost: Decimal = Decimal(0)
    unpriced: int = 0

    def plus(self, tokens: int, cost: Decimal | None) -> Totals:
        return Totals(
            tokens=self.tokens + tokens,
            cost=self.cost + (cost or Decimal(0)),
            unpriced=self.unpriced + (1 if cost is None and tokens else 0),
        )

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.tokens + other.tokens, self.cost + other.cost, self.unpriced + other.unpriced
        )


def totals_by_day(conversations: Iterable[Conversation]) -> dict[str, Totals]:
    """Per local day, the usage and cost of every reply saved in ``conversations`` (every
    branch), counted on the day the reply finished. Generated titles are not saved in
    conversations, so their (small) usage is not in these totals."""
    days: dict[str, Totals] = {}
    for conversation in conversations:
        for message in conversation.tree.all():
            if message.usage is None:
                continue
            finished = message.created_at
            if message.timing is not None:
                finished += timedelta(seconds=message.timing.total_s)
            key = finished.astimezone().date().isoformat()
            days[key] = days.get(key, Totals()).plus(message.usage.total_tokens, message.cost)
    return days


class UsageLedger:
    """Per-day totals, loaded lazily and written atomically after every reply."""

    def __init__(
        self,
        path: Path,
        *,
        recount: Callable[[], dict[str, Totals]] | None = None,
        replies: Path | None = None,
        rebuild_replies: Callable[[], Iterable[ReplyRecord]] | None = None,
    ) -> None:
        """``recount`` counts the totals again from the conversations, for when the file
        is unreadable (see :func:`totals_by_day`); without it they start from zero.
        ``replies`` is the per-reply log's file, ``rebuild_replies`` what it holds when
        built again from the conversations (nothing without it)."""
        self._path = path
        self._recount = recount
        self._replies = ReplyLog(replies or path.with_name("replies.jsonl"))
        self._rebuild_replies = rebuild_replies
        self._skipped_said = 0
        self._days: dict[str, Totals] | None = None
        self._stamp: FileStamp | None = None
        self._lock = threading.Lock()
        self.notices: list[str] = []

    def record(
        self,
        when: datetime,
        tokens: int,
        cost: Decimal | None,
        *,
        reply: ReplyRecord | None = None,
    ) -> None:
        """Add one reply to the day it finished on (local time) and save; ``reply`` also
        goes to the per-reply log when that exists (a missing log is built whole, later).

        The file is read again under an inter-process lock first, so two gpt-tui
        processes on one data dir add to each other's totals instead of overwriting them.
        """
        with self._lock, locked(self._lock_path):
            self._days = None
            days = self._load(lock_held=True)
            key = when.astimezone().date().isoformat()
            days[key] = days.get(key, Totals()).plus(tokens, cost)
            atomic_write_text(self._path, json.dumps(self._dump(days), indent=1))
            self._stamp = file_stamp(self._path)
            if reply is not None and self._replies.exists():
                try:
                    self._replies.append(reply)
                except OSError as exc:
                    self.notices.append(f"Could not add to the usage log: {exc.strerror}")

    def replies_if_built(self) -> list[ReplyRecord] | None:
        """:meth:`replies` when the log exists and reads; None (nothing built) otherwise."""
        with self._lock, locked(self._lock_path):
            return self._replies.read()

    def replies(self, *, rebuild: bool = False) -> list[ReplyRecord]:
        """Every reply's usage and cost, one record per reply. The log is built from the
        conversations first (which opens every one) when it is missing, unreadable or
        ``rebuild`` is asked for; without a way to rebuild, a missing log reads as empty."""
        with self._lock, locked(self._lock_path):
            records = None if rebuild else self._replies.read()
            if records is not None:
                if self._replies.skipped > self._skipped_said:
                    self._skipped_said = self._replies.skipped
                    self.notices.append(
                        f"{self._replies.skipped} unreadable line(s) in "
                        f"{self._replies.path.name} were skipped; `gpt-tui usage --rebuild` "
                        "counts again from the conversations."
                    )
                return records
            if self._rebuild_replies is None:
                return []
            records = list(self._rebuild_replies())
            try:
                self._replies.write_all(records)
            except OSError as exc:
                self.notices.append(f"Could not save the usage log: {exc.strerror or exc}")
            return records

    def month(self, which: date) -> Totals:
        """The totals of the calendar month (local days) that ``which`` falls in."""
        prefix = which.isoformat()[:7]
        with self._lock:
            total = Totals()
            for key, value in self._load().items():
                if key.startswith(prefix):
                    total = total + value
            return total

    def day(self, which: date) -> Totals:
        with self._lock:
            return self._load().get(which.isoformat(), Totals())

    def all_time(self) -> Totals:
        with self._lock:
            total = Totals()
            for value in self._load().values():
                total = total + value
            return total

    @property
    def _lock_path(self) -> Path:
        return self._path.with_name(f".{self._path.name}.lock")

    def _load(self, *, lock_held: bool = False) -> dict[str, Totals]:
        """The totals, read again when another process has replaced the file. Reading
        holds the inter-process lock, so a repair of an unreadable file (moved aside,
        counted again, written) is never seen half done by another process. A missing
        file needs no lock, and creates nothing."""
        stamp = file_stamp(self._path)
        if self._days is not None and stamp == self._stamp:
            return self._days
        unlocked = lock_held or stamp is None  # no file: nothing to read or repair
        with contextlib.nullcontext() if unlocked else locked(self._lock_path):
            days = self._days = self._read()
            self._stamp = file_stamp(self._path)
        return days

    def _read(self) -> dict[str, Totals]:
        try:
            raw = self._path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            self.notices.append(f"Could not read {self._path.name}: {exc.strerror}")
            return {}
        try:
            return _parse(json.loads(raw))
        except (ValueError, TypeError, KeyError, InvalidOperation, RecursionError) as exc:
            aside = self._path.with_name(
                f"{self._path.name}.corrupt-{datetime.now().strftime('%Y%m%dT%H%M%S')}"
            )
            try:
                self._path.replace(aside)
                where = f"moved to {aside.name}"
            except OSError:
                where = "left in place"
            if self._recount is None:
                self.notices.append(
                    f"Usage totals in {self._path.name} were unreadable ({exc}); {where}, "
                    "totals start again from zero."
                )
                return {}
            days = self._recount()
            self.notices.append(
                f"Usage totals in {self._path.name} were unreadable ({exc}); {where}, "
                "totals counted again from the replies saved in your conversations."
            )
            if where != "left in place":
                self._write(days)
            return days

    def _write(self, days: dict[str, Totals]) -> None:
        """Save ``days`` (best effort: a failure is a notice, the totals stay in memory)."""
        try:
            atomic_write_text(self._path, json.dumps(self._dump(days), indent=1))
        except OSError as exc:
            self.notices.append(f"Could not save the usage totals: {exc.strerror or exc}")

    @staticmethod
    def _dump(days: dict[str, Totals]) -> dict[str, Any]:
        return {
            "schema_version": LEDGER_SCHEMA_VERSION,
            "days": {
                key: {"tokens": t.tokens, "cost": str(t.cost), "unpriced": t.unpriced}
                for key, t in sorted(days.items())
            },
        }


def _parse(data: object) -> dict[str, Totals]:
    if not isinstance(data, dict) or not isinstance(data.get("days"), dict):
        raise ValueError("expected {'days': {...}}")
    days: dict[str, Totals] = {}
    for key, value in data["days"].items():
        date.fromisoformat(key)
        if not isinstance(value, dict):
            raise ValueError(f"day {key}: expected an object")
        tokens, unpriced = value.get("tokens", 0), value.get("unpriced", 0)
        if not isinstance(tokens, int) or not isinstance(unpriced, int):
            raise ValueError(f"day {key}: tokens must be whole numbers")
        cost = Decimal(str(value.get("cost", "0")))
        if not cost.is_finite():
            raise ValueError(f"day {key}: cost is not a number")
        days[key] = Totals(tokens=tokens, cost=cost, unpriced=unpriced)
    return days
