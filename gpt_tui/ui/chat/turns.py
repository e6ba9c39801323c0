"""The turns of the chat screen: each runs in a worker that only posts
:class:`~gpt_tui.ui.messages.TurnProgressed`; :meth:`TurnRunner.apply` shows what it says.
Also the status line above the prompt, whose spinner ticks only while a reply streams.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.content import Content
from textual.timer import Timer
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from gpt_tui.core.domain.conversation import Conversation
from gpt_tui.core.domain.message import MessageStatus
from gpt_tui.core.domain.text import printable
from gpt_tui.core.providers.retries import retry_status
from gpt_tui.core.service.events import (
    ReplyDelta,
    ReplyFinished,
    TitleChanged,
    TurnEvent,
    TurnPlan,
    TurnRefused,
    TurnRetrying,
    TurnStarted,
)
from gpt_tui.core.store.conversations import StoreError
from gpt_tui.ui.chat.frames import FrameBatcher
from gpt_tui.ui.messages import TurnProgressed
from gpt_tui.ui.widgets.chat_view import ChatView
from gpt_tui.ui.widgets.live_text import LiveText
from gpt_tui.ui.widgets.message_list import MessageList
from gpt_tui.ui.widgets.prompt_input import PromptInput
from gpt_tui.ui.widgets.usage_panel import LiveStats, UsagePanel

if TYPE_CHECKING:
    from gpt_tui.ui.screens.chat import ChatScreen

LIVE_REFRESH_S = 0.25
"""How often the streaming figures (tokens so far, tokens/s) are redrawn."""
SPINNER_S = 0.1
"""How often the spinner turns; while text streams it turns in the frames that draw it."""
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


@dataclass
class LiveReply:
    """A reply streaming now: when its turn started, its first chunk, chunks so far."""

    started: float
    first_chunk: float | None = None
    chunks: int = 0
    drawn: float = 0.0
    retry: TurnRetrying | None = None
    """The retry being waited for (until the next chunk arrives)."""
    retry_at: float = 0.0
    """When that retry's request goes out (``time.monotonic``)."""

    def per_second(self, now: float) -> float | None:
        if self.first_chunk is None or now - self.first_chunk < 0.2:
            return None
        return self.chunks / (now - self.first_chunk)


class TurnRunner:
    """Starts and stops the screen's turns and shows their progress."""

    def __init__(self, screen: ChatScreen) -> None:
        self._screen = screen
        self._chat = screen.services.chat
        self._workers: dict[str, Worker[object]] = {}
        self._live: dict[str, LiveReply] = {}
        """Streaming replies by conversation id."""
        self._status_timer: Timer | None = None
        self._status_drawn = 0.0
        self.frames = FrameBatcher(screen)
        """Streamed text of every live reply, drawn once per frame with the status line."""
        self.frames.on_frame(self._on_frame)

    def start(self, plan: TurnPlan) -> None:
        """Run ``plan`` on the open conversation in a worker."""
        conversation = self._screen.conversation
        worker: Worker[object] = self._screen.run_worker(
            self._run(conversation, plan),
            name=f"turn-{conversation.id}",
            group="turns",
            exit_on_error=False,
        )
        self._workers[conversation.id] = worker

    async def _run(self, conversation: Conversation, plan: TurnPlan) -> None:
        """The worker: runs the turn in the service and posts its progress as messages."""
        try:
            await self._chat.run(conversation, plan, self._post)
        except TurnRefused as exc:
            self._screen.post_message(TurnProgressed(None, refused=str(exc), prompt=plan.prompt))

    def _post(self, event: TurnEvent) -> None:
        self._screen.post_message(TurnProgressed(event))

    def stop(self, conversation_id: str) -> bool:
        """Stop the reply streaming in this conversation; False if none is."""
        worker = self._workers.get(conversation_id)
        if worker is None or not worker.is_running:
            return False
        worker.cancel()
        return True

    async def stop_all(self) -> None:
        """Stop every streaming reply and wait until each is saved (used at quit)."""
        workers = [w for w in self._workers.values() if w.is_running]
        for worker in workers:
            worker.cancel()
        for worker in workers:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()

    def live_stats(self, conversation_id: str) -> LiveStats | None:
        live = self._live.get(conversation_id)
        if live is None:
            return None
        return LiveStats(tokens=live.chunks, per_second=live.per_second(time.monotonic()))

    # Progress ------------------------------------------------------------------------

    async def apply(self, message: TurnProgressed) -> None:
        """Show what a turn worker reported."""
        screen = self._screen
        event = message.event
        if event is None:
            screen.notify(message.refused, title="Not sent", severity="warning")
            prompt = screen.query_one(PromptInput)
            if message.prompt and not prompt.text:
                prompt.text = message.prompt  # the draft is never lost
            return
        visible = event.conversation_id == screen.conversation.id
        if isinstance(event, ReplyDelta):
            self._count_live(event.conversation_id, event.chunks)
            if visible:
                await self.frames.add(
                    _frame_key(event), event.text, event.start, self._writer(event)
                )
        elif isinstance(event, TurnStarted):
            self._live[event.conversation_id] = LiveReply(started=time.monotonic())
            if visible:
                screen.services.state.remember(last_conversation_id=event.conversation_id)
                await self._show_started(event)
                screen.show_title()
                self.show_status()
            screen.refresh_sidebar()
            screen.refresh_bindings()
        elif isinstance(event, TurnRetrying):
            live = self._live.setdefault(event.conversation_id, LiveReply(time.monotonic()))
            live.retry, live.retry_at = event, time.monotonic() + event.wait_s
            if visible:
                self.show_status()
        elif isinstance(event, TitleChanged):
            if visible:
                screen.show_title()
            screen.refresh_sidebar()
        elif isinstance(event, ReplyFinished):
            await self._finished(event, visible)

    async def _finished(self, event: ReplyFinished, visible: bool) -> None:
        screen = self._screen
        self._workers.pop(event.conversation_id, None)
        self._live.pop(event.conversation_id, None)
        await self.frames.flush(event.reply.id + REASONING_KEY)
        await self.frames.flush(event.reply.id)
        if visible:
            await screen.query_one(ChatView).finish(event.reply)
            screen.query_one(MessageList).refresh_message(event.reply)
            self.show_status()
            screen.refresh_usage()
        else:
            self._announce_elsewhere(event)
        screen.refresh_sidebar()
        screen.refresh_bindings()
        for notice in self._chat.take_notices():
            screen.notify(notice, severity="error", timeout=10)
        screen.unsaved_work.check()

    async def _show_started(self, event: TurnStarted) -> None:
        """Show a turn that began: new messages at the end, or a new branch from its fork,
        or a reply that grows again."""
        chat = self._screen.query_one(MessageList)
        if event.kind == "continue":
            chat.mark_streaming(event.reply.id)
        elif event.kind in ("edit", "regenerate", "retry"):
            first = event.prompt or event.reply
            await self._screen.show_after(self._screen.conversation.tree.parent_id(first.id))
        else:
            if event.prompt is not None:
                await chat.add_message(event.prompt)
            await chat.add_message(event.reply)

    def _writer(self, event: ReplyDelta) -> Callable[[str, int], Awaitable[None]]:
        """What draws this reply's text in the frame pass."""
        view = self._screen.query_one(ChatView)
        message_id = event.message_id
        append = view.append_reasoning if event.reasoning else view.append

        async def write(text: str, start: int) -> None:
            await append(message_id, text, start)

        return write

    def _count_live(self, conversation_id: str, chunks: int) -> None:
        """Count streamed chunks (the figures are redrawn in the frame pass)."""
        now = time.monotonic()
        live = self._live.setdefault(conversation_id, LiveReply(started=now))
        if live.first_chunk is None:
            live.first_chunk = now
        live.chunks += chunks

    def _on_frame(self) -> None:
        """After streamed text was drawn: the spinner and live figures in the same frame."""
        conversation_id = self._screen.conversation.id
        live = self._live.get(conversation_id)
        if live is None:
            return
        now = time.monotonic()
        if now - self._status_drawn >= SPINNER_S:
            self.show_status()
        if now - live.drawn >= LIVE_REFRESH_S:
            live.drawn = now
            panel = self._screen.query_one(UsagePanel)
            panel.show_reply(None, self.live_stats(conversation_id))

    def _announce_elsewhere(self, event: ReplyFinished) -> None:
        """A reply finished in a conversation that is not on screen: say so."""
        with contextlib.suppress(StoreError):
            title = self._chat.open(event.conversation_id).title or "another chat"
            how = {
                MessageStatus.COMPLETE: "finished",
                MessageStatus.STOPPED: "was stopped",
            }.get(event.reply.status, "failed")
            self._screen.notify(
                printable(f"The reply in “{title}” {how}."), title="Reply", timeout=6
            )

    # Status line ---------------------------------------------------------------------

    def show_status(self) -> None:
        """The line above the prompt: a spinner and timings while a reply comes, or a hint."""
        screen = self._screen
        conversation = screen.conversation
        live = self._live.get(conversation.id)
        now = time.monotonic()
        self._status_drawn = now
        # Tool questions change only between turns: not redrawn in every streaming frame.
        streaming = live is not None and live.first_chunk is not None
        asking = "" if streaming else screen.tool_results.show()
        if live is not None:
            frame = SPINNER[int(now * 10) % len(SPINNER)]
            if live.retry is not None and live.first_chunk is None:
                retry = live.retry
                wait = retry_status(retry.attempt, retry.of, retry.reason, live.retry_at - now)
                text = f"{frame} {wait} · Esc stops"
            elif live.first_chunk is None:
                text = (
                    f"{frame} waiting for the first token… {now - live.started:.1f} s · Esc stops"
                )
            else:
                rate = live.per_second(now)
                speed = f" · {rate:.0f} tok/s" if rate else ""
                text = f"{frame} streaming · ≈{live.chunks:,} tok{speed} · Esc stops"
        elif screen.message_actions.editing is not None:
            text = "Editing a sent message: Enter sends it as a new branch · Esc cancels"
        elif asking:
            text = asking
        elif self._chat.can_retry(conversation):
            text = "The last prompt has no complete reply: ctrl+r sends it again"
        else:
            text = ""
        line = screen.query_one("#status-line", LiveText)
        line.set_content(Content(text))
        if line.display != bool(text):
            line.display = bool(text)
        self._run_status_timer(live is not None)

    def _run_status_timer(self, running: bool) -> None:
        """Tick the spinner only while something streams here (idle CPU stays at zero)."""
        if running and self._status_timer is None:
            self._status_timer = self._screen.set_interval(SPINNER_S, self._tick_spinner)
        elif not running and self._status_timer is not None:
            self._status_timer.stop()
            self._status_timer = None

    def _tick_spinner(self) -> None:
        """Turn the spinner while no text comes (waiting for the first token, a pause);
        while text streams, the frame passes turn it and this tick finds nothing to do."""
        if time.monotonic() - self._status_drawn >= SPINNER_S * 1.5:
            self.show_status()


REASONING_KEY = ":reasoning"
"""Added to a reply's id for its reasoning's queue in the frame pass (its answer has its own)."""


def _frame_key(event: ReplyDelta) -> str:
    """The frame pass's queue for this text: the reply's answer, or its reasoning."""
    return event.message_id + REASONING_KEY if event.reasoning else event.message_id
