"""Monthly budgets before a send: past 80 % a warning once; a send that may take the
month past 100 % is asked about first and goes out only on yes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from gpt_tui.ui.screens.dialogs import Confirm

if TYPE_CHECKING:
    from gpt_tui.core.service.events import TurnPlan
    from gpt_tui.ui.screens.chat import ChatScreen


class BudgetGate:
    """Asks :meth:`BudgetService.check_turn` before each turn the chat screen starts."""

    def __init__(self, screen: ChatScreen) -> None:
        self._screen = screen
        self._budget = screen.services.budget
        self._approved = False
        """The user said yes to the question: the next turn goes out unasked."""

    def may_send(self, plan: TurnPlan, send: Callable[[], None]) -> bool:
        """Whether ``plan`` may go out now; when it may pass a budget, asks first and calls
        ``send`` on yes (returns False meanwhile: nothing is sent)."""
        if self._approved:
            self._approved = False
            return True
        screen = self._screen
        verdict = self._budget.check_turn(screen.services.chat, screen.conversation, plan)
        if verdict.warning is not None:
            screen.notify(verdict.warning, title="Monthly budget", severity="warning", timeout=10)
        if verdict.question is None:
            return True

        def answered(yes: bool | None) -> None:
            if yes:
                self._approved = True
                send()

        screen.app.push_screen(Confirm(verdict.question, "Send anyway"), answered)
        return False
