"""After a conversation switches profile: is its model one the new profile serves?

A model kept across a switch may not exist on the other server (``tiny-llama`` sent to a
LiteLLM proxy answers HTTP 400). When the profile's models (its ``models`` and what its
server's ``GET /models`` lists) arrive and the conversation's model is not among them,
the user is offered a few of them or to keep it; when that question was dismissed (Esc),
sending asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.widgets import Input

from gpt_tui.ui.screens.dialogs import Choose, Confirm

if TYPE_CHECKING:
    from gpt_tui.ui.screens.chat import ChatScreen

OFFERED = 5
"""Models offered as buttons (1…5); the rest can be typed (→ completes them)."""
KEEP = "keep"


class ModelCheck:
    """Checks the open conversation's model against the profile it was switched to."""

    def __init__(self, screen: ChatScreen) -> None:
        self._screen = screen
        self._offered: dict[str | None, tuple[str, ...]] = {}
        """Model names each profile offers, as last listed."""
        self._switched: dict[str, str | None] = {}
        """Conversations switched to another profile in this session → that profile."""
        self._asked: set[tuple[str | None, str]] = set()
        """(profile, model) pairs the user chose to keep (not asked again)."""

    def switched(self, profile: str | None) -> None:
        """The open conversation now uses ``profile`` (its models are being listed)."""
        self._switched[self._screen.conversation.id] = profile
        self._check()

    def listed(self, profile: str | None, models: list[str]) -> None:
        """``profile``'s models arrived."""
        self._offered[profile] = tuple(models)
        self._check()

    def unserved(self) -> bool:
        """Whether the open conversation was switched to a profile that does not offer
        its model (False while the profile's models are unknown)."""
        conversation = self._screen.conversation
        params = conversation.params
        if self._switched.get(conversation.id, "-") != params.profile:
            return False
        offered = self._offered.get(params.profile)
        return bool(offered) and params.model not in (offered or ())

    def may_send(self, send: Callable[[], None]) -> bool:
        """True to send now; otherwise the user is asked and ``send`` runs on "yes"."""
        params = self._screen.conversation.params
        if not self.unserved() or (params.profile, params.model) in self._asked:
            return True

        def answered(yes: bool | None) -> None:
            if yes:
                self._asked.add((params.profile, params.model))
                send()

        self._screen.app.push_screen(Confirm(self._question(), yes="Send anyway"), answered)
        return False

    def _question(self) -> str:
        params = self._screen.conversation.params
        return (
            f"The profile '{params.profile or 'default'}' does not list the model "
            f"'{params.model}' (neither in its models nor in its server's /models); "
            "the server will probably refuse it."
        )

    def _check(self) -> None:
        params = self._screen.conversation.params
        if not self.unserved() or (params.profile, params.model) in self._asked:
            return
        models = self._offered.get(params.profile, ())[:OFFERED]
        answers = tuple((m, m, str(i)) for i, m in enumerate(models, start=1))
        question = f"{self._question()} Choose one it offers, or keep '{params.model}':"
        self._screen.app.push_screen(
            Choose(question, (*answers, (KEEP, "Keep it", "k"))), self._chosen
        )

    def _chosen(self, answer: str | None) -> None:
        params = self._screen.conversation.params
        if answer == KEEP:  # chosen: not asked again, not even before sending
            self._asked.add((params.profile, params.model))
        if answer in (None, "cancel", KEEP):
            return
        self._screen.query_one("#param-model", Input).value = answer
