"""The token probabilities of one reply, as the Playground shows them: every token shaded
by how likely the model found it, and for the token under the cursor the most likely
alternatives with their probabilities.

| Key | Action |
| :- | :- |
| left, h / right, l | The previous / next token. |
| up, k / down, j | The token a line above / below (about 60 tokens). |
| home / end | The first / last token. |
| escape, q | Close. |
"""

from __future__ import annotations

import math
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from gpt_tui.core.domain.logprobs import TokenLogprob
from gpt_tui.core.domain.message import Message
from gpt_tui.core.domain.text import printable

SHADES: tuple[tuple[float, str], ...] = (
    (0.9, ""),
    (0.7, "on #3d4a1f"),
    (0.5, "on #5c521a"),
    (0.3, "on #6e3d1a"),
    (0.0, "on #7d2020"),
)
"""Background by probability: likely tokens plain, unlikely ones warmer (lowest bound first
that the probability reaches)."""
ROW_STEP = 60
"""Tokens moved by up/down: about a line of text."""
NO_PROBABILITIES = (
    "This reply has no token probabilities: turn on 'token probabilities' in the panel's "
    "Advanced section (logprobs) and ask again."
)


def shade(probability: float) -> str:
    """The background style for a token of this probability."""
    for bound, style in SHADES:
        if probability >= bound:
            return style
    return SHADES[-1][1]


def show_token(token: str) -> str:
    """A token as shown: line breaks visible as ⏎ (and kept), nothing interpreted."""
    return printable(token.replace("\n", "⏎\n"))


def percent(logprob: float) -> str:
    probability = math.exp(logprob) * 100
    return f"{probability:.2f} %" if probability < 99.995 else "100 %"


class LogprobsScreen(ModalScreen[None]):
    """The probability view of one reply's tokens."""

    DEFAULT_CSS = """
    LogprobsScreen {
        align: center middle;
    }
    LogprobsScreen > #logprobs-box {
        width: 90%;
        height: 85%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    LogprobsScreen #logprobs-text {
        height: 1fr;
    }
    LogprobsScreen #logprobs-legend, LogprobsScreen #logprobs-hint {
        color: $text-muted;
    }
    LogprobsScreen #logprobs-alternatives {
        height: auto;
        max-height: 12;
        border-top: solid $foreground 20%;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left,h",
            "move(-1)",
            "Previous",
            show=False,
            tooltip="The previous token.",
            id="logprobs.previous",
        ),
        Binding(
            "right,l", "move(1)", "Next", show=False, tooltip="The next token.", id="logprobs.next"
        ),
        Binding(
            "up,k",
            f"move({-ROW_STEP})",
            "Up",
            show=False,
            tooltip="About a line of tokens back.",
            id="logprobs.up",
        ),
        Binding(
            "down,j",
            f"move({ROW_STEP})",
            "Down",
            show=False,
            tooltip="About a line of tokens on.",
            id="logprobs.down",
        ),
        Binding(
            "home", "jump(0)", "First", show=False, tooltip="The first token.", id="logprobs.first"
        ),
        Binding(
            "end", "jump(-1)", "Last", show=False, tooltip="The last token.", id="logprobs.last"
        ),
        Binding(
            "escape,q",
            "dismiss",
            "Close",
            tooltip="Close the probability view.",
            id="logprobs.close",
        ),
    ]

    def __init__(self, tokens: list[TokenLogprob], title: str) -> None:
        super().__init__()
        self._tokens = tokens
        self._title = title
        self.cursor = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="logprobs-box") as box:
            box.border_title = Content(printable(self._title))
            yield Static(self._legend(), id="logprobs-legend", markup=False)
            with VerticalScroll(id="logprobs-text"):
                yield Static("", id="logprobs-tokens", markup=False)
            yield Static("", id="logprobs-alternatives", markup=False)
            yield Static(
                "← → token · ↑ ↓ line · Home/End · Esc close", id="logprobs-hint", markup=False
            )

    def on_mount(self) -> None:
        self._show()

    def _legend(self) -> Content:
        parts: list[tuple[str, str] | str] = ["probability: "]
        labels = ("≥ 90 %", "70–90 %", "50–70 %", "30–50 %", "< 30 %")
        for (_bound, style), label in zip(SHADES, labels, strict=True):
            parts += [(f" {label} ", style), " "]
        return Content.assemble(*parts)

    def action_move(self, step: int) -> None:
        self.cursor = max(0, min(len(self._tokens) - 1, self.cursor + step))
        self._show()

    def action_jump(self, index: int) -> None:
        self.cursor = index % len(self._tokens) if self._tokens else 0
        self._show()

    def _show(self) -> None:
        parts: list[tuple[str, str]] = []
        for index, token in enumerate(self._tokens):
            style = shade(token.probability)
            if index == self.cursor:
                style = "reverse bold"
            parts.append((show_token(token.token), style))
        self.query_one("#logprobs-tokens", Static).update(Content.assemble(*parts))
        self.query_one("#logprobs-alternatives", Static).update(self._alternatives())

    def _alternatives(self) -> Content:
        if not self._tokens:
            return Content("")
        token = self._tokens[self.cursor]
        lines = [
            f"token {self.cursor + 1:,} of {len(self._tokens):,}: "
            f"{show_token(token.token)!r}  {percent(token.logprob)}"
        ]
        if token.top:
            width = max(len(repr(show_token(t))) for t, _ in token.top)
            for alt, logprob in token.top:
                mark = "▸" if alt == token.token else " "
                bar = "█" * max(1, round(math.exp(logprob) * 20))
                lines.append(f" {mark} {show_token(alt)!r:<{width}}  {percent(logprob):>8}  {bar}")
        else:
            lines.append("   (no alternatives: set 'top alternatives' (top_logprobs) in the panel)")
        return Content("\n".join(lines))


def open_probabilities(app: App[object], message: Message | None) -> None:
    """Show ``message``'s token probabilities, or say why there are none."""
    if message is None or message.role != "assistant":
        app.notify("Highlight a reply first (↑ ↓ in the chat).", severity="warning")
    elif not message.logprobs:
        app.notify(NO_PROBABILITIES, title="Token probabilities", severity="information")
    else:
        model = message.model or "assistant"
        title = f"Token probabilities · {model} · {len(message.logprobs):,} tokens"
        app.push_screen(LogprobsScreen(message.logprobs, title))
