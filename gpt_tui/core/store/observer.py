"""The listener the conversation store tells of its saves and removals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from gpt_tui.core.domain.conversation import Conversation


class StoreObserver(Protocol):
    """Told of every full save and every removal (the search index keeps itself current
    this way, whoever writes: the app, an import, an undo)."""

    def update(self, conversation: Conversation) -> None: ...

    def remove(self, conversation_id: str) -> None: ...

    def update_many(self, conversations: Sequence[Conversation]) -> None: ...
