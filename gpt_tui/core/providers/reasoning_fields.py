"""The reasoning fields of a streamed chunk's ``delta``, as the servers that send them name
them: ``reasoning_content`` (DeepSeek, vLLM, llama.cpp) and ``reasoning`` (OpenRouter,
Ollama's OpenAI API). Inline ``<think>`` tags are taken out of the content later, by the
turn (``core/domain/reasoning.py``), so every provider gets the same treatment."""

from __future__ import annotations

from typing import Any

REASONING_KEYS = ("reasoning_content", "reasoning")


def reasoning_text(delta: dict[str, Any]) -> str | None:
    """The reasoning text in one ``delta`` (None when it has none).

    OpenRouter sends ``reasoning`` as text; a server that sends both names in one delta
    carries the same text twice, so the first non-empty one is taken.
    """
    for key in REASONING_KEYS:
        value = delta.get(key)
        if isinstance(value, str) and value:
            return value
    return None
