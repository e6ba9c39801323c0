"""The reasoning side of one reply's stream: reasoning fields and a leading ``<think>``
block both become the reply's :class:`~gpt_tui.core.domain.reasoning.Reasoning`, streamed
to the UI as reasoning deltas, and never part of the answer's text."""

from __future__ import annotations

from collections.abc import Callable

from gpt_tui.core.domain.reasoning import Reasoning, ThinkSplitter
from gpt_tui.core.providers.base import ReasoningDelta, TextDelta
from gpt_tui.core.service.streaming import DeltaBatcher


class ReasoningStream:
    """Sorts a reply's streamed text into answer and reasoning, and times the reasoning.

    The answer goes to ``parts`` (the reply's text so far) and ``answer``; the reasoning to
    ``batcher`` (reasoning deltas). ``earlier``: the reasoning a continued reply already
    had; new reasoning is added to it.
    """

    def __init__(
        self,
        parts: list[str],
        answer: DeltaBatcher,
        batcher: DeltaBatcher,
        timer: Callable[[], float],
        earlier: Reasoning | None,
    ) -> None:
        self._parts_out = parts
        self._answer = answer
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

    def take(self, event: TextDelta | ReasoningDelta) -> None:
        """Add the answer and the reasoning in ``event`` where each goes."""
        if isinstance(event, ReasoningDelta):
            self._add(event.text)
            return
        reasoning, answer = self._splitter.feed(event.text)
        if reasoning:
            self._add(reasoning)
        if answer:
            self._add_answer(answer)

    def _add_answer(self, text: str) -> None:
        if self._began is not None and self._ended is None:
            self._ended = self._timer()
        self._parts_out.append(text)
        self._answer.add(text)

    def _add(self, text: str) -> None:
        if self._began is None:
            self._began = self._timer()
        self._parts.append(text)
        self._batcher.add(text)

    def finish(self) -> Reasoning | None:
        """The stream ended: add what was held back (an unclosed ``<think>``'s end, a lone
        ``<thi`` or leading whitespace), send everything, and give the reasoning."""
        reasoning, answer = self._splitter.finish()
        if reasoning:
            self._add(reasoning)
        if answer:
            self._add_answer(answer)
        self._batcher.flush()
        self._answer.flush()
        return self.result()

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
