"""Reading streamed chunks as plain JSON: text and usage out, anything malformed skipped."""

from __future__ import annotations

import asyncio
from typing import Any

from gpt_tui.core.domain.message import Usage
from gpt_tui.core.providers.base import FinishReported, TextDelta, UsageReported
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
        {"choices": [{"delta": {"content": None}, "finish_reason": None}]},
        {"choices": [], "usage": None},
    ]
    for chunk in chunks:
        assert list(_chunk_events(chunk)) == []
    # A null delta with a finish reason gives only the reason.
    last = {"choices": [{"delta": {"content": None}, "finish_reason": "stop"}]}
    assert list(_chunk_events(last)) == [FinishReported("stop")]


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


async def test_the_client_is_built_off_the_event_loop_once(monkeypatch: Any) -> None:
    """Building the client imports the SDK (about a second): never on the UI's loop."""
    import threading

    from gpt_tui.core.config.types import ProviderSettings
    from gpt_tui.core.providers.openai_client import OpenAIProvider

    settings = ProviderSettings(base_url="http://127.0.0.1:9/v1", api_key="sk-x", key_source="test")
    provider = OpenAIProvider(settings)
    built_in: list[threading.Thread] = []
    sentinel = object()

    def make_client() -> object:
        built_in.append(threading.current_thread())
        return sentinel

    monkeypatch.setattr(provider, "_make_client", make_client)
    clients = await asyncio.gather(*(provider._get_client() for _ in range(3)))  # pyright: ignore[reportPrivateUsage]
    assert clients == [sentinel] * 3
    assert len(built_in) == 1
    assert built_in[0] is not threading.main_thread()
