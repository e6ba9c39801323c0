"""One column of compare mode: its parameters in an editable header, its reply, its figures.

The header's fields are parameters of the spec (model, temperature, top_p, max_tokens,
profile), each parsed by its :class:`~gpt_tui.core.params.spec.ParamSpec` when the prompt
is sent, so a column takes exactly what the panel and config.toml take, with the same
wording for a bad value. The reply is a :class:`ReplyBody` (streamed in like the chat's);
the figures line says the time to the first token, tokens per second, prompt and
completion tokens and cost, or how the reply ended.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.widgets import Button, Input, Label, Static

from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import Message, MessageStatus
from gpt_tui.core.domain.text import printable
from gpt_tui.core.params.error import ParamError
from gpt_tui.core.params.fields import params_with
from gpt_tui.core.params.spec import spec_for
from gpt_tui.core.planning.pricing import format_money
from gpt_tui.ui.widgets.received import Received
from gpt_tui.ui.widgets.reply_body import ReplyBody

HEADER_FIELDS: tuple[tuple[str, ...], ...] = (
    ("model", "profile"),
    ("temperature", "top_p", "max_tokens"),
)
"""The parameters a column's header shows, row by row (the rest follow the conversation)."""


def _shown(value: object) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


class CompareColumn(Vertical, can_focus=True):
    """A column: header fields, the reply streaming in, a line of figures.

    | Key | Action |
    | :- | :- |
    | s | Stop this column's reply. |
    """

    class StopPressed(TextualMessage):
        """The user asked to stop this column's reply."""

        def __init__(self, column: CompareColumn) -> None:
            super().__init__()
            self.column = column

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "s",
            "stop",
            "Stop column",
            tooltip="Stop this column's reply; the others go on.",
            id="compare.stop-column",
        ),
    ]

    DEFAULT_CSS: ClassVar[str] = """
    CompareColumn {
        width: 1fr;
        height: 1fr;
        border: round $accent 40%;
        border-title-color: $accent;
        padding: 0 1;
    }
    CompareColumn:focus-within, CompareColumn:focus {
        border: round $accent;
    }
    CompareColumn.-error { border: round $error; }
    CompareColumn .compare-row { height: auto; }
    CompareColumn .compare-row Input { width: 1fr; margin-right: 1; }
    CompareColumn .compare-label { width: auto; color: $text-muted; margin-right: 1; }
    CompareColumn .compare-stop { min-width: 5; width: 5; }
    CompareColumn .compare-reply { height: 1fr; }
    CompareColumn .compare-figures { height: auto; color: $text-muted; }
    CompareColumn.-error .compare-figures { color: $error; }
    """

    def __init__(self, index: int, params: Params) -> None:
        super().__init__(id=f"compare-column-{index + 1}")
        self.index = index
        self.params = params
        self.border_title = f"{index + 1}"
        self.reply: Message | None = None
        self._received = Received()
        """Characters of the reply's text shown so far."""
        self.figures = ""
        """What the figures line says now (also the tab's title when columns are tabs)."""

    def compose(self) -> ComposeResult:
        for row in HEADER_FIELDS:
            with Horizontal(classes="compare-row"):
                for name in row:
                    spec = spec_for(name)
                    owner: Any = self.params.extra if spec.extra else self.params
                    yield Label(spec.label, classes="compare-label")
                    yield Input(
                        _shown(getattr(owner, name)),
                        placeholder="—",
                        tooltip=f"{spec.label}: {spec.placeholder}",
                        id=f"c{self.index + 1}-{name}",
                        compact=True,
                    )
                if row == HEADER_FIELDS[0]:
                    yield Button(
                        "■", classes="compare-stop", tooltip="Stop this column", compact=True
                    )
        with VerticalScroll(classes="compare-reply"):
            yield ReplyBody()
        yield Static("", classes="compare-figures", markup=False)

    def read_params(self) -> Params:
        """The header's values over the column's parameters; raises :class:`ParamError`
        (naming the field) when one is not valid."""
        values: dict[str, Any] = {}
        for row in HEADER_FIELDS:
            for name in row:
                text = self.query_one(f"#c{self.index + 1}-{name}", Input).value
                values[name] = spec_for(name).parse(text.strip())
        if not values.get("model"):
            raise ParamError("model", "must be a model name (got nothing)", expected="a model name")
        return params_with(self.params, values)

    def lock_header(self, locked: bool) -> None:
        """Fields cannot change while the column's reply streams."""
        for field in self.query(Input):
            field.disabled = locked

    async def start(self, reply: Message) -> None:
        """A new reply begins in this column (the previous one is cleared)."""
        self.reply = reply
        self._received = Received()
        body = self.query_one(ReplyBody)
        await body.remove()
        await self.query_one(".compare-reply", VerticalScroll).mount(ReplyBody())
        self.remove_class("-error")
        self.show_figures("waiting for the first token…")
        self.lock_header(True)

    async def write(self, text: str, start: int) -> None:
        """Streamed text (``start``: where it begins in the reply; the body keeps order)."""
        new = self._received.new_part(text, start)
        if not new:
            return
        await self.query_one(ReplyBody).append(printable(new))
        self.query_one(".compare-reply", VerticalScroll).scroll_end(animate=False)

    async def finish(self, reply: Message) -> None:
        """The reply ended: its figures, or how it ended."""
        self.reply = reply
        await self.query_one(ReplyBody).finish()
        self.lock_header(False)
        self.set_class(reply.status is MessageStatus.ERROR, "-error")
        self.show_figures(final_figures(reply))

    def show_figures(self, text: str) -> None:
        self.figures = text
        self.query_one(".compare-figures", Static).update(Content(printable(text)))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.StopPressed(self))

    def action_stop(self) -> None:
        self.post_message(self.StopPressed(self))


def live_figures(first_token_s: float | None, tokens: int, per_second: float | None) -> str:
    """The figures while a reply streams (tokens are counted as chunks: an estimate)."""
    if first_token_s is None:
        return "waiting for the first token…"
    speed = "" if per_second is None else f" · {per_second:.0f} tok/s"
    return f"first token {first_token_s:.2f} s · ≈{tokens:,} tok{speed}"


def final_figures(reply: Message) -> str:
    """How a reply ended: time to first token, speed, tokens, cost; or the error."""
    if reply.error is not None and reply.status is MessageStatus.ERROR:
        return reply.error.title
    parts: list[str] = []
    if reply.status is MessageStatus.STOPPED:
        parts.append("■ stopped")
    elif reply.status is MessageStatus.INTERRUPTED:
        parts.append("⚠ interrupted" + (f": {reply.error.title}" if reply.error else ""))
    timing, usage = reply.timing, reply.usage
    if timing is not None and timing.first_token_s is not None:
        parts.append(f"first token {timing.first_token_s:.2f} s")
    if timing is not None and usage is not None:
        rate = timing.tokens_per_second(usage.completion_tokens)
        if rate is not None:
            parts.append(f"{rate:.0f} tok/s")
    if usage is not None:
        approx = "≈" if usage.estimated else ""
        parts.append(f"{approx}{usage.prompt_tokens:,} → {usage.completion_tokens:,} tok")
        parts.append(format_money(reply.cost))
    return " · ".join(parts)
