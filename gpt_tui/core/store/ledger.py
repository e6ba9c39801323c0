"""Running token and cost totals per day across all conversations (``totals.json``).

Each reply's usage and cost are stored in its conversation file; this ledger keeps the
sums per day so the panel can show today's and all-time cost without opening every
conversation. A file that cannot be read is moved aside (never deleted) and the totals
start again from zero, with a notice.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from gpt_tui.core.store.fsutil import FileStamp, atomic_write_text, file_stamp, locked

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


class UsageLedger:
    """Per-day totals, loaded lazily and written atomically after every reply."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._days: dict[str, Totals] | None = None
        self._stamp: FileStamp | None = None
        self._lock = threading.Lock()
        self.notices: list[str] = []

    def record(self, when: datetime, tokens: int, cost: Decimal | None) -> None:
        """Add one reply to the day it finished on (local time) and save.

        The file is read again under an inter-process lock first, so two gpt-tui
        processes on one data dir add to each other's totals instead of overwriting them.
        """
        with self._lock, locked(self._path.with_name(f".{self._path.name}.lock")):
            self._days = None
            days = self._load()
            key = when.astimezone().date().isoformat()
            days[key] = days.get(key, Totals()).plus(tokens, cost)
            atomic_write_text(self._path, json.dumps(self._dump(days), indent=1), mode=0o600)
            self._stamp = file_stamp(self._path)

    def day(self, which: date) -> Totals:
        with self._lock:
            return self._load().get(which.isoformat(), Totals())

    def all_time(self) -> Totals:
        with self._lock:
            total = Totals()
            for value in self._load().values():
                total = total + value
            return total

    def _load(self) -> dict[str, Totals]:
        """The totals, read again when another process has replaced the file."""
        stamp = file_stamp(self._path)
        if self._days is None or stamp != self._stamp:
            self._days = self._read()
            self._stamp = stamp
        return self._days

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
            self.notices.append(
                f"Usage totals in {self._path.name} were unreadable ({exc}); {where}, "
                "totals start again from zero."
            )
            return {}

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
