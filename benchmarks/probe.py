"""The in-app probe: timestamps of the frames the app writes to its terminal.

It runs inside the measured app process (see :mod:`benchmarks.app_main`). It wraps the
app's ``_display`` (Textual's one method that turns a compositor update into terminal
output) and, after every frame, looks at a few widgets and reports what changed as JSON
lines on the file descriptor named by :data:`FD_ENV`::

    {"ev": "ready", "t": ...}                 first frame with a TextArea focused
    {"ev": "prompt", "t": ..., "len": 3}     the focused TextArea's text length changed
    {"ev": "chat", "t": ..., "views": 2, ...} the chat's last message view changed
    {"ev": "preloaded", "t": ...}            the app's background SDK import finished

``t`` is ``time.monotonic()`` taken right after the frame was handed to the driver, and
``frame`` the number of frames written so far. On Linux this clock is system-wide, so the
benchmark process can compare it with its own.
Only the standard library is imported at module level: the probe must not slow launch.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.widget import Widget

FD_ENV = "GPT_TUI_BENCH_FD"
"""Environment variable: the file descriptor (a pipe) the probe writes events to."""
WATCH_ENV = "GPT_TUI_BENCH_WATCH"
"""Environment variable: comma-separated extra watchers (``prompt``, ``chat``, ``preload``)."""

_PRELOAD_POLL = 0.02


class Probe:
    """Reports frame-level events of one app to a pipe."""

    def __init__(self, app: App[Any], fd: int, watch: frozenset[str]) -> None:
        self._app = app
        self._fd = fd
        self._watch = watch
        self._ready = False
        self.frames = 0
        """Frames written to the terminal so far."""
        self._prompt_len: int | None = None
        self._chat_state: tuple[int, int, int, bool] | None = None
        self._chat: Widget | None = None
        self._last_view: Widget | None = None
        self._last_body: Any = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._compare_lengths: list[int] = []

    def install(self) -> None:
        """Wrap the app's ``_display`` so every frame is followed by :meth:`_after_frame`."""
        original: Callable[[Any, Any], None] = self._app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is not None and not getattr(self._app, "_batch_count", 0):
                self._after_frame(time.monotonic())

        setattr(self._app, "_display", display)  # noqa: B010 (mypy forbids method assignment)

    def emit(self, event: str, t: float, **data: object) -> None:
        """Write one event line (well under PIPE_BUF, so the write is atomic)."""
        payload = {"ev": event, "t": t, "frame": self.frames, **data}
        line = json.dumps(payload, separators=(",", ":")) + "\n"
        os.write(self._fd, line.encode())

    def _after_frame(self, t: float) -> None:
        from textual.widgets import TextArea  # already imported by the app: a dict lookup

        self.frames += 1
        focused = self._app.focused
        if not self._ready and isinstance(focused, TextArea):
            self._ready = True
            self.emit("ready", t)
            if "preload" in self._watch:
                task = asyncio.get_running_loop().create_task(self._wait_for_preload())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        if "prompt" in self._watch and isinstance(focused, TextArea):
            length = len(focused.text)
            if length != self._prompt_len:
                self._prompt_len = length
                self.emit("prompt", t, len=length)
        if "chat" in self._watch:
            self._check_chat(t)
        if "compare" in self._watch:
            self._check_compare(t)

    def _check_compare(self, t: float) -> None:
        """Report the text length of each compare column's reply (compare mode only). One
        DOM query a frame (a few dozen widgets): a small cost, and only in compare mode."""
        screen = self._app.screen
        if type(screen).__name__ != "CompareScreen":
            return
        lengths = []
        for column in screen.query("CompareColumn"):
            if len(column.children) < 2:
                return  # not composed yet: look again at the next frame
            scroll = column.children[-2]
            body = scroll.children[-1] if scroll.children else None
            lengths.append(len(getattr(body, "source", "")))
        if lengths != self._compare_lengths:
            self._compare_lengths = lengths
            self.emit("compare", t, lengths=lengths)

    def _check_chat(self, t: float) -> None:
        """Report the number of message views and the state of the last one."""
        chat = self._find_chat()
        if chat is None:
            return
        children = chat.children
        text_len = blocks = 0
        streaming = False
        body = self._reply_body(children[-1]) if children else None
        if body is not None:
            text_len = len(body.source)
            blocks = getattr(body, "block_count", len(body.children))
            streaming = children[-1].has_class("-streaming")
        state = (len(children), text_len, blocks, streaming)
        if state != self._chat_state:
            self._chat_state = state
            self.emit(
                "chat", t, views=state[0], text_len=text_len, blocks=blocks, streaming=streaming
            )

    def _reply_body(self, view: Widget) -> Any:
        """The body of ``view`` if it is a reply: anything with a Markdown ``source``."""
        if view is not self._last_view:
            from textual.css.query import NoMatches

            if not view.has_class("reply"):
                body = None
            else:
                try:
                    body = view.query_one(".reply-body")
                except NoMatches:  # not composed yet: look again at the next frame
                    return None
            self._last_view, self._last_body = view, body
        return self._last_body

    def _find_chat(self) -> Widget | None:
        if self._chat is not None and self._chat.is_attached:
            return self._chat
        from textual.css.query import NoMatches

        try:
            self._chat = self._app.screen.query_one("#chat")
        except NoMatches:
            return None
        return self._chat

    async def _wait_for_preload(self) -> None:
        """Report once the app's ``preload`` worker (the SDK import) has finished.

        Finished workers leave the app's worker list, so this waits until none is left
        running and one has been seen (or the SDK is already imported).
        """
        preloads: set[object] = set()
        while True:
            running = [w for w in self._app.workers if w.group == "preload"]
            preloads.update(running)
            idle = all(w.is_finished for w in running)
            if idle and (preloads or "openai" in sys.modules):
                self.emit("preloaded", time.monotonic())
                return
            await asyncio.sleep(_PRELOAD_POLL)


def install_from_env(app: App[Any]) -> Probe | None:
    """Install a probe on ``app`` if :data:`FD_ENV` is set; otherwise do nothing."""
    fd = os.environ.get(FD_ENV)
    if not fd:
        return None
    watch = frozenset(filter(None, os.environ.get(WATCH_ENV, "").split(",")))
    probe = Probe(app, int(fd), watch)
    probe.install()
    return probe
