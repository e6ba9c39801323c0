"""The chat service: what a turn saves, when, and how it ends."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from gpt_tui.core.config.model_choice import choose_default_model
from gpt_tui.core.config.types import Defaults, ProviderSettings, Settings, TitleSettings
from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import ErrorInfo, MessageStatus, Usage
from gpt_tui.core.planning.planner import RequestPlanner
from gpt_tui.core.planning.pricing import PriceBook
from gpt_tui.core.planning.tokens import TokenCounter
from gpt_tui.core.providers.base import ChatProvider
from gpt_tui.core.providers.registry import ProviderRegistry
from gpt_tui.core.service.chat import ChatService
from gpt_tui.core.service.connections import Connections
from gpt_tui.core.service.events import (
    ReplyDelta,
    ReplyFinished,
    TurnEvent,
    TurnPlan,
    TurnRefused,
    TurnStarted,
)
from gpt_tui.core.service.services import Services, build_services
from gpt_tui.core.store.conversations import ConversationStore
from gpt_tui.core.store.ledger import UsageLedger
from tests.fakes import FrozenClock, RecordingProvider, Script

CONFIGURED = ProviderSettings(base_url="http://127.0.0.1:9/v1", api_key="sk-x", key_source="test")


def make_service(
    root: Path,
    provider: RecordingProvider,
    *,
    save_interval: float = 1.0,
    ledger: UsageLedger | None = None,
    titles: TitleSettings | None = None,
) -> ChatService:
    return make_services(
        root, provider, save_interval=save_interval, ledger=ledger, titles=titles
    ).chat


def make_services(
    root: Path,
    provider: RecordingProvider,
    *,
    save_interval: float = 1.0,
    ledger: UsageLedger | None = None,
    titles: TitleSettings | None = None,
    prices: PriceBook | None = None,
) -> Services:
    """Every service over ``root``, with ``provider`` answering every request."""

    def make(settings: ProviderSettings) -> ChatProvider:
        return provider

    return build_services(
        ConversationStore(root),
        ProviderRegistry(CONFIGURED, make_provider=make),
        RequestPlanner(TokenCounter(), prices or PriceBook()),
        default_params=Params(model="gpt-4o-mini"),
        save_interval=save_interval,
        ledger=ledger,
        now=FrozenClock(),
        titles=titles,
    )


def saved_messages(root: Path) -> list[dict[str, object]]:
    [path] = list((root / "conversations").glob("*.json"))
    messages = json.loads(path.read_text(encoding="utf-8"))["messages"]
    assert isinstance(messages, list)
    return messages


async def test_turn_events_and_final_state(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["Hel", "lo"], usage=Usage(7, 2, cached_tokens=3))])
    service = make_service(tmp_path, provider)
    conversation = service.new_conversation()
    events: list[TurnEvent] = []
    reply = await service.run(conversation, TurnPlan.send("Hi there"), events.append)
    assert [type(e) for e in events] == [TurnStarted, ReplyDelta, ReplyDelta, ReplyFinished]
    assert reply.content == "Hello"
    assert reply.status is MessageStatus.COMPLETE
    assert reply.usage == Usage(7, 2, cached_tokens=3)
    assert conversation.title == "Hi there"
    assert service.list_conversations()[0].id == conversation.id
    assert saved_messages(tmp_path)[1]["usage"] == reply.usage.to_dict()


async def test_prompt_is_saved_before_the_request_goes_out(tmp_path: Path) -> None:
    gate = asyncio.Event()
    provider = RecordingProvider([Script(["partial"], gate=gate)])
    service = make_service(tmp_path, provider, save_interval=0.0)
    conversation = service.new_conversation()
    task = asyncio.create_task(service.run(conversation, TurnPlan.send("keep me"), lambda e: None))
    for _ in range(50):
        await asyncio.sleep(0)
        if provider.requests:
            break
    messages = saved_messages(tmp_path)
    assert messages[0]["content"] == "keep me"
    assert messages[1]["status"] == "streaming"
    # With save_interval 0 the growing reply is saved as it arrives.
    for _ in range(50):
        await asyncio.sleep(0)
        if saved_messages(tmp_path)[1]["content"] == "partial":
            break
    assert saved_messages(tmp_path)[1]["content"] == "partial"
    gate.set()
    await task


async def test_cancel_marks_stopped_and_keeps_text(tmp_path: Path) -> None:
    gate = asyncio.Event()
    service = make_service(tmp_path, RecordingProvider([Script(["so far", "never"], gate=gate)]))
    conversation = service.new_conversation()
    events: list[TurnEvent] = []
    task = asyncio.create_task(service.run(conversation, TurnPlan.send("go"), events.append))
    while not any(isinstance(e, ReplyDelta) for e in events):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert isinstance(events[-1], ReplyFinished)
    assert events[-1].reply.status is MessageStatus.STOPPED
    assert saved_messages(tmp_path)[1] | {"id": None, "created_at": None} == {
        **saved_messages(tmp_path)[1],
        "id": None,
        "created_at": None,
        "content": "so far",
        "status": "stopped",
    }
    assert not service.is_streaming(conversation.id)


async def test_failure_keeps_prompt_and_retry_does_not_duplicate_it(tmp_path: Path) -> None:
    failure = ErrorInfo("boom", "try again")
    provider = RecordingProvider(
        [Script(["half"], fail_with=failure, fail_after=1), Script(["whole"])]
    )
    service = make_service(tmp_path, provider)
    conversation = service.new_conversation()
    first = await service.run(conversation, TurnPlan.send("question"), lambda e: None)
    assert first.status is MessageStatus.INTERRUPTED
    assert first.content == "half"
    assert first.error == failure
    assert service.can_retry(conversation)
    second = await service.run(conversation, TurnPlan.retry(), lambda e: None)
    assert second.content == "whole"
    assert [m.role for m in conversation.messages] == ["user", "assistant", "assistant"]
    # The interrupted reply stays visible but is not sent back to the model.
    assert provider.requests[1].messages == [{"role": "user", "content": "question"}]
    assert not service.can_retry(conversation)
    with pytest.raises(TurnRefused):
        await service.run(conversation, TurnPlan.retry(), lambda e: None)


async def test_retry_after_a_failure_replaces_the_failed_box(tmp_path: Path) -> None:
    denied = ErrorInfo("The server rejected the API key (HTTP 401)", status=401)
    provider = RecordingProvider(
        [Script([], fail_with=denied), Script([], fail_with=denied), Script(["fine"])]
    )
    service = make_service(tmp_path, provider)
    conversation = service.new_conversation()
    first = await service.run(conversation, TurnPlan.send("question"), lambda e: None)
    assert first.status is MessageStatus.ERROR
    events: list[TurnEvent] = []
    await service.run(conversation, TurnPlan.retry(), events.append)
    assert [(m.role, m.status) for m in conversation.messages] == [
        ("user", MessageStatus.COMPLETE),
        ("assistant", MessageStatus.ERROR),
    ]
    assert first.id not in conversation.tree
    assert isinstance(events[0], TurnStarted) and events[0].kind == "retry"
    reply = await service.run(conversation, TurnPlan.retry(), lambda e: None)
    assert [m.content for m in conversation.messages] == ["question", "fine"]
    assert reply.status is MessageStatus.COMPLETE
    assert len(conversation.tree) == 2
    assert [m["content"] for m in saved_messages(tmp_path)] == ["question", "fine"]


async def test_a_failed_prompt_is_not_sent_with_the_next_one(tmp_path: Path) -> None:
    too_long = ErrorInfo("The request is too long for the model's context window", status=400)
    provider = RecordingProvider([Script([], fail_with=too_long), Script(["ok"])])
    service = make_service(tmp_path, provider)
    conversation = service.new_conversation()
    await service.run(conversation, TurnPlan.send("huge paste"), lambda e: None)
    await service.run(conversation, TurnPlan.send("short question"), lambda e: None)
    assert provider.requests[1].messages == [{"role": "user", "content": "short question"}]
    # Still shown: the failed prompt and its error stay in the conversation.
    assert [m.content for m in conversation.messages][:1] == ["huge paste"]


async def test_reopening_after_a_crash_marks_streaming_reply_interrupted(tmp_path: Path) -> None:
    gate = asyncio.Event()
    provider = RecordingProvider([Script(["cut here"], gate=gate)])
    service = make_service(tmp_path, provider, save_interval=0.0)
    conversation = service.new_conversation()
    task = asyncio.create_task(service.run(conversation, TurnPlan.send("q"), lambda e: None))
    while not provider.requests:
        await asyncio.sleep(0)
    while saved_messages(tmp_path)[-1]["content"] != "cut here":
        await asyncio.sleep(0)
    # A second process reads what is on disk as a kill -9 left it: a copy of the folder,
    # whose turn lock no live process holds (in the same folder the reply is live).
    after_kill = tmp_path.parent / f"{tmp_path.name}-after-kill"
    shutil.copytree(tmp_path, after_kill)
    fresh = make_service(after_kill, RecordingProvider())
    reopened = fresh.open(conversation.id)
    assert reopened.messages[-1].status is MessageStatus.INTERRUPTED
    assert reopened.messages[-1].content == "cut here"
    assert fresh.can_retry(reopened)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_params_update_is_saved_only_for_saved_conversations(tmp_path: Path) -> None:
    service = make_service(tmp_path, RecordingProvider())
    blank = service.new_conversation()
    service.update_params(blank, blank.params.with_changes(temperature=0.5))
    assert not (tmp_path / "conversations").exists()
    await service.run(blank, TurnPlan.send("hi"), lambda e: None)
    service.update_params(blank, blank.params.with_changes(top_p=0.5))
    reopened = make_service(tmp_path, RecordingProvider()).open(blank.id)
    assert reopened.params.temperature == 0.5
    assert reopened.params.top_p == 0.5


def test_default_model_choice() -> None:
    def settings(model: str | None, configured: bool) -> Settings:
        provider = ProviderSettings(
            base_url=None, api_key="sk-x" if configured else None, key_source="t"
        )
        return Settings(model=model, provider=provider, defaults=Defaults(), config_file=Path())

    assert choose_default_model("m", settings("c", True)) == "m"
    assert choose_default_model(None, settings("c", False)) == "c"
    assert choose_default_model(None, settings(None, True)) == "gpt-4o-mini"
    assert choose_default_model(None, settings(None, False)) == "demo"


async def test_fast_streams_reach_the_ui_as_few_events_with_nothing_lost(tmp_path: Path) -> None:
    pieces = [f"t{i} " for i in range(3000)]
    service = make_service(tmp_path, RecordingProvider([Script(pieces)]))
    conversation = service.new_conversation()
    events: list[TurnEvent] = []
    reply = await service.run(conversation, TurnPlan.send("go"), events.append)
    deltas = [e for e in events if isinstance(e, ReplyDelta)]
    assert "".join(d.text for d in deltas) == "".join(pieces) == reply.content
    assert sum(d.chunks for d in deltas) == 3000
    assert deltas[0].chunks == 1  # the first token is shown at once
    assert len(deltas) < 100  # merged: about one event per frame, not one per chunk
    starts = [sum(len(d.text) for d in deltas[:i]) for i in range(len(deltas))]
    assert [d.start for d in deltas] == starts  # each says where its text goes
    assert isinstance(events[-1], ReplyFinished)  # and every delta came before the end


def test_secrets_cover_every_profile(tmp_path: Path) -> None:
    from gpt_tui.core.config.loading import load_settings

    config = tmp_path / "config.toml"
    config.write_text(
        '[profiles.a]\nkind = "compatible"\nbase_url = "http://127.0.0.1:9/v1"\n'
        'api_key = "sk-aaaaaaaaaaaaaaaa"\n'
        '[profiles.b]\nkind = "compatible"\nbase_url = "http://127.0.0.1:8/v1"\n'
        'api_key = "sk-bbbbbbbbbbbbbbbb"\nheaders = { "X-Token" = "hdr-secret-value" }\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    settings, problems = load_settings(config, {})
    assert problems == []
    connections = Connections(
        ProviderRegistry.from_settings(settings), RequestPlanner(TokenCounter(), PriceBook())
    )
    assert set(connections.secrets()) == {
        "sk-aaaaaaaaaaaaaaaa",
        "sk-bbbbbbbbbbbbbbbb",
        "hdr-secret-value",
    }
