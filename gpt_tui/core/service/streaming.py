"""How a reply's stream is read: batched deltas for the UI, a stall guard, and the
bookkeeping of a "continue" turn (what the reply had before) and of the turn's end."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal

from gpt_tui.core.domain.message import ErrorInfo, Message, MessageStatus, Timing, Usage
from gpt_tui.core.providers.base import ProviderError, StreamEvent
from gpt_tui.core.service.events import EventSink, ReplyDelta

log = logging.getLogger("gpt_tui.core.service.chat")

DELTA_INTERVAL = 1 / 30
"""At most this often (seconds) the UI hears of new text: about one event per frame."""


YIELD_INTERVAL = 1 / 60
"""The longest the stream reader keeps the event loop to itself (seconds)."""


class DeltaBatcher:
    """Merges streamed chunks into at most one :class:`ReplyDelta` per ``interval``.

    A fast server sends thousands of tiny chunks; telling the UI about each costs more
    than drawing them. The first chunk goes out at once (the first token shows without
    delay), later ones are merged and flushed by a timer, so text never waits for the
    next chunk, and :meth:`flush` sends whatever is left when the reply ends. The stream
    reader never waits for the UI.
    """

    def __init__(
        self,
        conversation_id: str,
        message_id: str,
        emit: EventSink,
        interval: float,
        start: int = 0,
        *,
        reasoning: bool = False,
    ) -> None:
        """``start``: how much text the reply holds before the first chunk (continuing);
        ``reasoning``: the events carry the reply's reasoning, not its answer."""
        self._ids = (conversation_id, message_id)
        self._emit = emit
        self._interval = interval
        self._sent = start
        self._pending: list[str] = []
        self._handle: asyncio.TimerHandle | None = None
        self._sent_any = False
        self._reasoning = reasoning

    def add(self, text: str) -> None:
        self._pending.append(text)
        if not self._sent_any:
            self.flush()
        elif self._handle is None:
            loop = asyncio.get_running_loop()
            self._handle = loop.call_later(self._interval, self.flush)

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._pending:
            text, chunks = "".join(self._pending), len(self._pending)
            self._pending.clear()
            self._sent_any = True
            self._emit(ReplyDelta(*self._ids, text, chunks, self._sent, self._reasoning))
            self._sent += len(text)


async def guarded(
    events: AsyncIterator[StreamEvent], started: Callable[[], bool], idle_timeout: float
) -> AsyncIterator[StreamEvent]:
    """The provider's events, failing when they stall after the reply has begun.

    Before the first token the SDK's own timeout applies (reasoning models may think
    for minutes); after it, ``idle_timeout`` seconds of silence end the stream.
    """
    iterator = aiter(events)
    try:
        while True:
            limit = idle_timeout if started() else None
            try:
                # asyncio.timeout, not wait_for: wait_for wraps every chunk in a new
                # task, which costs more than the rest of the chunk's handling.
                async with asyncio.timeout(limit):
                    event = await anext(iterator)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise ProviderError(
                    ErrorInfo(
                        f"The stream stalled: nothing arrived for {idle_timeout:g} s",
                        "The server or a proxy stopped sending. The text so far is kept; "
                        "press ctrl+r to ask again.",
                    )
                ) from None
            yield event
    finally:
        close = getattr(iterator, "aclose", None)
        if close is not None:
            with contextlib.suppress(Exception):
                await close()


@dataclass(frozen=True, slots=True)
class Earlier:
    """What a reply had before a "continue" turn added to it."""

    status: MessageStatus
    usage: Usage | None
    cost: Decimal | None
    timing: Timing | None

    def merge_into(self, reply: Message) -> None:
        """Add the earlier usage, cost and time to this request's (already on ``reply``)."""
        new_usage, new_cost = reply.usage, reply.cost
        if self.usage is not None and new_usage is not None:
            reply.usage = self.usage + new_usage
        elif new_usage is None:
            reply.usage = self.usage
        if new_usage is None:
            reply.cost = self.cost
        elif self.usage is not None:
            both = self.cost is not None and new_cost is not None
            reply.cost = (self.cost or Decimal(0)) + (new_cost or Decimal(0)) if both else None
        if self.timing is not None and reply.timing is not None:
            reply.timing = Timing(
                self.timing.first_token_s, self.timing.total_s + reply.timing.total_s
            )


def failed_status(parts: list[str], kept: int, earlier: Earlier | None) -> MessageStatus:
    """How a reply that failed ends: a continued reply that got nothing new keeps its old
    status (its text is as good as before); otherwise interrupted if it has text."""
    if earlier is not None and len(parts) == kept:
        return earlier.status
    return MessageStatus.INTERRUPTED if parts else MessageStatus.ERROR


def log_outcome(conversation_id: str, model: str, reply: Message) -> None:
    """One line per reply: how it ended, timings, token counts; never the text."""
    timing = reply.timing
    usage = reply.usage
    error = reply.error
    log.info(
        "turn ended: conversation=%s model=%s status=%s first_token_s=%s total_s=%s "
        "prompt_tokens=%s completion_tokens=%s estimated=%s chars=%d%s",
        conversation_id,
        model,
        reply.status.value,
        None if timing is None or timing.first_token_s is None else f"{timing.first_token_s:.3f}",
        None if timing is None else f"{timing.total_s:.3f}",
        None if usage is None else usage.prompt_tokens,
        None if usage is None else usage.completion_tokens,
        None if usage is None else usage.estimated,
        len(reply.content),
        ""
        if error is None
        else f" error_status={error.status} request_id={error.request_id} "
        f"error={error.title.split(':')[0]!r}",
    )
