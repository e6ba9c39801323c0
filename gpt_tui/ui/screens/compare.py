"""Compare mode: one prompt sent to 2–4 columns at once, each with its own model, profile
and parameters, streamed side by side with their figures; then one reply is kept.

Columns start from ``[[compare.columns]]`` in config.toml over the conversation's
parameters (or the conversation's parameters twice), and each header can be edited. Enter
sends the prompt with the conversation's history to every column
(:meth:`ChatService.begin_compare`, then one worker per column: each streams on its own and
can be stopped alone). The text of every column is drawn in one pass per frame
(:class:`~gpt_tui.ui.chat.frames.FrameBatcher`). When all have ended, a line names the
fastest and the cheapest, the focus moves to the columns, and 1–4 keeps that column's reply
as the conversation's answer: the others stay beside it as alternatives (‹ 1/3 ›), each
labelled with its model and settings. Below :data:`NARROW` columns of terminal the columns
are tabs, each tab's title carrying its figures.
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static, Tab, Tabs
from textual.worker import Worker

from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.text import printable
from gpt_tui.core.params.error import ParamError
from gpt_tui.core.service.compare import MAX_COLUMNS, MIN_COLUMNS, labels_for, summarize
from gpt_tui.core.service.events import (
    ReplyDelta,
    ReplyFinished,
    TurnEvent,
    TurnRefused,
)
from gpt_tui.core.service.services import Services
from gpt_tui.ui.chat.frames import FrameBatcher
from gpt_tui.ui.chat.turns import LIVE_REFRESH_S, LiveReply
from gpt_tui.ui.keymap import key_of
from gpt_tui.ui.messages import TurnProgressed
from gpt_tui.ui.screens.dialogs import Confirm
from gpt_tui.ui.widgets.compare_column import CompareColumn, live_figures
from gpt_tui.ui.widgets.prompt_input import PromptInput

COMPARE_TIP = "Send one prompt to 2–4 models or settings side by side, then keep one reply."
"""The compare binding's tooltip (on the chat screen) and the palette's help."""
NARROW = 120
"""Below this many terminal columns, the columns are shown one at a time, as tabs."""


def _keep(number: int) -> Binding:
    return Binding(
        str(number),
        f"keep({number})",
        "Keep 1–4" if number == 1 else f"Keep {number}",
        show=number == 1,
        tooltip=f"Keep column {number}'s reply as the answer; the others stay as alternatives.",
        id=f"compare.keep-{number}",
    )


class CompareScreen(Screen[str | None]):
    """The columns of a comparison over the open conversation; dismissed with the id of the
    reply kept (None: none kept).

    | Key | Action |
    | :- | :- |
    | enter | Send the prompt to every column. |
    | 1–4 | Keep that column's reply (when all have ended). |
    | s | Stop the focused column. |
    | f9 / shift+f9 | Add a column / remove the last. |
    | escape | Stop every column; when none streams, leave compare mode. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "leave",
            "Stop / leave",
            priority=True,
            tooltip="Stop every column; when none streams, leave compare mode.",
            id="compare.leave",
        ),
        *(_keep(number) for number in range(1, MAX_COLUMNS + 1)),
        Binding("f9", "add_column", "Add column", tooltip="Add a column.", id="compare.add"),
        Binding(
            "shift+f9",
            "remove_column",
            "Remove column",
            show=False,
            tooltip="Remove the last column.",
            id="compare.remove",
        ),
    ]

    DEFAULT_CSS: ClassVar[str] = """
    CompareScreen #compare-title { height: 1; padding: 0 1; color: $text-muted; }
    CompareScreen #compare-tabs { display: none; }
    CompareScreen.-narrow #compare-tabs { display: block; }
    CompareScreen #compare-columns { height: 1fr; }
    CompareScreen #compare-summary { height: auto; padding: 0 1; color: $success; }
    CompareScreen #compare-prompt { height: auto; max-height: 8; border: round $primary 60%; }
    """

    def __init__(self, services: Services, conversation: Conversation) -> None:
        super().__init__()
        self.services = services
        self._chat = services.chat
        self.conversation = conversation
        self._start = services.compare.start(conversation.params)
        self._workers: dict[int, Worker[object]] = {}
        self._columns_by_reply: dict[str, CompareColumn] = {}
        self._live: dict[str, LiveReply] = {}
        self._ended = False
        self.frames = FrameBatcher(self)
        self.frames.on_frame(self._on_frame)

    # Layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", id="compare-title", markup=False)
        yield Tabs(id="compare-tabs")
        with Horizontal(id="compare-columns"):
            for index, params in enumerate(self._start):
                yield CompareColumn(index, params)
        yield Static("", id="compare-summary", markup=False)
        yield PromptInput(id="compare-prompt")
        yield Footer()

    async def on_mount(self) -> None:
        app = self.app
        keys = (key_of(app, "prompt.send"), key_of(app, "compare.leave"))
        self.query_one("#compare-title", Static).update(
            Content(
                printable(
                    f"Compare · {keys[0]} sends to every column · 1–4 keep a reply "
                    f"· {keys[1]} stops or leaves"
                )
            )
        )
        await self._sync_tabs()
        self._layout_for(self.size.width)
        self.query_one(PromptInput).focus()

    def on_resize(self) -> None:
        self._layout_for(self.size.width)

    @property
    def columns(self) -> list[CompareColumn]:
        return list(self.query(CompareColumn))

    def _layout_for(self, width: int) -> None:
        """Side by side, or one at a time as tabs on a narrow terminal."""
        narrow = width < NARROW
        self.set_class(narrow, "-narrow")
        active = self.query_one(Tabs).active
        for column in self.columns:
            column.display = not narrow or active == f"tab-{column.index + 1}"

    async def _sync_tabs(self) -> None:
        tabs = self.query_one(Tabs)
        await tabs.clear()
        for column in self.columns:
            await tabs.add_tab(Tab(self._tab_title(column), id=f"tab-{column.index + 1}"))

    def _tab_title(self, column: CompareColumn) -> Content:
        figures = f" · {column.figures}" if column.figures else ""
        return Content(printable(f"{column.index + 1}{figures}"))

    @on(Tabs.TabActivated)
    def _tab_chosen(self, event: Tabs.TabActivated) -> None:
        self._layout_for(self.size.width)

    # Columns -------------------------------------------------------------------------

    async def action_add_column(self) -> None:
        columns = self.columns
        if self._streaming() or len(columns) >= MAX_COLUMNS:
            self.notify(f"Compare shows {MIN_COLUMNS} to {MAX_COLUMNS} columns.")
            return
        await self.query_one("#compare-columns").mount(
            CompareColumn(len(columns), columns[-1].params)
        )
        await self._sync_tabs()
        self._layout_for(self.size.width)

    async def action_remove_column(self) -> None:
        columns = self.columns
        if self._streaming() or len(columns) <= MIN_COLUMNS:
            self.notify(f"Compare shows {MIN_COLUMNS} to {MAX_COLUMNS} columns.")
            return
        await columns[-1].remove()
        await self._sync_tabs()
        self._layout_for(self.size.width)

    # Sending -------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def send(self, event: PromptInput.Submitted) -> None:
        event.stop()
        prompt = event.text
        if not prompt.strip():
            return
        if self._streaming():
            self.notify("The columns are still streaming: wait, or press Esc to stop them.")
            return
        columns = self.columns
        params: list[Params] = []
        for column in columns:
            try:
                params.append(column.read_params())
            except ParamError as exc:
                self.notify(str(exc), title=f"Column {column.index + 1}", severity="error")
                return
        problem = self._chat.store_problem()
        if problem is not None:
            self.notify(problem, title="Not sent", severity="error")
            return
        budget = self.services.budget
        verdict = budget.check_columns(self._chat, self.conversation, prompt, params)
        if verdict.warning is not None:
            self.notify(verdict.warning, title="Monthly budget", severity="warning", timeout=10)
        if verdict.question is not None:

            async def answered(yes: bool | None) -> None:
                if yes:
                    await self._send_columns(prompt, params)

            self.app.push_screen(Confirm(verdict.question, "Send anyway"), answered)
            return
        await self._send_columns(prompt, params)

    async def _send_columns(self, prompt: str, params: list[Params]) -> None:
        """Send ``prompt`` with each column's ``params`` at once, each streaming on its own."""
        columns = self.columns
        try:
            comparison = self._chat.begin_compare(self.conversation, prompt, params, self._post)
        except TurnRefused as exc:
            self.notify(str(exc), title="Not sent", severity="warning")
            return
        self.query_one(PromptInput).text = ""
        self.query_one("#compare-summary", Static).update("")
        self._ended = False
        now = time.monotonic()
        for column, turn in zip(columns, comparison.turns, strict=True):
            column.params = turn.params
            label = turn.reply.label or turn.params.model
            column.border_title = Content(printable(f"{column.index + 1} · {label}"))
            self._columns_by_reply[turn.reply.id] = column
            self._live[turn.reply.id] = LiveReply(started=now)
            await column.start(turn.reply)
        for index in range(len(columns)):
            self._workers[index] = self.run_worker(
                self._chat.stream_column(comparison, index, self._post),
                name=f"compare-{index + 1}",
                group="compare",
                exit_on_error=False,
            )
        await self._sync_tabs()

    def _post(self, event: TurnEvent) -> None:
        self.post_message(TurnProgressed(event))

    def _streaming(self) -> bool:
        return any(worker.is_running for worker in self._workers.values())

    @on(TurnProgressed)
    async def progressed(self, message: TurnProgressed) -> None:
        message.stop()
        event = message.event
        if isinstance(event, ReplyDelta) and event.reasoning:
            return  # a column shows the answer; the reasoning is kept with the reply
        if isinstance(event, ReplyDelta):
            column = self._columns_by_reply.get(event.message_id)
            live = self._live.get(event.message_id)
            if column is None or live is None:
                return
            if live.first_chunk is None:
                live.first_chunk = time.monotonic()
            live.chunks += event.chunks
            await self.frames.add(event.message_id, event.text, event.start, column.write)
        elif isinstance(event, ReplyFinished):
            column = self._columns_by_reply.get(event.reply.id)
            self._live.pop(event.reply.id, None)
            if column is None:
                return
            await self.frames.flush(event.reply.id)
            await column.finish(event.reply)
            self._retitle(column)
            if not self._live:
                self._all_ended()

    def _on_frame(self) -> None:
        """The live figures of each streaming column, a few times a second."""
        now = time.monotonic()
        for reply_id, live in self._live.items():
            column = self._columns_by_reply[reply_id]
            if now - live.drawn < LIVE_REFRESH_S or live.first_chunk is None:
                continue
            live.drawn = now
            first = live.first_chunk - live.started
            column.show_figures(live_figures(first, live.chunks, live.per_second(now)))
            self._retitle(column)

    def _retitle(self, column: CompareColumn) -> None:
        tab = self.query_one(Tabs).query(f"#tab-{column.index + 1}").first(Tab)
        tab.label = self._tab_title(column)

    def _all_ended(self) -> None:
        """Every column ended: the summary line, and the focus on the columns to keep one."""
        self._ended = True
        columns = self.columns
        replies = [c.reply for c in columns if c.reply is not None]
        labels = labels_for([c.params for c in columns])
        summary = summarize(replies).text(labels)
        self.query_one("#compare-summary", Static).update(
            Content(printable(f"{summary} · 1–{len(columns)} keeps that reply"))
        )
        visible = [c for c in columns if c.display]
        if visible:
            visible[0].focus()

    # Stopping, keeping, leaving ------------------------------------------------------

    @on(CompareColumn.StopPressed)
    def stop_column(self, event: CompareColumn.StopPressed) -> None:
        worker = self._workers.get(event.column.index)
        if worker is not None and worker.is_running:
            worker.cancel()

    def action_keep(self, number: int) -> None:
        columns = self.columns
        if self._streaming() or not self._ended:
            self.notify("Send a prompt and let every column end first (Esc stops them).")
            return
        if not 1 <= number <= len(columns) or columns[number - 1].reply is None:
            return
        reply = columns[number - 1].reply
        assert reply is not None
        try:
            self._chat.select_message(self.conversation, reply.id)
        except TurnRefused as exc:
            self.notify(str(exc), severity="warning")
            return
        self.dismiss(reply.id)

    def action_leave(self) -> None:
        if self._streaming():
            for worker in self._workers.values():
                worker.cancel()
            return
        self.frames.stop()
        self.dismiss(None)
