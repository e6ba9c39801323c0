"""Comparing: one prompt, several columns of parameters, replies streamed at once and kept
as alternatives of the prompt, each labelled with what made it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gpt_tui.core.config.compare import column_line
from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.presets import Preset
from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.labels import settings_label
from gpt_tui.core.domain.message import ErrorInfo, Message, MessageStatus, Timing, Usage
from gpt_tui.core.params.extra import ExtraParams
from gpt_tui.core.service.compare import start_columns, summarize
from gpt_tui.core.service.events import ReplyFinished, TurnEvent, TurnPlan, TurnRefused
from gpt_tui.core.store.conversations import ConversationStore
from tests.fakes import RecordingProvider, Script
from tests.unit.test_branch_turns import make_services


def ignore(event: TurnEvent) -> None:
    """Events are not under test here."""


def columns() -> list[Params]:
    return [
        Params(model="gpt-4o-mini", temperature=0.2),
        Params(model="gpt-4.1-mini", temperature=1.2),
    ]


async def test_one_prompt_two_columns_stream_at_once_as_labelled_alternatives(
    tmp_path: Path,
) -> None:
    gate = asyncio.Event()
    usage = Usage(prompt_tokens=10, completion_tokens=2)
    provider = RecordingProvider(
        [
            Script(["ok"]),
            Script(["a", "b"], usage=usage, gate=gate),
            Script(["x", "y"], usage=usage),
        ]
    )
    services = make_services(tmp_path, provider)
    chat = services.chat
    conversation = chat.new_conversation()
    earlier = await chat.run(conversation, TurnPlan.send("earlier"), ignore)
    assert earlier.usage is not None
    first_tokens = earlier.usage.prompt_tokens + earlier.usage.completion_tokens
    comparison = chat.begin_compare(conversation, "same prompt", columns(), ignore)
    assert chat.is_streaming(conversation.id)
    first = asyncio.create_task(chat.stream_column(comparison, 0, ignore))
    second = asyncio.create_task(chat.stream_column(comparison, 1, ignore))
    await second  # the second finishes while the first still waits: they run at once
    assert not first.done() and chat.is_streaming(conversation.id)
    gate.set()
    await first
    assert not chat.is_streaming(conversation.id)
    # Both requests carried the history, each with its own parameters.
    requests = provider.requests[1:]
    assert [r.model for r in requests] == ["gpt-4o-mini", "gpt-4.1-mini"]
    assert [r.temperature for r in requests] == [0.2, 1.2]
    for request in requests:
        assert [m["content"] for m in request.messages][-3:] == ["earlier", "ok", "same prompt"]
    # One prompt, two replies beside each other, labelled.
    replies = comparison.replies
    assert [r.content for r in replies] == ["ab", "xy"]
    assert [r.label for r in replies] == [
        "gpt-4o-mini · temperature 0.2",
        "gpt-4.1-mini · temperature 1.2",
    ]
    assert conversation.tree.siblings(replies[0].id) == replies
    assert comparison.prompt_id is not None
    assert conversation.tree.get(comparison.prompt_id).content == "same prompt"  # type: ignore[union-attr]
    # Keeping the first: it is the answer, the second stays as its alternative.
    chat.select_message(conversation, replies[0].id)
    assert conversation.messages[-1].id == replies[0].id
    # Saved with the labels; both replies counted in the day's totals.
    saved = ConversationStore(tmp_path).load(conversation.id)
    assert [m.label for m in saved.tree.siblings(replies[0].id)] == [r.label for r in replies]
    assert saved.messages[-1].id == replies[0].id
    assert services.usage.all_time_totals().tokens == 12 + 12 + first_tokens


async def test_an_error_in_one_column_leaves_the_other_going(tmp_path: Path) -> None:
    failure = ErrorInfo("Rate limited (429)", "Wait and retry.", status=429)
    provider = RecordingProvider([Script(["a"], fail_with=failure), Script(["fine"])])
    chat = make_services(tmp_path, provider).chat
    conversation = chat.new_conversation()
    comparison = chat.begin_compare(conversation, "q", columns(), ignore)
    events: list[TurnEvent] = []
    results = await asyncio.gather(
        chat.stream_column(comparison, 0, events.append),
        chat.stream_column(comparison, 1, events.append),
    )
    assert [r.status for r in results] == [MessageStatus.ERROR, MessageStatus.COMPLETE]
    assert results[0].error == failure and results[1].content == "fine"
    assert sum(isinstance(e, ReplyFinished) for e in events) == 2


async def test_a_stopped_column_stops_alone(tmp_path: Path) -> None:
    gate = asyncio.Event()
    provider = RecordingProvider([Script(["a", "b"], gate=gate), Script(["x"])])
    chat = make_services(tmp_path, provider).chat
    conversation = chat.new_conversation()
    comparison = chat.begin_compare(conversation, "q", columns(), ignore)
    first = asyncio.create_task(chat.stream_column(comparison, 0, ignore))
    second = asyncio.create_task(chat.stream_column(comparison, 1, ignore))
    await asyncio.sleep(0.05)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await second
    assert [r.status for r in comparison.replies] == [
        MessageStatus.STOPPED,
        MessageStatus.COMPLETE,
    ]
    assert not chat.is_streaming(conversation.id)


async def test_compare_is_refused_with_one_column_or_while_streaming(tmp_path: Path) -> None:
    chat = make_services(tmp_path, RecordingProvider()).chat
    conversation = chat.new_conversation()
    with pytest.raises(TurnRefused):
        chat.begin_compare(conversation, "q", columns()[:1], ignore)
    comparison = chat.begin_compare(conversation, "q", columns(), ignore)
    with pytest.raises(TurnRefused):
        chat.begin_compare(conversation, "again", columns(), ignore)
    await asyncio.gather(*(chat.stream_column(comparison, i, ignore) for i in range(2)))
    assert len(conversation.tree) == 3


async def test_a_regenerated_reply_is_labelled_too(tmp_path: Path) -> None:
    chat = make_services(tmp_path, RecordingProvider()).chat
    conversation: Conversation = chat.new_conversation()
    conversation.params = Params(model="gpt-4o-mini", temperature=0.7)
    first = await chat.run(conversation, TurnPlan.send("q"), ignore)
    again = await chat.run(conversation, TurnPlan.regenerate(first.id), ignore)
    assert first.label is None
    assert again.label == "gpt-4o-mini · temperature 0.7"


def test_labels_name_the_model_each_set_setting_and_the_profile() -> None:
    params = Params(
        model="m",
        temperature=0.2,
        max_tokens=100,
        system_prompt="long instructions",
        profile="work",
        extra=ExtraParams(seed=3, reasoning_effort="low"),
    )
    assert settings_label(params) == (
        "m · temperature 0.2 · max_tokens 100 · seed 3 · reasoning effort low · @work"
    )
    assert settings_label(Params(model="m")) == "m"


def test_a_label_is_saved_only_when_set() -> None:
    plain = Message(role="assistant", content="x")
    assert "label" not in plain.to_dict()
    labelled = Message(role="assistant", content="x", label="m · temperature 1")
    assert Message.from_dict(labelled.to_dict()).label == "m · temperature 1"
    assert Message.from_dict({**plain.to_dict(), "label": 5}).label is None


def test_columns_start_from_the_config_over_the_conversation() -> None:
    params = Params(model="gpt-4o", temperature=0.5, system_prompt="be brief")
    assert start_columns(params, (), params) == [params, params]
    configured = (Preset("1", {"temperature": 0.2}), Preset("2", {"model": "gpt-4.1-mini"}))
    one, two = start_columns(params, configured, params)
    assert (one.model, one.temperature, one.system_prompt) == ("gpt-4o", 0.2, "be brief")
    assert (two.model, two.temperature) == ("gpt-4.1-mini", 0.5)


def test_the_summary_names_the_fastest_and_the_cheapest() -> None:
    def reply(tokens: int, seconds: float, cost: str) -> Message:
        from decimal import Decimal

        return Message(
            role="assistant",
            content="x",
            usage=Usage(prompt_tokens=5, completion_tokens=tokens),
            timing=Timing(0.5, 0.5 + seconds),
            cost=Decimal(cost),
        )

    summary = summarize([reply(100, 2.0, "0.002"), reply(100, 1.0, "0.010")])
    assert (summary.fastest, summary.cheapest) == (1, 0)
    assert summary.text(["a", "b"]) == "fastest: 2 (b) · cheapest: 1 (a)"


def test_config_columns_are_checked_with_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'model = "gpt-4o-mini"\n\n'
        "[[compare.columns]]\n"
        "temperature = 0.2\n\n"
        "[[compare.columns]]\n"
        'model = "gpt-4.1-mini"\n'
        "temperature = 7\n",
        encoding="utf-8",
    )
    settings, problems = load_settings(config, {})
    assert [dict(c.values) for c in settings.compare.columns] == [
        {"temperature": 0.2},
        {"model": "gpt-4.1-mini"},
    ]
    [problem] = problems
    assert (problem.line, problem.key) == (8, "compare.columns[2].temperature")
    assert "from 0 to 2" in problem.message
    assert column_line(config.read_text(), 0, "temperature") == 4


def test_replies_too_short_to_time_are_ranked_by_when_they_were_whole() -> None:
    quick = Message("assistant", "hi", timing=Timing(0.01, 0.02), usage=Usage(1, 2))
    slow = Message("assistant", "hi", timing=Timing(3.0, 3.01), usage=Usage(1, 2))
    summary = summarize([slow, quick])
    assert summary.fastest == 1
    assert summary.text(["a", "b"]) == "fastest: 2 (b)"
