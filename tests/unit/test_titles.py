"""Titles written by the model after the first reply (``[titles] generate = true``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.types import TitleSettings
from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import ErrorInfo, Message, Usage
from gpt_tui.core.service.chat import ChatService
from gpt_tui.core.service.events import TitleChanged, TurnEvent, TurnPlan
from gpt_tui.core.service.services import Services
from gpt_tui.core.service.titles import (
    TITLE_INSTRUCTIONS,
    clean_title,
    title_params,
    wants_title,
)
from gpt_tui.core.store.conversations import ConversationStore
from gpt_tui.core.store.ledger import UsageLedger
from tests.fakes import RecordingProvider, Script
from tests.unit.test_chat_service import make_services


@pytest.mark.parametrize(
    ("answer", "title"),
    [
        ("Monads in Haskell", "Monads in Haskell"),
        ('"Monads in Haskell."', "Monads in Haskell"),
        ("Title: **Monads in Haskell**\n\nmore text", "Monads in Haskell"),
        ("\n\n  标题：「单子入门」。", "单子入门"),
        ("  ", None),
        ("x" * 200, "x" * 79 + "…"),
    ],
)
def test_clean_title_keeps_only_the_words(answer: str, title: str | None) -> None:
    assert clean_title(answer) == title


def conversation_with(prompt: str, reply: str, title: str | None = None) -> Conversation:
    from gpt_tui.core.domain.conversation import title_from_prompt

    conversation = Conversation(params=Params(model="gpt-4o-mini"))
    conversation.append(Message(role="user", content=prompt))
    conversation.append(Message(role="assistant", content=reply))
    conversation.title = title_from_prompt(prompt) if title is None else title
    return conversation


def test_only_a_first_exchange_with_the_automatic_title_wants_one() -> None:
    assert wants_title(conversation_with("What is a monad?", "A monoid in…"))
    assert not wants_title(conversation_with("What is a monad?", "", None))
    assert not wants_title(conversation_with("What is a monad?", "A…", title="My monads"))
    longer = conversation_with("q1", "a1")
    longer.append(Message(role="user", content="q2"))
    assert not wants_title(longer)


def test_title_requests_leave_out_the_conversations_sampling_settings() -> None:
    params = Params(model="gpt-4o", temperature=1.7, system_prompt="Pirate.", profile="work")
    chat = title_params(params, TitleSettings(generate=True), reasoning=False)
    assert (chat.model, chat.temperature, chat.max_tokens) == ("gpt-4o", None, 30)
    assert (chat.system_prompt, chat.profile) == (TITLE_INSTRUCTIONS, "work")
    reasoning = title_params(params, TitleSettings(True, "o4-mini"), reasoning=True)
    assert (reasoning.model, reasoning.max_tokens) == ("o4-mini", None)


def ignore(event: TurnEvent) -> None:
    """Events are not under test here."""


def services_with(root: Path, provider: RecordingProvider, titles: TitleSettings) -> Services:
    ledger = UsageLedger(root / "totals.json")
    return make_services(root, provider, ledger=ledger, titles=titles)


def service_with(root: Path, provider: RecordingProvider, titles: TitleSettings) -> ChatService:
    return services_with(root, provider, titles).chat


async def test_after_the_first_reply_the_model_names_the_conversation(tmp_path: Path) -> None:
    reply_usage = Usage(prompt_tokens=10, completion_tokens=4)
    title_usage = Usage(prompt_tokens=60, completion_tokens=5)
    provider = RecordingProvider(
        [Script(["A monad is…"], reply_usage), Script(['"Monads', ' explained."'], title_usage)]
    )
    services = services_with(tmp_path, provider, TitleSettings(generate=True))
    service = services.chat
    conversation = service.new_conversation()
    events: list[TurnEvent] = []
    await service.run(
        conversation, TurnPlan.send("What is a monad, in plain words?"), events.append
    )

    assert conversation.title == "Monads explained"
    assert events[-1] == TitleChanged(conversation.id, "Monads explained")
    request = provider.requests[-1]
    assert request.messages[0] == {"role": "system", "content": TITLE_INSTRUCTIONS}
    assert "What is a monad, in plain words?" in str(request.messages[1]["content"])
    reloaded = ConversationStore(tmp_path)
    assert [s.title for s in reloaded.list_summaries()] == ["Monads explained"]
    assert services.usage.all_time_totals().tokens == 14 + 65  # the title request is counted too

    await service.run(conversation, TurnPlan.send("And a functor?"), events.append)
    assert len(provider.requests) == 3  # only the first exchange is named


async def test_no_title_request_unless_enabled(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["A monad is…"])])
    service = service_with(tmp_path, provider, TitleSettings())
    conversation = service.new_conversation()
    await service.run(conversation, TurnPlan.send("What is a monad?"), ignore)
    assert len(provider.requests) == 1
    assert conversation.title == "What is a monad?"


async def test_a_failed_title_request_keeps_the_automatic_title(tmp_path: Path) -> None:
    failure = Script([], fail_with=ErrorInfo("HTTP 429", "slow down"))
    provider = RecordingProvider([Script(["A monad is…"]), failure])
    service = service_with(tmp_path, provider, TitleSettings(generate=True))
    conversation = service.new_conversation()
    events: list[TurnEvent] = []
    await service.run(conversation, TurnPlan.send("What is a monad?"), events.append)
    assert conversation.title == "What is a monad?"
    assert not any(isinstance(e, TitleChanged) for e in events)


async def test_a_rename_during_the_title_request_wins(tmp_path: Path) -> None:
    gate = asyncio.Event()
    provider = RecordingProvider([Script(["A monad is…"]), Script(["Monads", " 101"], gate=gate)])
    service = service_with(tmp_path, provider, TitleSettings(generate=True))
    conversation = service.new_conversation()
    turn = asyncio.create_task(service.run(conversation, TurnPlan.send("What is a monad?"), ignore))
    while len(provider.requests) < 2:
        await asyncio.sleep(0)
    service.rename(conversation, "My monad notes")
    gate.set()
    await turn
    assert conversation.title == "My monad notes"


def test_titles_table_in_config(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[titles]\ngenerate = true\nmodel = "gpt-4o-mini"\n', encoding="utf-8")
    settings, problems = load_settings(path, {})
    assert problems == []
    assert settings.titles == TitleSettings(generate=True, model="gpt-4o-mini")

    path.write_text('[titles]\ngenerate = "yes"\n', encoding="utf-8")
    settings, problems = load_settings(path, {})
    assert settings.titles == TitleSettings()
    [problem] = problems
    assert problem.line == 2
    assert "true or false" in problem.message
