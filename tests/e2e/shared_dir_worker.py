"""One of two gpt-tui processes sharing a data folder (run by ``test_two_processes``).

``python -m tests.e2e.shared_dir_worker DATA_DIR NAME SHARED_ID COUNT`` waits until
``DATA_DIR/../go`` exists (so both processes start together), then ``COUNT`` times creates
a conversation and sends a prompt in it, and sends a prompt in the shared conversation
``SHARED_ID``, all through the real :class:`ChatService` and :class:`ConversationStore`
(replies come from a scripted provider). It prints the ids of the conversations it made
as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from gpt_tui.core.config.types import ProviderSettings
from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import MessageStatus
from gpt_tui.core.planning.planner import RequestPlanner
from gpt_tui.core.planning.pricing import PriceBook
from gpt_tui.core.planning.tokens import TokenCounter
from gpt_tui.core.providers.base import ChatProvider
from gpt_tui.core.providers.registry import ProviderRegistry
from gpt_tui.core.service.chat import ChatService
from gpt_tui.core.service.connections import Connections
from gpt_tui.core.service.events import TurnEvent, TurnPlan
from gpt_tui.core.store.conversations import ConversationStore
from tests.fakes import RecordingProvider, Script

SETTINGS = ProviderSettings(base_url="http://127.0.0.1:9/v1", api_key="sk-x", key_source="test")


def ignore(event: TurnEvent) -> None:
    """The worker has no screen to tell."""


async def run(root: Path, name: str, shared_id: str, count: int) -> list[str]:
    provider = RecordingProvider([Script([f"{name} ", f"reply {i}"]) for i in range(2 * count)])

    def make(settings: ProviderSettings) -> ChatProvider:
        return provider

    service = ChatService(
        ConversationStore(root),
        Connections(
            ProviderRegistry(SETTINGS, make_provider=make),
            RequestPlanner(TokenCounter(), PriceBook()),
        ),
        default_params=Params(model="gpt-4o-mini"),
    )
    made: list[str] = []
    for i in range(count):
        conversation = service.new_conversation()
        reply = await service.run(conversation, TurnPlan.send(f"{name} own {i}"), ignore)
        assert reply.status is MessageStatus.COMPLETE
        made.append(conversation.id)
        shared = service.open(shared_id)
        reply = await service.run(shared, TurnPlan.send(f"{name} shared {i}"), ignore)
        assert reply.status is MessageStatus.COMPLETE
    return made


def main() -> None:
    root, name, shared_id, count = sys.argv[1:5]
    data_dir = Path(root)
    go = data_dir.parent / "go"
    deadline = time.monotonic() + 30
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    made = asyncio.run(run(data_dir, name, shared_id, int(count)))
    print(json.dumps(made))


if __name__ == "__main__":
    main()
