"""The fields of a streamed chunk's ``delta`` beyond ``content``: reasoning, as the servers
that send it name it (``reasoning_content``: DeepSeek, vLLM, llama.cpp; ``reasoning``:
OpenRouter, Ollama's OpenAI API), a structured-output ``refusal``, and the choice's token
probabilities (``logprobs``). Inline ``<think>``
tags are taken out of the content later, by the turn (``core/domain/reasoning.py``), so
every provider gets the same treatment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gpt_tui.core.domain.logprobs import tokens_from_wire
from gpt_tui.core.providers.base import LogprobsDelta, ReasoningDelta, RefusalDelta, StreamEvent

REASONING_KEYS = ("reasoning_content", "reasoning")


def reasoning_text(delta: dict[str, Any]) -> str | None:
    """The reasoning text in one ``delta`` (None when it has none).

    A server that sends both names in one delta carries the same text twice, so the first
    non-empty one is taken.
    """
    for key in REASONING_KEYS:
        value = delta.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def choice_logprobs(choice: dict[str, Any]) -> Iterator[StreamEvent]:
    """The token probabilities a choice carries (``choice.logprobs.content``), if any."""
    logprobs = choice.get("logprobs")
    if isinstance(logprobs, dict):
        tokens = tokens_from_wire(logprobs.get("content"))
        if tokens:
            yield LogprobsDelta(tuple(tokens))


def side_events(delta: dict[str, Any]) -> Iterator[StreamEvent]:
    """The reasoning and refusal in one ``delta``, as stream events (before its content)."""
    thought = reasoning_text(delta)
    if thought is not None:
        yield ReasoningDelta(thought)
    refusal = delta.get("refusal")
    if isinstance(refusal, str) and refusal:
        yield RefusalDelta(refusal)
