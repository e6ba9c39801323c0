"""What a reply carries beside its answer: its reasoning, shown above the answer, and the
verdict on a structured (JSON) reply, shown under it.

While the model thinks, the reasoning streams in under a line with a clock ("thinking…
3.1 s"). Once the answer starts (or the reply ends) it folds to one line ("▸ Thought for
4.2 s · 412 tokens"); ``t`` on the highlighted reply, or a click on that line, unfolds it.
The text is the model's: rendered as Markdown like the answer, never as markup.
"""

from __future__ import annotations

import time

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer

from gpt_tui.core.domain.message import Message, MessageStatus
from gpt_tui.core.domain.reasoning import Reasoning
from gpt_tui.core.domain.structured import pretty_json
from gpt_tui.core.domain.text import printable
from gpt_tui.ui.widgets.live_text import LiveText
from gpt_tui.ui.widgets.received import Received
from gpt_tui.ui.widgets.reply_body import ReplyBody

TICK_S = 0.1
"""How often the thinking clock is redrawn."""


class ReasoningView(Vertical):
    """The reasoning section of one reply: a summary line and the reasoning's text."""

    DEFAULT_CSS = """
    ReasoningView {
        height: auto;
        margin: 0 0 1 0;
    }
    ReasoningView > .reasoning-summary {
        color: $text-muted;
        text-style: italic;
    }
    ReasoningView > .reasoning-body {
        height: auto;
        padding: 0 0 0 1;
        border-left: outer $foreground 20%;
        color: $text-muted;
        background: transparent;
    }
    ReasoningView.-folded > .reasoning-body {
        display: none;
    }
    """

    def __init__(
        self, reasoning: Reasoning | None, *, thinking: bool, reasoning_tokens: int = 0
    ) -> None:
        super().__init__(classes="reasoning")
        self._reasoning = reasoning
        self._tokens = reasoning_tokens
        self._thinking = thinking
        self._began = time.monotonic()
        self._clock: Timer | None = None
        self._received = Received(len(reasoning.text) if reasoning is not None else 0)
        self.set_class(not thinking, "-folded")

    def compose(self) -> ComposeResult:
        text = self._reasoning.text if self._reasoning is not None else ""
        yield LiveText(classes="reasoning-summary")
        yield ReplyBody(printable(text), classes="reasoning-body")

    def on_mount(self) -> None:
        self._show_summary()
        if self._thinking:
            self._clock = self.set_interval(TICK_S, self._show_summary)

    @property
    def thinking(self) -> bool:
        """Whether the reasoning is still streaming (before the answer)."""
        return self._thinking

    @property
    def folded(self) -> bool:
        return self.has_class("-folded")

    async def append(self, text: str, start: int) -> None:
        """More streamed reasoning that begins at ``start`` (a part already shown is skipped)."""
        new = self._received.new_part(text, start)
        if not new:
            return
        await self.query_one(ReplyBody).append(printable(new))

    async def stop_thinking(self, reasoning: Reasoning | None = None, tokens: int = 0) -> None:
        """The answer began or the reply ended: fold, and show the final figures if known."""
        if reasoning is not None:
            self._reasoning = reasoning
        self._tokens = tokens or self._tokens
        if self._thinking:
            self._thinking = False
            self.add_class("-folded")
            await self.query_one(ReplyBody).finish()
        if self._clock is not None:
            self._clock.stop()
            self._clock = None
        self._show_summary()

    def toggle(self) -> None:
        """Fold or unfold the reasoning's text."""
        self.toggle_class("-folded")
        self._show_summary()

    def on_click(self, event: events.Click) -> None:
        if event.widget is not None and event.widget.has_class("reasoning-summary"):
            self.toggle()

    def _show_summary(self) -> None:
        if self._thinking:
            text = f"◌ thinking… {time.monotonic() - self._began:.1f} s"
        else:
            reasoning = self._reasoning or Reasoning("")
            arrow = "▸" if self.folded else "▾"
            text = f"{arrow} {reasoning.summary(self._tokens)}"
        self.query_one(".reasoning-summary", LiveText).set_content(Content(text))


def structured_view(message: Message, text: str) -> str:
    """What a reply's body shows: a finished JSON reply (one with a structured check)
    indented in a fenced block; anything else as it is. Copies keep the text as sent."""
    if message.structured is None or message.status is MessageStatus.STREAMING:
        return text
    pretty = pretty_json(text)
    return text if pretty is None else f"```json\n{pretty}\n```\n"


def structured_lines(message: Message) -> list[str]:
    """The status lines of a structured reply: the model's refusal, and the check."""
    lines: list[str] = []
    if message.refusal:
        lines.append(f"⊘ The model refused: {message.refusal}")
    if message.structured is not None:
        lines.append(message.structured.line())
    return lines
