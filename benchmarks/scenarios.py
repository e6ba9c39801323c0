"""One run of each measurement: a fresh app process in a pty, driven like a user would.

Every scenario function takes a :class:`Context` and returns ``{metric: value}`` for one
run. Times are seconds of ``time.monotonic()`` (system-wide on Linux, so the benchmark,
the loopback server and the probe inside the app share one clock); CPU is the app
process's user + system time from ``/proc``. Each run has a deadline and raises
:class:`~benchmarks.terminal.BenchTimeout` when it passes.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks import datasets
from benchmarks.app_main import APP_SRC_ENV
from benchmarks.markdown_gen import markdown_reply
from benchmarks.server import TimedReply, TimedServer, reply_of
from benchmarks.terminal import REPO_ROOT, BenchTimeout, Event, PtyApp

Metrics = dict[str, float]
MODEL_ARGS = ("--model", "gpt-4o-mini")
PAUSE = 0.3
"""Seconds to let the app settle between steps that a user would not do instantly."""


@dataclass(frozen=True)
class Sizes:
    """How big each workload is (``--quick`` uses small ones)."""

    reply_tokens: int = 4_000
    big_reply_tokens: int = 16_000
    paced_tokens: int = 2_000
    paced_rate: float = 100.0
    typed_keys: int = 30
    key_interval: float = 0.2
    long_messages: int = 2_000
    many_conversations: int = 10_000
    idle_seconds: float = 5.0
    settle_limit: float = 60.0


FULL = Sizes()
QUICK = Sizes(
    reply_tokens=400,
    big_reply_tokens=1_600,
    paced_tokens=300,
    typed_keys=6,
    long_messages=200,
    many_conversations=500,
    idle_seconds=2.0,
    settle_limit=10.0,
)


@dataclass
class Context:
    """What every run needs: sizes, a scratch folder, datasets made once, the app source."""

    sizes: Sizes
    workdir: Path
    app_src: str | None = None
    profile_dir: Path | None = None
    """When set, each app process is profiled (see :mod:`benchmarks.profiling`) into it."""
    timeout: float = 60.0
    big_timeout: float = 300.0
    _long_home: Path | None = None
    _many_home: Path | None = None

    def fresh_home(self) -> Path:
        """An empty ``GPT_TUI_HOME`` for one run."""
        return Path(tempfile.mkdtemp(prefix="home-", dir=self.workdir))

    def long_home(self) -> Path:
        """A home with one long conversation (made on first use, then reused)."""
        if self._long_home is None:
            self._long_home = self.workdir / "long"
            datasets.write_long_conversation(self._long_home, self.sizes.long_messages)
        datasets.forget_last_conversation(self._long_home)
        return self._long_home

    def many_home(self) -> Path:
        """A home with many saved conversations (made on first use, then reused)."""
        if self._many_home is None:
            self._many_home = self.workdir / "many"
            datasets.write_many_conversations(self._many_home, self.sizes.many_conversations)
        datasets.forget_last_conversation(self._many_home)
        return self._many_home

    def pty(
        self,
        home: Path,
        server: TimedServer | None,
        watch: tuple[str, ...],
        name: str,
        *,
        module: str = "benchmarks.app_main",
        profile_from_start: bool = False,
    ) -> PtyApp:
        """The app (``module``) in a pty, profiled into ``NAME.txt`` when profiling."""
        profile = None if self.profile_dir is None else self.profile_dir / f"{name}.txt"
        args = MODEL_ARGS if module == "benchmarks.app_main" else ()
        return PtyApp(
            module,
            args,
            env=self.env(home, server),
            watch=watch,
            profile=profile,
            profile_from_start=profile_from_start,
        )

    def env(self, home: Path, server: TimedServer | None) -> dict[str, str]:
        """A clean environment: the tmp home, a terminal type, the loopback server."""
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "GPT_TUI_HOME": str(home),
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "LANG": "C.UTF-8",
            "OPENAI_API_KEY": "sk-bench-0123456789",
            "OPENAI_BASE_URL": server.base_url if server else "http://127.0.0.1:9/v1",
        }
        if self.app_src:
            env[APP_SRC_ENV] = self.app_src
        return env


@contextmanager
def app_session(
    ctx: Context, replies: list[TimedReply], watch: tuple[str, ...], name: str
) -> Iterator[tuple[PtyApp, TimedServer]]:
    """A loopback server with ``replies`` and gpt-tui on a fresh home in a pty, pointed at it."""
    with (
        TimedServer(list(replies)) as server,
        ctx.pty(ctx.fresh_home(), server, watch, name) as app,
    ):
        yield app, server


def _send(app: PtyApp, deadline: float, prompt: str = "hello") -> tuple[float, float]:
    """Type ``prompt``, wait until it shows, press Enter.

    Returns the time just before Enter and the app's CPU seconds then. When profiling,
    the profiler starts just before Enter.
    """
    app.type(prompt)
    app.wait_for("prompt", deadline, lambda e: e["len"] >= len(prompt))
    app.profile_begin()
    cpu = app.cpu_seconds()
    sent = time.monotonic()
    app.press("enter")
    return sent, cpu


def _rendered(app: PtyApp, text: str, deadline: float) -> Event:
    """The first frame after the reply's Markdown source holds all of ``text``."""
    return app.wait_for("chat", deadline, lambda e: e["text_len"] >= len(text))


# -- launch ------------------------------------------------------------------------------


def floor_import(ctx: Context) -> Metrics:
    """``python -c "import textual"``: interpreter start, import, exit."""
    start = time.monotonic()
    subprocess.run(
        [sys.executable, "-c", "import textual"], check=True, timeout=ctx.timeout, cwd=REPO_ROOT
    )
    return {"floor_import": time.monotonic() - start}


def floor_app(ctx: Context) -> Metrics:
    """Launch → first frame of the smallest Textual app (one focused TextArea)."""
    deadline = time.monotonic() + ctx.timeout
    with ctx.pty(ctx.fresh_home(), None, (), "floor_app", module="benchmarks.floor_app") as app:
        ready = app.wait_for("ready", deadline)
        return {"floor_app": ready["t"] - app.started_at}


def launch_and_send(ctx: Context) -> Metrics:
    """Launch → first frame with the prompt focused; then Enter at once → request received.

    The prompt is typed as soon as the first frame is up, so the send may wait for the
    SDK import that the app starts in the background after its first frame. The profile
    (when profiling) covers Enter → request.
    """
    deadline = time.monotonic() + ctx.timeout
    watch = ("prompt", "chat")
    with app_session(ctx, [reply_of("ok")], watch, "launch") as (app, server):
        ready = app.wait_for("ready", deadline)
        sent, _cpu = _send(app, deadline, "hi")
        arrived = server.arrival(1, deadline - time.monotonic())
        app.profile_end(deadline)
        app.wait_for("chat", deadline, lambda e: e["text_len"] >= 2 and not e["streaming"])
        return {"launch": ready["t"] - app.started_at, "send_first_frame": arrived - sent}


def launch_many(ctx: Context) -> Metrics:
    """Launch → first frame with many saved conversations in the sidebar."""
    home = ctx.many_home()
    deadline = time.monotonic() + ctx.timeout
    with ctx.pty(home, None, (), "launch_many", profile_from_start=True) as app:
        ready = app.wait_for("ready", deadline)
        app.profile_end(deadline)
        return {"launch_many": ready["t"] - app.started_at}


# -- replies -----------------------------------------------------------------------------


def _full_speed_reply(
    ctx: Context, tokens: int, key: str, timeout: float, tokens_per_chunk: int = 1
) -> Metrics:
    """Enter → last token rendered for a full-speed reply, and the app's CPU meanwhile."""
    text = markdown_reply(tokens)
    deadline = time.monotonic() + timeout
    watch = ("prompt", "chat", "preload")
    served = reply_of(text, tokens_per_chunk=tokens_per_chunk)
    with app_session(ctx, [served], watch, key) as (app, server):
        app.wait_for("preloaded", deadline)
        time.sleep(PAUSE)
        sent, cpu_before = _send(app, deadline)
        arrived = server.arrival(1, deadline - time.monotonic())
        rendered = _rendered(app, text, deadline)
        cpu = app.cpu_seconds() - cpu_before
        app.profile_end(deadline)
        app.wait_for("chat", deadline, lambda e: e["text_len"] >= len(text) and not e["streaming"])
        return {
            f"{key}_s": rendered["t"] - sent,
            f"{key}_cpu": cpu,
            f"{key}_send": arrived - sent,
            f"{key}_rss": app.peak_rss_mb(),
        }


def reply(ctx: Context) -> Metrics:
    """The ~4k-token Markdown reply at full speed."""
    return _full_speed_reply(ctx, ctx.sizes.reply_tokens, "reply", ctx.timeout)


def coarse_reply(ctx: Context) -> Metrics:
    """The ~4k-token reply again, 8 tokens per chunk: how much is per-chunk overhead."""
    sizes = ctx.sizes
    return _full_speed_reply(ctx, sizes.reply_tokens, "coarse_reply", ctx.timeout, 8)


def big_reply(ctx: Context) -> Metrics:
    """The ~16k-token Markdown reply at full speed."""
    return _full_speed_reply(ctx, ctx.sizes.big_reply_tokens, "big_reply", ctx.big_timeout)


def paced_reply(ctx: Context) -> Metrics:
    """A paced reply: keys typed while it streams, then the lag after its last token."""
    sizes = ctx.sizes
    text = markdown_reply(sizes.paced_tokens, seed=7)
    served = reply_of(text, tokens_per_second=sizes.paced_rate)
    deadline = time.monotonic() + ctx.timeout + sizes.paced_tokens / sizes.paced_rate
    watch = ("prompt", "chat", "preload")
    with app_session(ctx, [served], watch, "paced") as (app, _server):
        app.wait_for("preloaded", deadline)
        time.sleep(PAUSE)
        _send(app, deadline)
        app.wait_for("chat", deadline, lambda e: e["text_len"] > 0)
        time.sleep(PAUSE)
        latencies = _type_while_streaming(app, sizes.typed_keys, sizes.key_interval, deadline)
        rendered = _rendered(app, text, deadline)
        app.profile_end(deadline)
        if served.last_chunk_at is None:
            raise BenchTimeout("the server never finished the reply")
        latencies.sort()
        return {
            "paced_lag": rendered["t"] - served.last_chunk_at,
            "typing_median": latencies[len(latencies) // 2],
            "typing_max": latencies[-1],
        }


def _type_while_streaming(app: PtyApp, keys: int, interval: float, deadline: float) -> list[float]:
    """Type ``keys`` letters at a steady pace; each one's delay until it shows on screen."""
    sent: list[float] = []
    for index in range(keys):
        sent.append(time.monotonic())
        app.type(chr(ord("a") + index % 26))
        time.sleep(interval)
    latencies = []
    for count, at in enumerate(sent, start=1):

        def shown(event: Event, at: float = at, count: int = count) -> bool:
            return bool(event["t"] >= at and event["len"] >= count)

        latencies.append(app.wait_for("prompt", deadline, shown)["t"] - at)
    return latencies


# -- long conversations ------------------------------------------------------------------


def open_long(ctx: Context) -> Metrics:
    """Open a long conversation from the sidebar; once the app settles, its idle CPU.

    "Shown" is the first frame with every message view mounted and the last reply's
    Markdown rendered (the view is scrolled to the end). The app may keep working after
    that (rendering the other replies); "settled" is when its CPU use over one second
    first drops below 10 %, and the idle figure is measured from then on.
    """
    sizes = ctx.sizes
    home = ctx.long_home()
    deadline = time.monotonic() + ctx.timeout * 3
    with ctx.pty(home, None, ("chat", "preload"), "open_long") as app:
        app.wait_for("preloaded", deadline)
        for key in ("f2", "f2", "home"):  # F2 hides the sidebar, F2 shows and focuses it
            app.press(key)
            time.sleep(PAUSE)
        app.profile_begin()
        sent = time.monotonic()
        app.press("enter")
        shown = app.wait_for(
            "chat", deadline, lambda e: e["views"] >= sizes.long_messages and e["blocks"] > 0
        )
        settled = _wait_until_idle(app, time.monotonic() + sizes.settle_limit)
        app.profile_end(time.monotonic() + ctx.timeout)
        cpu_before = app.cpu_seconds()
        time.sleep(sizes.idle_seconds)
        idle = (app.cpu_seconds() - cpu_before) / sizes.idle_seconds
        return {
            "open_long": shown["t"] - sent,
            "open_settled": math.inf if settled is None else settled - sent,
            "idle_cpu": idle,
            "long_rss": app.peak_rss_mb(),
        }


def _wait_until_idle(app: PtyApp, limit: float, threshold: float = 0.1) -> float | None:
    """When the app's CPU use over a one-second window first fell below ``threshold``.

    Returns the monotonic time at the start of that window, or None if it stayed busy
    until ``limit``.
    """
    while time.monotonic() < limit:
        start, cpu = time.monotonic(), app.cpu_seconds()
        time.sleep(1.0)
        if (app.cpu_seconds() - cpu) / (time.monotonic() - start) < threshold:
            return start
    return None


Scenario = Callable[[Context], Metrics]

SCENARIOS: dict[str, Scenario] = {
    "floor_import": floor_import,
    "floor_app": floor_app,
    "launch": launch_and_send,
    "launch_many": launch_many,
    "reply": reply,
    "coarse_reply": coarse_reply,
    "big_reply": big_reply,
    "paced": paced_reply,
    "open_long": open_long,
}
"""Every scenario by name, in the order the suite runs them."""
