"""Saving an import in batches, with a progress line on a terminal.

An import of thousands of conversations writes each conversation's file, then the index
and the search rows once per batch (:meth:`ConversationStore.save_new`) rather than once
per conversation, which made a 10,000-conversation import quadratic. A batch the store
refuses is saved again one conversation at a time, so the report names each one that
could not be written and the others are kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TextIO

from gpt_tui.core.domain.conversation import Conversation
from gpt_tui.core.store.conversations import ConversationStore, StoreError

BATCH = 500
"""Conversations per batch: the index (1.6 MB for 10,000) is rewritten once per batch."""
_REDRAW = 0.1
"""Seconds between redraws of the progress line."""


class ProgressLine:
    """``importing 1,200/10,000 conversations · 850/s · 10 s left`` on one line of a
    terminal, redrawn in place; nothing at all when ``stream`` is not a terminal."""

    def __init__(
        self, total: int, stream: TextIO, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._total = total
        self._stream = stream
        self._shown = stream.isatty()
        self._clock = clock
        self._started = clock()
        self._drawn = 0.0

    @staticmethod
    def text(done: int, total: int, elapsed: float) -> str:
        """The line for ``done`` of ``total`` after ``elapsed`` seconds."""
        rate = done / elapsed if elapsed > 0 else 0.0
        left = f"{(total - done) / rate:.0f} s left" if rate > 0 else "…"
        return f"importing {done:,}/{total:,} conversations · {rate:,.0f}/s · {left}"

    def update(self, done: int) -> None:
        if not self._shown or self._clock() - self._drawn < _REDRAW:
            return
        self._drawn = self._clock()
        line = self.text(done, self._total, self._drawn - self._started)
        self._stream.write(f"\r{line}\x1b[K")
        self._stream.flush()

    def close(self) -> None:
        """Clear the line, so the report starts on a clean one."""
        if self._shown:
            self._stream.write("\r\x1b[K")
            self._stream.flush()


def save_in_batches(
    store: ConversationStore, conversations: Sequence[Conversation], progress_to: TextIO
) -> tuple[list[Conversation], list[str]]:
    """Save new ``conversations``; returns those saved and why each other one was not."""
    saved: list[Conversation] = []
    failures: list[str] = []
    progress = ProgressLine(len(conversations), progress_to)
    try:
        for start in range(0, len(conversations), BATCH):
            batch = conversations[start : start + BATCH]
            try:
                store.save_new(batch)
            except StoreError:
                for conversation in batch:
                    try:
                        store.save(conversation)
                    except StoreError as exc:
                        failures.append(str(exc))
                    else:
                        saved.append(conversation)
            else:
                saved.extend(batch)
            progress.update(start + len(batch))
    finally:
        progress.close()
    return saved, failures
