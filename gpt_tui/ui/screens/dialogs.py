"""Small modal dialogs: ask for a line of text, confirm an action, or pick one of a few
answers."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from gpt_tui.core.domain.text import printable


class AskText(ModalScreen[str | None]):
    """One line of text; Enter accepts, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without changes.", id="dialog.cancel")
    ]

    def __init__(self, question: str, value: str) -> None:
        super().__init__(classes="dialog")
        self._question = question
        self._value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(Content(self._question), classes="dialog-question", markup=False)
            yield Input(self._value, id="dialog-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """A yes/no question; y or Enter on "Yes" confirms, n or Esc declines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "No", tooltip="Keep it.", id="dialog.no"),
        Binding("y", "answer(True)", "Yes", tooltip="Go ahead.", id="dialog.yes"),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__(classes="dialog")
        self._question = question
        self._yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(Content(self._question), classes="dialog-question", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(_literal(f"{self._yes} (y)"), id="yes", variant="error")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class Choose(ModalScreen[str]):
    """A question with a few answers, each a button with its own key; Esc answers
    ``"cancel"``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer('cancel')", "Cancel", tooltip="Go back.", id="dialog.cancel"),
    ]

    def __init__(self, question: str, answers: tuple[tuple[str, str, str], ...]) -> None:
        """``answers``: (value, button label, key) of each, the first one focused."""
        super().__init__(classes="dialog")
        self._question = question
        self._answers = answers

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(Content(self._question), classes="dialog-question", markup=False)
            with Horizontal(classes="dialog-buttons"):
                for index, (_value, label, key) in enumerate(self._answers):
                    # By position: a value (a model name like "llama3.2:3b") is no valid id.
                    yield Button(_literal(f"{label} ({key})"), id=f"answer-{index}")

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    def on_key(self, event: events.Key) -> None:
        for value, _label, key in self._answers:
            if event.key == key:
                event.stop()
                self.dismiss(value)
                return

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        position = (event.button.id or "").removeprefix("answer-")
        self.dismiss(self._answers[int(position)][0] if position.isdigit() else "cancel")

    def action_answer(self, value: str) -> None:
        self.dismiss(value)


def _literal(label: str) -> Content:
    """A button label shown as written: a str label would be parsed as markup, and answers
    may be model names a server sent."""
    return Content(printable(label))
