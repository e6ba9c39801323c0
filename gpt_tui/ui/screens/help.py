"""F1: the keys of the focused area and the global ones, as they are mapped right now."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

from gpt_tui.ui.keymap import key_of


@dataclass(frozen=True, slots=True)
class HelpRow:
    """One binding as the help screen shows it."""

    area: str
    key: str
    description: str
    tooltip: str


def help_rows(screen: Screen[object]) -> list[HelpRow]:
    """The bindings active on ``screen`` now (focused widget first, then screen and app)."""
    app = screen.app
    rows: list[HelpRow] = []
    seen: set[tuple[str, str]] = set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not (binding.description or binding.tooltip):
            continue
        node = active.node
        if isinstance(node, App):
            area = "everywhere"
        elif isinstance(node, Screen):
            area = "chat screen"
        else:
            area = f"here ({type(node).__name__})"
        identity = (area, binding.action)
        if identity in seen:
            continue
        seen.add(identity)
        rows.append(
            HelpRow(
                area=area,
                key=app.get_key_display(binding) if binding.key == key else key,
                description=binding.description or binding.action,
                tooltip=binding.tooltip or "",
            )
        )
    order = {"chat screen": 1, "everywhere": 2}
    rows.sort(key=lambda row: order.get(row.area, 0))
    return rows


def intro(app: App[Any]) -> str:
    """The paragraph above the table, naming the keys as they are mapped now."""
    key = partial(key_of, app)
    return (
        f"{key('prompt.send')} sends, {key('prompt.newline')} adds a line, "
        f"{key('chat.stop')} stops a reply. {key('app.commands')} searches every "
        f"command, {key('chat.search')} every message of every chat. Keys can be remapped in "
        "config.toml under [keymap] by their id. "
        f"In the chat (Tab, or click a message): {key('message.next', last=True)}/"
        f"{key('message.previous', last=True)} move between messages, {key('message.edit')} "
        f"edits, {key('message.regenerate')} regenerates, ← → switch branches. Drag with the "
        "mouse to select text in a message; ctrl+c copies it."
    )


class HelpScreen(ModalScreen[None]):
    """A table of keys; Esc, F1 or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close", tooltip="Close the help.", id="help.close"),
    ]

    def __init__(self, rows: list[HelpRow]) -> None:
        super().__init__()
        self._rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Label("Keys", id="help-title")
            yield Static(Content(intro(self.app)), id="help-intro", markup=False)
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("where", "key", "action", "what it does")
        for row in self._rows:
            table.add_row(
                Content(row.area), Content(row.key), Content(row.description), Content(row.tooltip)
            )
        table.focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
