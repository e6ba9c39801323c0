"""Small UI state kept across launches: the last conversation, unsent drafts, the theme,
whether setup was dismissed (``state.json`` in the data folder)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import cast

from gpt_tui.core.store.conversations import ConversationStore, StoreError

log = logging.getLogger(__name__)


class UiState:
    """Reads and updates the UI state; keys other processes wrote meanwhile are kept."""

    def __init__(self, store: ConversationStore) -> None:
        self._store = store

    def get(self, key: str) -> object:
        """The saved value of ``key`` (None when there is none)."""
        return self._store.load_state().get(key)

    def last_conversation_id(self) -> str | None:
        value = self.get("last_conversation_id")
        return value if isinstance(value, str) else None

    def drafts(self) -> dict[str, str]:
        """Unsent prompt text by conversation id."""
        saved = self.get("drafts")
        if not isinstance(saved, dict):
            return {}
        return {str(k): v for k, v in saved.items() if isinstance(v, str) and v}

    def remember(self, **values: object) -> None:
        """Persist small UI state (last conversation, setup dismissed…)."""
        try:
            self._store.update_state(lambda state: state.update(values))
        except StoreError:
            log.warning("could not save UI state", exc_info=True)

    def remember_drafts(self, drafts: Mapping[str, str], keep: int) -> None:
        """Persist unsent drafts by conversation id (an empty text forgets one), keeping
        the ``keep`` newest. Only these ids change, so drafts another process saved stay."""

        def change(state: dict[str, object]) -> None:
            saved = state.get("drafts")
            merged = dict(cast(dict[str, str], saved)) if isinstance(saved, dict) else {}
            for conversation_id, text in drafts.items():
                merged.pop(conversation_id, None)
                if text.strip():
                    merged[conversation_id] = text
            state["drafts"] = dict(list(merged.items())[-keep:])

        try:
            self._store.update_state(change)
        except StoreError:
            log.warning("could not save drafts", exc_info=True)
