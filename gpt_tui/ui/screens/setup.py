"""First-run setup: paste an API key, point at a local server, or try the offline demo."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


@dataclass(frozen=True, slots=True)
class SetupChoice:
    """What the user chose; ``value`` is the key or the URL."""

    kind: Literal["api_key", "base_url", "demo"]
    value: str = ""


class SetupScreen(ModalScreen[SetupChoice]):
    """Shown at first launch when no key is configured, and on F4."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "demo", "Use the demo", tooltip="Close and keep using the demo."),
    ]

    def __init__(self, config_file: str, current: str) -> None:
        super().__init__()
        self._config_file = config_file
        self._current = current

    def compose(self):  # type: ignore[no-untyped-def]
        with Vertical(id="setup-dialog"):
            yield Label("Welcome to gpt-tui", id="setup-title")
            yield Static(Content(self._current), id="setup-current", markup=False)
            yield Label("OpenAI API key", classes="setup-label")
            with Horizontal(classes="setup-row"):
                yield Input(placeholder="sk-…", password=True, id="setup-key")
                yield Button("Save key", id="save-key", variant="primary")
            yield Label(
                "…or the base URL of an OpenAI-compatible server (Ollama, vLLM, LM Studio…)",
                classes="setup-label",
            )
            with Horizontal(classes="setup-row"):
                yield Input(placeholder="http://localhost:11434/v1", id="setup-url")
                yield Button("Use server", id="save-url")
            yield Static(
                Content(
                    f"Saved to {self._config_file} (readable only by you). "
                    "OPENAI_API_KEY and OPENAI_BASE_URL work too. F4 brings you back here."
                ),
                id="setup-note",
                markup=False,
            )
            yield Static("", id="setup-error", markup=False)
            yield Button("Try the offline demo", id="use-demo")

    def on_mount(self) -> None:
        self.query_one("#setup-error").display = False
        self.query_one("#setup-key", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save-key":
            self._submit_key()
        elif event.button.id == "save-url":
            self._submit_url()
        else:
            self.action_demo()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "setup-key":
            self._submit_key()
        else:
            self._submit_url()

    def _submit_key(self) -> None:
        key = self.query_one("#setup-key", Input).value.strip()
        if len(key) < 8 or any(ch.isspace() for ch in key):
            self._error("That does not look like an API key (no spaces, usually 'sk-…').")
            return
        self.dismiss(SetupChoice("api_key", key))

    def _submit_url(self) -> None:
        url = self.query_one("#setup-url", Input).value.strip()
        if not url.startswith(("http://", "https://")):
            self._error(
                "The URL must start with http:// or https:// (e.g. http://localhost:11434/v1)."
            )
            return
        self.dismiss(SetupChoice("base_url", url))

    def _error(self, text: str) -> None:
        error = self.query_one("#setup-error", Static)
        error.update(Content(text))
        error.display = True

    def action_demo(self) -> None:
        self.dismiss(SetupChoice("demo"))
