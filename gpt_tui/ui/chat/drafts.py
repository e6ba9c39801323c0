"""Unsent prompt text per conversation, kept across switches and restarts.

A draft is saved once typing pauses (a keystroke restarts the wait), on a switch of
conversation and at quit; never on every keystroke.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.timer import Timer

from gpt_tui.core.service.state import UiState

MAX_DRAFTS = 200
"""Drafts kept across restarts (the most recent ones)."""
DRAFT_SAVE_DELAY = 1.0
"""Seconds without a keystroke before the draft is saved (a keystroke restarts the wait, so
the save comes 1 to 2 s after the last key; never a write per keystroke)."""


class Drafts:
    """The drafts of every conversation but the one shown, whose draft is in the input."""

    def __init__(
        self,
        state: UiState,
        set_timer: Callable[[float, Callable[[], None]], Timer],
        shown_draft: Callable[[], str],
    ) -> None:
        """``shown_draft`` reads the shown conversation's draft (from the input)."""
        self._state = state
        self._set_timer = set_timer
        self._shown_draft = shown_draft
        self._drafts: dict[str, str] = {}
        self._unsaved: set[str] = set()
        """Conversations whose draft changed since drafts were last saved."""
        self._timer: Timer | None = None
        self.shown_id: str | None = None
        """The conversation whose draft is in the input."""

    def load(self) -> None:
        """Read the drafts saved by earlier runs."""
        self._drafts = self._state.drafts()

    def switch(self, conversation_id: str, text_now: str) -> str | None:
        """The input is to show ``conversation_id``: keep the draft it held (``text_now``)
        for the conversation shown before, and return the new one's draft to put in it
        (None when the same conversation is shown again). Call :meth:`save` once it is in."""
        if self.shown_id == conversation_id:
            return None
        if self.shown_id is not None:
            if text_now.strip():
                self._drafts[self.shown_id] = text_now
            else:
                self._drafts.pop(self.shown_id, None)
        self.shown_id = conversation_id
        return self._drafts.pop(conversation_id, "")

    def changed(self) -> None:
        """The shown conversation's draft changed: save it once typing pauses."""
        if self.shown_id is None:
            return
        self._unsaved.add(self.shown_id)
        if self._timer is None:
            self._timer = self._set_timer(DRAFT_SAVE_DELAY, self.save)
        else:
            self._timer.reset()

    def save(self) -> None:
        """Persist the drafts changed since the last save."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self._unsaved:
            return
        texts = dict(self._drafts)
        if self.shown_id is not None:
            texts[self.shown_id] = self._shown_draft()
        changes = {cid: texts.get(cid, "") for cid in self._unsaved}
        self._unsaved.clear()
        self._state.remember_drafts(changes, MAX_DRAFTS)
