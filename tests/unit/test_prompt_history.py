"""The prompt's history comes from every saved conversation, newest first, once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import Message
from gpt_tui.core.service.search import SearchService
from gpt_tui.core.store.datadir import DataDir

START = datetime(2026, 3, 1, tzinfo=UTC)


def _conversation(*prompts: tuple[int, str]) -> Conversation:
    conversation = Conversation(params=Params(model="m"), created_at=START, updated_at=START)
    for minute, text in prompts:
        at = START + timedelta(minutes=minute)
        conversation.append(Message(role="user", content=text, created_at=at))
        conversation.append(Message(role="assistant", content=f"re {text}", created_at=at))
    return conversation


def test_recent_prompts_of_every_conversation_newest_first_once_each(tmp_path: Path) -> None:
    data = DataDir.open(tmp_path)
    data.store.save(_conversation((1, "one"), (5, "five"), (7, "again")))
    data.store.save(_conversation((3, "three"), (6, "again"), (9, "nine")))
    search = SearchService(data.store, data.search_index)
    assert search.recent_prompts() == ["nine", "again", "five", "three", "one"]
    assert search.recent_prompts(2) == ["nine", "again"]
    assert SearchService(data.store, None).recent_prompts() == []
    data.close()
