"""The loopback OpenAI-compatible server of the tests, with arrival and finish times.

:class:`TimedServer` is :class:`tests.fake_server.FakeOpenAIServer` that also notes when
each request arrived; :class:`TimedReply` is a :class:`~tests.fake_server.ScriptedReply`
that notes when its last content chunk was sent. Both use ``time.monotonic()``, which on
Linux is system-wide, so the times compare with the app process's probe events.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any

from tests.fake_server import FakeOpenAIServer, RecordedRequest, ScriptedReply

CHARS_PER_TOKEN = 4
"""A token is taken as four characters of text, both in the generator and in the chunks."""


@dataclass
class TimedReply(ScriptedReply):
    """A scripted reply that records when its last content chunk was written and flushed."""

    last_chunk_at: float | None = None

    def usage_for(self, completion_tokens: int) -> dict[str, Any] | None:
        """Called by the server right after the last content chunk (before usage and DONE)."""
        if self.last_chunk_at is None:
            self.last_chunk_at = time.monotonic()
        return super().usage_for(completion_tokens)


def reply_of(
    text: str, *, tokens_per_second: float | None = None, tokens_per_chunk: int = 1
) -> TimedReply:
    """A reply streamed one token (4 characters) per SSE chunk, at full speed or paced."""
    delay = 0.0 if tokens_per_second is None else tokens_per_chunk / tokens_per_second
    return TimedReply(text=text, chunk_size=CHARS_PER_TOKEN * tokens_per_chunk, delay=delay)


def reasoning_reply_of(reasoning: str, text: str) -> TimedReply:
    """``reasoning`` as ``reasoning_content`` deltas, then ``text``: one token per chunk."""
    size = CHARS_PER_TOKEN
    deltas = [
        *({"reasoning_content": reasoning[i : i + size]} for i in range(0, len(reasoning), size)),
        *({"content": text[i : i + size]} for i in range(0, len(text), size)),
    ]
    return TimedReply(text=text, deltas=deltas)


class TimedServer(FakeOpenAIServer):
    """A fake OpenAI server that records when each request arrived (see :meth:`arrival`)."""

    def __init__(self, replies: list[ScriptedReply] | None = None) -> None:
        super().__init__(replies)
        self._arrived: dict[int, float] = {}
        """``time.monotonic()`` when each request had been read in full, by ``id(request)``."""

    def _record(self, request: RecordedRequest) -> int:
        self._arrived[id(request)] = time.monotonic()  # before it shows in ``requests``
        return super()._record(request)

    def arrival(self, number: int, timeout: float) -> float:
        """When chat-completions request ``number`` (1-based) arrived, waiting up to ``timeout``.

        Other requests (a model list, say) are not counted.
        """
        deadline = time.monotonic() + timeout
        while True:
            chats = [
                self._arrived[id(request)]
                for request in list(self.requests)
                if request.method == "POST" and request.path.endswith("/chat/completions")
            ]
            if len(chats) >= number:
                return chats[number - 1]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"chat request {number} did not arrive within {timeout} s")
            with contextlib.suppress(TimeoutError):  # wake up at the next request
                self.wait_for_requests(len(self.requests) + 1, min(remaining, 0.05))
