"""One screen update per frame for every reply streaming on a screen.

Each stream's service batches its chunks (``core/service/streaming.DeltaBatcher``), but
the batches of two streams, the spinner and the live figures each arrive on their own
clock: drawn as they come, every one of them is a frame of its own, and a frame
(re-laying out and compositing the chat) costs far more than the text it adds. Here the
text of every stream is queued and written to its views together, at most once per
``interval``, and whatever else follows a stream (the spinner, tokens per second) is
redrawn in that same pass, so N streams cost one frame, not N frames plus the spinner's.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from textual.message_pump import MessagePump
from textual.timer import Timer

FRAME_INTERVAL = 1 / 30
"""Seconds between two passes that draw streamed text (the UI's frame for live replies)."""

Writer = Callable[[str, int], Awaitable[None]]
"""Writes text that begins at the given offset of a reply into the views that show it."""


@dataclass(slots=True)
class _Pending:
    write: Writer
    start: int
    parts: list[str] = field(default_factory=list)


class FrameBatcher:
    """Text for live replies, drawn for all of them at once, once per frame.

    The first text after a quiet spell is drawn at once (the first token shows without
    delay); text arriving within ``interval`` of the last pass waits for the next one.
    ``on_frame`` callbacks run after each pass (spinner, live figures).
    """

    def __init__(
        self,
        host: MessagePump,
        interval: float = FRAME_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._host = host
        self._interval = interval
        self._clock = clock
        self._pending: dict[str, _Pending] = {}
        self._timer: Timer | None = None
        self._last = -interval
        self._on_frame: list[Callable[[], None]] = []
        self.passes = 0
        """Passes drawn so far (for tests and benchmarks)."""

    def on_frame(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every pass (to redraw what follows the streams)."""
        self._on_frame.append(callback)

    async def add(self, key: str, text: str, start: int, write: Writer) -> None:
        """Queue ``text`` (beginning at ``start`` in the reply ``key``) for the next pass."""
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = _Pending(write, start)
        pending.parts.append(text)
        wait = self._last + self._interval - self._clock()
        if wait <= 0 and self._timer is None:
            await self.flush()
        elif self._timer is None:
            self._timer = self._host.set_timer(max(wait, 0.0), self.flush, name="live-frame")

    async def flush(self, key: str | None = None) -> None:
        """Draw what is queued now (all replies, or only ``key``, e.g. when it ends)."""
        if key is not None:
            pending = self._pending.pop(key, None)
            if pending is not None:
                await pending.write("".join(pending.parts), pending.start)
            return
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._last = self._clock()
        queued, self._pending = self._pending, {}
        for pending in queued.values():
            await pending.write("".join(pending.parts), pending.start)
        self.passes += 1
        for callback in self._on_frame:
            callback()

    def stop(self) -> None:
        """Drop the timer (the host is going away); queued text is not drawn."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._pending.clear()
