"""Reading streamed chunks as plain JSON: text and usage out, anything malformed skipped."""

from __future__ import annotations

from typing import Any

from gpt_tui.core.models import Usage
from gpt_tui.core.providers.base import TextDelta, UsageReported
from gpt_tui.core.providers.openai_client import _chunk_events  # pyright: ignore[reportPrivateUsage]


def test_text_of_every_choice_and_the_usage() -> None:
    chunk = {
        "choices": [{"delta": {"content": "Hel"}}, {"delta": {"content": "lo"}}],
        "usage": {
            "prompt_tokens": 10,
            "completion_tokens": 2,
            "prompt_tokens_details": {"cached_tokens": 4},
            "completion_tokens_details": {"reasoning_tokens": 1},
        },
    }
    assert list(_chunk_events(chunk)) == [
        UsageReported(
            Usage(prompt_tokens=10, completion_tokens=2, cached_tokens=4, reasoning_tokens=1)
        ),
        TextDelta("Hel"),
        TextDelta("lo"),
    ]


def test_role_only_empty_and_null_deltas_give_nothing() -> None:
    chunks: list[dict[str, Any]] = [
        {"choices": [{"delta": {"role": "assistant"}}]},
        {"choices": [{"delta": {"content": ""}}]},
        {"choices": [{"delta": {"content": None}, "finish_reason": "stop"}]},
        {"choices": [], "usage": None},
    ]
    for chunk in chunks:
        assert list(_chunk_events(chunk)) == []


def test_malformed_chunks_are_skipped_not_raised() -> None:
    for chunk in (
        None,
        "text",
        [1, 2],
        {"choices": "nope"},
        {"choices": [None, 3, {"delta": "x"}, {"delta": {"content": 5}}]},
        {"usage": {"prompt_tokens": "many", "completion_tokens": True}},
    ):
        events = list(_chunk_events(chunk))
        assert all(isinstance(e, UsageReported) for e in events)
    usage = next(iter(_chunk_events({"usage": {"prompt_tokens": "x", "completion_tokens": True}})))
    assert usage == UsageReported(Usage(prompt_tokens=0, completion_tokens=0))
