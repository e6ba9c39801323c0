"""The next request as code: Python (openai SDK) or curl, ready to copy.

Shows what :meth:`~gpt_tui.core.service.chat.ChatService.request_code` built — the exact
body the next send would carry, with the key read from an environment variable.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static, TabbedContent, TabPane

from gpt_tui.core.planning.request_code import RequestCode

LANGUAGES = {"python": "Python", "curl": "curl"}
"""Tab id → tab title."""


class RequestCodeScreen(ModalScreen[None]):
    """The request as Python and as curl in two tabs; ``c`` copies the one shown.

    | key | what it does |
    |---|---|
    | c | copy the code shown |
    | s | switch between Python and curl |
    | Esc | close |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", tooltip="Back to the chat.", id="code.close"),
        Binding(
            "c", "copy", "Copy", tooltip="Copy the code shown to the clipboard.", id="code.copy"
        ),
        Binding("s", "switch", "Python/curl", tooltip="Show the other language.", id="code.switch"),
    ]

    def __init__(self, code: RequestCode, model: str) -> None:
        super().__init__(classes="dialog")
        self.code = code
        self._model = model

    def compose(self) -> ComposeResult:
        key = f"${self.code.key_env}" if self.code.key_env else "no key"
        with Vertical(id="code-box"):
            yield Static(
                Content(
                    f"The next request for {self._model}, as sent by gpt-tui "
                    f"(key read from {key}). c copies · s switches · Esc closes"
                ),
                id="code-title",
                markup=False,
            )
            with TabbedContent(id="code-tabs"):
                for tab_id, title in LANGUAGES.items():
                    with TabPane(title, id=tab_id), VerticalScroll(classes="code-scroll"):
                        yield Static(
                            Content(self.text(tab_id)),
                            id=f"code-{tab_id}",
                            classes="code",
                            markup=False,
                        )

    def text(self, tab_id: str) -> str:
        """The code of one tab ("python" or "curl")."""
        return self.code.python if tab_id == "python" else self.code.curl

    @property
    def shown(self) -> str:
        """The tab shown now."""
        return self.query_one(TabbedContent).active or "python"

    def action_switch(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "curl" if self.shown == "python" else "python"

    def action_copy(self) -> None:
        shown = self.shown
        self.app.copy_to_clipboard(self.text(shown))
        key = f" The key is read from ${self.code.key_env}." if self.code.key_env else ""
        self.notify(
            f"Copied the request as {LANGUAGES[shown]} (via the terminal's OSC 52 clipboard).{key}",
            title="Copied",
        )

    def action_close(self) -> None:
        self.dismiss(None)
