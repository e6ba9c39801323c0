"""The reasoning side of one reply's stream: reasoning fields and a leading ``<think>``
block both become the reply's :class:`~gpt_tui.core.domain.reasoning.Reasoning`, streamed
to the UI as reasoning deltas, and never part of the answer's text."""

from __future__ import annotations

from collections.abc import Callable

from gpt_tui.core.domain.reasoning import Reasoning, ThinkSplitter
from gpt_tui.core.providers.base import ReasoningDelta, TextDelta
from gpt_tui.core.service.streaming import DeltaBatcher


class ReasoningStream:
    """Takes a reply's reasoning out of its stream and times it.

    ``earlier``: the reasoning a continued reply already had; new reasoning is added to it.
    """

    def __init__(
        self, batcher: DeltaBatcher, timer: Callable[[], float], earlier: Reasoning | None
    ) -> None:
        self._batcher = batcher
        self._timer = timer
        self._earlier = earlier
        self._splitter = ThinkSplitter()
        self._parts: list[str] = []
        self._began: float | None = None
        self._ended: float | None = None

    @property
    def started(self) -> bool:
        """Whether any reasoning has arrived."""
        return self._began is not None

    def take(self, event: TextDelta | ReasoningDelta) -> str:
        """The answer text in ``event``; its reasoning is kept and sent on."""
        if isinstance(event, ReasoningDelta):
            self._add(event.text)
            return ""
        reasoning, answer = self._splitter.feed(event.text)
        if reasoning:
            self._add(reasoning)
        if answer and self._began is not None and self._ended is None:
            self._ended = self._timer()
        return answer

    def _add(self, text: str) -> None:
        if self._began is None:
            self._began = self._timer()
        self._parts.append(text)
        self._batcher.add(text)

    def finish(self) -> str:
        """The stream ended: the answer text still held back (a lone ``<thi`` or leading
        whitespace), after sending what reasoning was held back."""
        reasoning, answer = self._splitter.finish()
        if reasoning:
            self._add(reasoning)
        self._batcher.flush()
        return answer

    def result(self) -> Reasoning | None:
        """The reply's reasoning so far (with a continued reply's earlier one)."""
        if self._began is None:
            return self._earlier
        end = self._ended if self._ended is not None else self._timer()
        text = "".join(self._parts).strip()
        duration = end - self._began
        chunks = len(self._parts)
        earlier = self._earlier
        if earlier is not None:
            text = f"{earlier.text}\n\n{text}" if earlier.text else text
            duration += earlier.duration_s or 0.0
            chunks += earlier.chunks
        return Reasoning(text, duration, chunks)
