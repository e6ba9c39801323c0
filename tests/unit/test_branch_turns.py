"""Turns on branches: edit and resend, regenerate, continue, switch and delete."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import pytest

from gpt_tui.core.domain.conversation import Conversation
from gpt_tui.core.domain.message import MessageStatus, Usage
from gpt_tui.core.planning.pricing import PriceBook
from gpt_tui.core.providers.base import ChatRequest, TextDelta
from gpt_tui.core.providers.demo import DemoProvider, demo_reply
from gpt_tui.core.service.chat import ChatService
from gpt_tui.core.service.events import (
    ReplyDelta,
    TurnEvent,
    TurnPlan,
    TurnRefused,
    TurnStarted,
)
from gpt_tui.core.service.services import Services
from gpt_tui.core.store.conversations import ConversationStore
from gpt_tui.core.store.ledger import UsageLedger
from tests.fakes import RecordingProvider, Script
from tests.unit.test_chat_service import make_services as make_all


def make_services(root: Path, provider: RecordingProvider) -> Services:
    """The services with prices loaded and totals kept (costs are under test here)."""
    prices = PriceBook()
    prices.load()
    ledger = UsageLedger(root / "totals.json")
    return make_all(root, provider, ledger=ledger, prices=prices)


def make_service(root: Path, provider: RecordingProvider) -> ChatService:
    return make_services(root, provider).chat


def sent(request: ChatRequest) -> list[tuple[str, str]]:
    return [(m["role"], m["content"]) for m in request.messages]


def texts(conversation: Conversation) -> list[str]:
    return [m.content for m in conversation.messages]


def ignore(event: TurnEvent) -> None:
    """Events are not under test here."""


async def two_turns(service: ChatService) -> Conversation:
    conversation = service.new_conversation()
    await service.run(conversation, TurnPlan.send("q1"), ignore)
    await service.run(conversation, TurnPlan.send("q2"), ignore)
    return conversation


async def test_edit_forks_and_sends_only_the_new_branch(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["a1"]), Script(["a2"]), Script(["a2 new"])])
    service = make_service(tmp_path, provider)
    conversation = await two_turns(service)
    q2 = conversation.messages[2]
    events: list[TurnEvent] = []
    await service.run(conversation, TurnPlan.edit(q2.id, "q2 edited"), events.append)
    assert sent(provider.requests[-1]) == [
        ("user", "q1"),
        ("assistant", "a1"),
        ("user", "q2 edited"),
    ]
    assert texts(conversation) == ["q1", "a1", "q2 edited", "a2 new"]
    started = events[0]
    assert isinstance(started, TurnStarted) and started.kind == "edit"
    assert started.prompt is not None and started.prompt.content == "q2 edited"
    assert conversation.tree.position(started.prompt.id) == (2, 2)
    # The old branch is kept, with its reply, and is one step back.
    service.switch_branch(conversation, started.prompt.id, -1)
    assert texts(conversation) == ["q1", "a1", "q2", "a2"]
    # The next prompt continues the branch shown, and only it is sent.
    await service.run(conversation, TurnPlan.send("q3"), ignore)
    assert sent(provider.requests[-1]) == [
        ("user", "q1"),
        ("assistant", "a1"),
        ("user", "q2"),
        ("assistant", "a2"),
        ("user", "q3"),
    ]
    reopened = ConversationStore(tmp_path).load(conversation.id)
    assert texts(reopened) == ["q1", "a1", "q2", "a2", "q3", "ok"]
    assert len(reopened.tree) == 8


async def test_editing_the_first_prompt_sends_no_history(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["a1"]), Script(["a2"]), Script(["other"])])
    service = make_service(tmp_path, provider)
    conversation = await two_turns(service)
    first = conversation.messages[0]
    await service.run(conversation, TurnPlan.edit(first.id, "q1 again"), ignore)
    assert sent(provider.requests[-1]) == [("user", "q1 again")]
    assert texts(conversation) == ["q1 again", "other"]
    assert conversation.tree.position(conversation.messages[0].id) == (2, 2)


async def test_an_edited_prompt_is_saved_before_the_request_goes_out(tmp_path: Path) -> None:
    gate = asyncio.Event()
    provider = RecordingProvider([Script(["a1"]), Script(["a2"]), Script(["x"], gate=gate)])
    service = make_service(tmp_path, provider)
    conversation = await two_turns(service)
    plan = TurnPlan.edit(conversation.messages[2].id, "keep this edit")
    task = asyncio.create_task(service.run(conversation, plan, ignore))
    while len(provider.requests) < 3:
        await asyncio.sleep(0)
    saved = json.loads(next((tmp_path / "conversations").glob("*.json")).read_text())
    assert "keep this edit" in [m["content"] for m in saved["messages"]]
    gate.set()
    await task


async def test_regenerate_keeps_both_replies_switchable(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["a1"]), Script(["a2"]), Script(["a2 again"])])
    service = make_service(tmp_path, provider)
    conversation = await two_turns(service)
    old = conversation.messages[-1]
    reply = await service.run(conversation, TurnPlan.regenerate(old.id), ignore)
    assert sent(provider.requests[-1]) == [("user", "q1"), ("assistant", "a1"), ("user", "q2")]
    assert texts(conversation) == ["q1", "a1", "q2", "a2 again"]
    assert conversation.tree.position(reply.id) == (2, 2)
    assert service.switch_branch(conversation, reply.id, -1) is old
    assert texts(conversation) == ["q1", "a1", "q2", "a2"]
    # At either end switching stays put.
    assert service.switch_branch(conversation, old.id, -1) is old


async def test_regenerating_a_middle_reply_forks_there(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["a1"]), Script(["a2"]), Script(["a1 again"])])
    service = make_service(tmp_path, provider)
    conversation = await two_turns(service)
    q1 = conversation.messages[0]
    await service.run(conversation, TurnPlan.regenerate(q1.id), ignore)
    assert sent(provider.requests[-1]) == [("user", "q1")]
    assert texts(conversation) == ["q1", "a1 again"]
    assert len(conversation.tree) == 5


async def test_totals_count_every_branch(tmp_path: Path) -> None:
    provider = RecordingProvider(
        [Script(["a"], usage=Usage(10, 5)), Script(["b"], usage=Usage(20, 5))]
    )
    services = make_services(tmp_path, provider)
    service = services.chat
    conversation = service.new_conversation()
    reply = await service.run(conversation, TurnPlan.send("q"), ignore)
    await service.run(conversation, TurnPlan.regenerate(reply.id), ignore)
    totals = services.usage.conversation_totals(conversation)
    assert totals.tokens == 40
    assert services.usage.all_time_totals().tokens == 40


async def test_continue_appends_to_the_same_reply_and_adds_usage(tmp_path: Path) -> None:
    gate = asyncio.Event()
    provider = RecordingProvider(
        [
            Script(["Once upon ", "never"], gate=gate, usage=Usage(9, 9)),
            Script(["a time."], usage=Usage(12, 3)),
        ]
    )
    services = make_services(tmp_path, provider)
    service = services.chat
    conversation = service.new_conversation()
    task = asyncio.create_task(service.run(conversation, TurnPlan.send("tell a story"), ignore))
    while not service.live_text(conversation.messages[-1].id if conversation.messages else ""):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    reply = conversation.messages[-1]
    assert reply.status is MessageStatus.STOPPED
    stopped_usage = reply.usage
    assert stopped_usage is not None and stopped_usage.estimated
    stopped_cost = reply.cost
    assert stopped_cost is not None
    events: list[TurnEvent] = []
    result = await service.run(conversation, TurnPlan.continue_reply(reply.id), events.append)
    assert result is reply
    assert sent(provider.requests[-1]) == [
        ("user", "tell a story"),
        ("assistant", "Once upon "),
    ]
    assert result.content == "Once upon a time."
    assert result.status is MessageStatus.COMPLETE
    assert [m.id for m in conversation.messages] == [conversation.messages[0].id, reply.id]
    assert isinstance(events[0], TurnStarted) and events[0].kind == "continue"
    [delta] = [e for e in events if isinstance(e, ReplyDelta)]
    assert (delta.text, delta.start) == ("a time.", len("Once upon "))  # after the kept text
    assert reply.usage is not None
    assert reply.usage.prompt_tokens == stopped_usage.prompt_tokens + 12
    assert reply.usage.completion_tokens == stopped_usage.completion_tokens + 3
    assert reply.cost is not None and reply.cost > stopped_cost
    assert services.usage.all_time_totals().tokens == stopped_usage.total_tokens + 15
    assert ConversationStore(tmp_path).load(conversation.id).messages[-1].content == (
        "Once upon a time."
    )


async def test_a_continue_that_fails_before_new_text_keeps_the_reply_as_it_was(
    tmp_path: Path,
) -> None:
    from gpt_tui.core.domain.message import ErrorInfo

    provider = RecordingProvider(
        [Script(["partial"]), Script(["x"], fail_with=ErrorInfo("boom"), fail_after=0)]
    )
    service = make_service(tmp_path, provider)
    conversation = service.new_conversation()
    reply = await service.run(conversation, TurnPlan.send("q"), ignore)
    await service.run(conversation, TurnPlan.continue_reply(reply.id), ignore)
    assert reply.content == "partial"
    assert reply.status is MessageStatus.COMPLETE
    assert reply.error is not None and reply.error.title == "boom"


async def test_the_demo_model_continues_its_own_reply(tmp_path: Path) -> None:
    full = demo_reply("show me code")
    request = ChatRequest(
        model="demo",
        messages=[
            {"role": "user", "content": "show me code"},
            {"role": "assistant", "content": full[:50]},
        ],
    )
    pieces = [
        e.text async for e in DemoProvider(delay=0).stream(request) if isinstance(e, TextDelta)
    ]
    assert full[:50] + "".join(pieces) == full


async def test_refusals_say_why(tmp_path: Path) -> None:
    gate = asyncio.Event()
    provider = RecordingProvider([Script(["a1"]), Script(["a2"]), Script(["x", "y"], gate=gate)])
    service = make_service(tmp_path, provider)
    conversation = await two_turns(service)
    _q1, a1, q2, a2 = conversation.messages
    assert "Only your own" in (service.refusal(conversation, TurnPlan.edit(a1.id, "x")) or "")
    assert "last reply" in (service.refusal(conversation, TurnPlan.continue_reply(a1.id)) or "")
    assert "no longer" in (service.refusal(conversation, TurnPlan.regenerate("gone")) or "")
    assert service.refusal(conversation, TurnPlan.continue_reply(a2.id)) is None
    task = asyncio.create_task(service.run(conversation, TurnPlan.send("q3"), ignore))
    while not service.is_streaming(conversation.id) or len(provider.requests) < 3:
        await asyncio.sleep(0)
    with pytest.raises(TurnRefused, match="streaming"):
        service.delete_message(conversation, q2.id)
    with pytest.raises(TurnRefused, match="streaming"):
        service.switch_branch(conversation, q2.id, 1)
    with pytest.raises(TurnRefused, match="streaming"):
        await service.run(conversation, TurnPlan.regenerate(a2.id), ignore)
    gate.set()
    await task


async def test_delete_takes_a_prompt_with_its_replies_and_what_followed(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["a1"]), Script(["a2"]), Script(["a2b"])])
    service = make_service(tmp_path, provider)
    conversation = await two_turns(service)
    q2 = conversation.messages[2]
    await service.run(conversation, TurnPlan.regenerate(q2.id), ignore)
    removed = service.delete_message(conversation, q2.id)
    assert [m.content for m in removed] == ["q2", "a2", "a2b"]
    assert texts(conversation) == ["q1", "a1"]
    assert texts(ConversationStore(tmp_path).load(conversation.id)) == ["q1", "a1"]
    assert service.list_conversations()[0].message_count == 2


async def test_deleting_one_reply_shows_the_other_alternative(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["a1"]), Script(["a2"]), Script(["a2b"])])
    service = make_service(tmp_path, provider)
    conversation = await two_turns(service)
    await service.run(conversation, TurnPlan.regenerate(conversation.messages[-1].id), ignore)
    service.delete_message(conversation, conversation.messages[-1].id)
    assert texts(conversation) == ["q1", "a1", "q2", "a2"]
    assert conversation.tree.position(conversation.messages[-1].id) == (1, 1)


async def test_the_estimate_while_editing_counts_the_fork(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["a1 " * 50]), Script(["a2 " * 50])])
    service = make_service(tmp_path, provider)
    conversation = await two_turns(service)
    whole = service.estimate(conversation, "draft").request.tokens
    forked = service.estimate(conversation, "draft", editing=conversation.messages[2].id)
    assert forked.request.tokens < whole
    first = service.estimate(conversation, "draft", editing=conversation.messages[0].id)
    assert first.request.tokens < forked.request.tokens


def test_cost_of_a_continued_reply_is_unknown_if_either_part_is() -> None:
    from gpt_tui.core.domain.message import Message
    from gpt_tui.core.service.streaming import Earlier

    reply = Message("assistant", "x", usage=Usage(1, 1), cost=Decimal("0.1"))
    Earlier(MessageStatus.STOPPED, Usage(1, 1), None, None).merge_into(reply)
    assert reply.cost is None
    assert reply.usage == Usage(2, 2)
