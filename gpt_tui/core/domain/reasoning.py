"""A reply's reasoning: the text a model thinks before it answers, kept apart from the answer.

Servers send it three ways: ``delta.reasoning_content`` (DeepSeek, vLLM, llama.cpp),
``delta.reasoning`` (OpenRouter, Ollama's OpenAI API), or inline as ``<think>…</think>`` at
the start of the content (raw local models). :class:`ThinkSplitter` takes the third out of
streamed content however the tags are cut across chunks, so the answer (what is copied,
exported, searched and sent back) never holds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from gpt_tui.core.domain.schema import as_dict, opt

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"

_State = Literal["start", "think", "gap", "answer"]


class ThinkSplitter:
    """Splits streamed content into (reasoning, answer) pieces.

    Only a ``<think>`` at the very start of the content (after whitespace) opens
    reasoning; the same tag later in an answer is the answer's text. Text that could still
    be the start of a tag is held back until the next chunk tells (at most a tag's length),
    and :meth:`finish` gives back whatever is held when the stream ends. Whitespace between
    ``</think>`` and the answer is dropped. Content with no tag passes through unchanged.
    """

    __slots__ = ("_buffer", "_state")

    def __init__(self) -> None:
        self._state: _State = "start"
        self._buffer = ""

    @property
    def in_answer(self) -> bool:
        """Whether the content is now answer text (after the reasoning, or without any)."""
        return self._state in ("answer", "gap")

    def feed(self, text: str) -> tuple[str, str]:
        """The reasoning and the answer text in one more chunk of content."""
        if self._state == "answer":
            return "", text
        buffer = self._buffer + text
        self._buffer = ""
        if self._state == "start":
            stripped = buffer.lstrip()
            if not stripped or (OPEN_TAG.startswith(stripped) and stripped != OPEN_TAG):
                self._buffer = buffer  # whitespace or a part of "<think>": wait and see
                return "", ""
            if not stripped.startswith(OPEN_TAG):
                self._state = "answer"
                return "", buffer
            self._state = "think"
            buffer = stripped[len(OPEN_TAG) :]
        if self._state == "think":
            end = buffer.find(CLOSE_TAG)
            if end < 0:
                keep = _partial_suffix(buffer, CLOSE_TAG)
                self._buffer = buffer[len(buffer) - keep :] if keep else ""
                return buffer[: len(buffer) - keep], ""
            reasoning, buffer = buffer[:end], buffer[end + len(CLOSE_TAG) :]
            self._state = "gap"
            return reasoning, self._after_gap(buffer)
        return "", self._after_gap(buffer)

    def _after_gap(self, text: str) -> str:
        answer = text.lstrip()
        if answer:
            self._state = "answer"
        return answer

    def finish(self) -> tuple[str, str]:
        """What is still held when the stream ends: an unclosed ``<think>`` is all
        reasoning; a lone ``<thi`` or whitespace at the start is the answer."""
        held, self._buffer = self._buffer, ""
        if self._state == "think":
            return held, ""
        if self._state == "start":
            return "", held
        return "", ""


def _partial_suffix(text: str, tag: str) -> int:
    """The length of the longest end of ``text`` that begins ``tag`` (0 if none)."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:size]):
            return size
    return 0


def split_think(content: str) -> tuple[str, str]:
    """A whole content's reasoning and answer (see :class:`ThinkSplitter`)."""
    splitter = ThinkSplitter()
    reasoning, answer = splitter.feed(content)
    more_reasoning, more_answer = splitter.finish()
    return reasoning + more_reasoning, answer + more_answer


@dataclass(frozen=True, slots=True)
class Reasoning:
    """What a model thought before answering, saved with the reply.

    It is shown and exported but not sent back in later requests (see the README's
    "Reasoning" section for what each server expects).
    """

    text: str
    duration_s: float | None = None
    """From the first reasoning token to the first answer token (or the end)."""
    chunks: int = 0
    """Stream chunks of reasoning received: about its tokens, when usage does not say."""

    def summary(self, reasoning_tokens: int = 0) -> str:
        """One line for the folded section: "Thought for 4.2 s · 412 tokens".

        ``reasoning_tokens``: the server's count from usage, preferred to the chunks.
        """
        parts = ["Thought" if self.duration_s is None else f"Thought for {self.duration_s:.1f} s"]
        if reasoning_tokens:
            parts.append(f"{reasoning_tokens:,} tokens")
        elif self.chunks:
            parts.append(f"≈{self.chunks:,} tokens")
        return " · ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text}
        if self.duration_s is not None:
            data["duration_s"] = self.duration_s
        if self.chunks:
            data["chunks"] = self.chunks
        return data

    @classmethod
    def from_dict(cls, raw: object, where: str = "reasoning") -> Reasoning:
        data = as_dict(raw, where)
        duration = opt(data, "duration_s", (int, float), where)
        return cls(
            text=opt(data, "text", str, where) or "",
            duration_s=None if duration is None else float(duration),
            chunks=opt(data, "chunks", int, where) or 0,
        )
