"""One run of each measurement: a fresh app process in a pty, driven like a user would.

Every scenario function takes a :class:`Context` and returns ``{metric: value}`` for one
run. Times are seconds of ``time.monotonic()`` (system-wide on Linux, so the benchmark,
the loopback server and the probe inside the app share one clock); CPU is the app
process's user + system time from ``/proc``. Each run has a deadline and raises
:class:`~benchmarks.terminal.BenchTimeout` when it passes.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from collections.abc import Callable

from benchmarks import mcp_idle
from benchmarks.context import PAUSE, Context, app_session
from benchmarks.markdown_gen import markdown_reply
from benchmarks.server import TimedServer, reasoning_reply_of, reply_of
from benchmarks.terminal import REPO_ROOT, BenchTimeout, Event, PtyApp

Metrics = dict[str, float]

IDLE_AFTER_KEY = 10.5
"""Seconds after the last key press before idle CPU is measured."""


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
        return {
            "launch": ready["t"] - app.started_at,
            "send_first_frame": arrived - sent,
            "launch_rss": app.peak_rss_mb(),
        }


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
    ctx: Context,
    tokens: int,
    key: str,
    timeout: float,
    tokens_per_chunk: int = 1,
    *,
    reasoning_tokens: int = 0,
) -> Metrics:
    """Enter → last token rendered for a full-speed reply, and the app's CPU meanwhile.

    ``reasoning_tokens``: that many tokens of ``reasoning_content`` come before the answer.
    """
    text = markdown_reply(tokens)
    deadline = time.monotonic() + timeout
    watch = ("prompt", "chat", "preload")
    served = reply_of(text, tokens_per_chunk=tokens_per_chunk)
    if reasoning_tokens:
        served = reasoning_reply_of(markdown_reply(reasoning_tokens), text)
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


def reasoning_reply(ctx: Context) -> Metrics:
    """The ~4k-token reply after half as many tokens of ``reasoning_content``."""
    sizes = ctx.sizes
    return _full_speed_reply(
        ctx,
        sizes.reply_tokens,
        "reasoning_reply",
        ctx.timeout,
        reasoning_tokens=sizes.reply_tokens // 2,
    )


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
        sent, cpu_before = _send(app, deadline)
        first = app.wait_for("chat", deadline, lambda e: e["text_len"] > 0)
        time.sleep(PAUSE)
        latencies = _type_while_streaming(app, sizes.typed_keys, sizes.key_interval, deadline)
        rendered = _rendered(app, text, deadline)
        cpu = app.cpu_seconds() - cpu_before
        app.profile_end(deadline)
        if served.last_chunk_at is None:
            raise BenchTimeout("the server never finished the reply")
        latencies.sort()
        return {
            "paced_lag": rendered["t"] - served.last_chunk_at,
            "paced_cpu": cpu / (rendered["t"] - sent),
            "paced_fps": (rendered["frame"] - first["frame"]) / (rendered["t"] - first["t"]),
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


# -- compare mode ------------------------------------------------------------------------


def _columns_at_least(count: int) -> Callable[[Event], bool]:
    """Whether a compare event reports at least ``count`` columns."""
    return lambda event: len(event["lengths"]) >= count


def _compare_send(app: PtyApp, deadline: float, columns: int) -> tuple[float, float]:
    """F5 (compare mode), F9 until there are ``columns`` columns, then type and send."""
    app.press("f5")
    app.wait_for("compare", deadline, _columns_at_least(2))
    for count in range(3, columns + 1):
        app.press("f9")
        app.wait_for("compare", deadline, _columns_at_least(count))
    return _send(app, deadline)


def compare_reply(ctx: Context) -> Metrics:
    """Two ~4k-token replies at full speed in two compare columns: Enter → both rendered."""
    text = markdown_reply(ctx.sizes.reply_tokens)
    other = markdown_reply(ctx.sizes.reply_tokens, seed=11)
    deadline = time.monotonic() + ctx.timeout
    watch = ("prompt", "compare", "preload")
    with app_session(ctx, [reply_of(text), reply_of(other)], watch, "compare_reply") as (app, _):
        app.wait_for("preloaded", deadline)
        time.sleep(PAUSE)
        sent, cpu_before = _compare_send(app, deadline, 2)
        rendered = app.wait_for(
            "compare", deadline, lambda e: sorted(e["lengths"]) == sorted([len(text), len(other)])
        )
        cpu = app.cpu_seconds() - cpu_before
        app.profile_end(deadline)
        return {"compare_reply_s": rendered["t"] - sent, "compare_reply_cpu": cpu}


def compare_paced(ctx: Context) -> Metrics:
    """Four compare columns, each streamed at the paced rate: the lag of the slowest column
    behind the server at the end, and the app's CPU use meanwhile."""
    sizes = ctx.sizes
    tokens = sizes.paced_tokens // 2
    texts = [markdown_reply(tokens, seed=20 + i) for i in range(4)]
    served = [reply_of(text, tokens_per_second=sizes.paced_rate) for text in texts]
    deadline = time.monotonic() + ctx.timeout + tokens / sizes.paced_rate
    watch = ("prompt", "compare", "preload")
    with app_session(ctx, served, watch, "compare_paced") as (app, _server):
        app.wait_for("preloaded", deadline)
        time.sleep(PAUSE)
        sent, cpu_before = _compare_send(app, deadline, 4)
        want = sorted(len(text) for text in texts)
        rendered = app.wait_for("compare", deadline, lambda e: sorted(e["lengths"]) == want)
        cpu = app.cpu_seconds() - cpu_before
        app.profile_end(deadline)
        finished = [reply.last_chunk_at for reply in served]
        if any(at is None for at in finished):
            raise BenchTimeout("the server never finished a reply")
        last = max(at for at in finished if at is not None)
        return {
            "compare_paced_lag": rendered["t"] - last,
            "compare_paced_cpu": cpu / (rendered["t"] - sent),
        }


# -- long conversations ------------------------------------------------------------------


def open_long(ctx: Context) -> Metrics:
    """Open a long conversation from the sidebar; once the app settles, its idle CPU.

    "Shown" is the first frame in which the chat's last view is the conversation's last
    reply with its Markdown rendered (the view is scrolled to the end; whether the app
    mounts every message or only the latest ones is up to it). The app may keep working after
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
        last = ctx.long_last_reply
        shown = app.wait_for(
            "chat", deadline, lambda e: e["text_len"] == last and e["blocks"] > 0 and e["views"] > 1
        )
        settled = _wait_until_idle(app, time.monotonic() + sizes.settle_limit)
        app.profile_end(time.monotonic() + ctx.timeout)
        # Idle means no key for a while: the prompt's cursor blinks for 10 s after the last
        # key (gpt_tui.ui.widgets.prompt_input.BLINK_SECONDS), then the app should rest.
        time.sleep(max(0.0, sent + IDLE_AFTER_KEY - time.monotonic()))
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


# -- a huge draft ------------------------------------------------------------------------

BIG_DRAFT = ("The quick brown fox jumps over the lazy dog. 敏捷的狐狸。" * 20_000)[:1_000_000]
"""A megabyte in one line: the worst case for a text area that wraps and measures lines."""


def _longer_than(length: int) -> Callable[[Event], bool]:
    """Whether a prompt event reports more than ``length`` characters."""
    return lambda event: bool(event["len"] > length)


def big_draft(ctx: Context) -> Metrics:
    """A megabyte typed into the prompt without bracketed paste (as a terminal without it
    sends a paste), then keys typed one at a time into that draft, each once the one
    before is shown; then ctrl+q, and how long until the app has exited."""
    import threading

    deadline = time.monotonic() + ctx.timeout
    with ctx.pty(ctx.fresh_home(), None, ("prompt",), "big_draft") as app:
        app.wait_for("ready", deadline)
        sent = time.monotonic()
        writer = threading.Thread(target=app.type, args=(BIG_DRAFT,), daemon=True)
        writer.start()  # the pty takes 4 KB at a time: the write blocks until the app reads
        shown = app.wait_for("prompt", deadline, lambda e: e["len"] >= len(BIG_DRAFT))
        writer.join()
        keys = ctx.sizes.typed_keys
        typed = time.monotonic()
        for count in range(1, keys + 1):
            app.type("k")
            app.wait_for("prompt", deadline, _longer_than(len(BIG_DRAFT) + count - 1))
        per_second = keys / (time.monotonic() - typed)
        quit_at = time.monotonic()
        app.press("ctrl+q")
        app.wait_for("exit", deadline)
        return {
            "big_paste": shown["t"] - sent,
            "big_keys_per_s": per_second,
            "big_quit": time.monotonic() - quit_at,
        }


# -- search ------------------------------------------------------------------------------

SEARCH_QUERIES = ("timeout when", "数据库索引", "zebra crossing", "parquet file", "缓存")
"""Typed letter by letter: every prefix is a query (1- and 2-letter ones take the
short-query path, the rare phrase scans far)."""


def search(ctx: Context) -> Metrics:
    """Search over a large data folder, in process (the index is what the app queries
    from its worker thread): building the index from the files once, its size, and each
    query as typed letter by letter."""
    import shutil
    import statistics
    import tempfile
    from pathlib import Path

    from benchmarks import datasets
    from gpt_tui.core.store.conversations import ConversationStore
    from gpt_tui.core.store.search_index import FILE_NAME, SearchIndex

    sizes = ctx.sizes
    home = Path(tempfile.mkdtemp(prefix="search-", dir=ctx.workdir))
    try:
        datasets.write_search_corpus(home, sizes.search_conversations, sizes.search_messages)
        data = datasets.data_dir(home)
        index = SearchIndex(data / FILE_NAME)
        store = ConversationStore(data, search_index=index)
        summaries = store.list_summaries()
        started = time.monotonic()
        index.sync(summaries, store.load)
        build = time.monotonic() - started
        times: list[float] = []
        for query in SEARCH_QUERIES:
            for end in range(1, len(query) + 1):
                begun = time.monotonic()
                index.search(query[:end], 50)
                times.append(time.monotonic() - begun)
        size = index.size_on_disk()
        index.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return {
        "search_build": build,
        "search_size_mb": size / 2**20,
        "search_median": statistics.median(times),
        "search_max": max(times),
    }


# -- the shell ---------------------------------------------------------------------------


def ask(ctx: Context) -> Metrics:
    """``gpt-tui ask hi`` → request at the server, beside ``python -c "import openai"``
    timed the same way in the same run (both fresh interpreters)."""
    start = time.monotonic()
    subprocess.run(
        [sys.executable, "-c", "import openai"], check=True, timeout=ctx.timeout, cwd=REPO_ROOT
    )
    floor = time.monotonic() - start
    with TimedServer([reply_of("ok")]) as server:
        env = ctx.env(ctx.fresh_home(), server)
        if ctx.app_src:
            env["PYTHONPATH"] = ctx.app_src
        start = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "gpt_tui", "ask", "hi", "--model", "gpt-4o-mini"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            cwd=REPO_ROOT,
            env=env,
        )
        try:
            arrived = server.arrival(1, ctx.timeout)
        finally:
            process.wait(ctx.timeout)
    return {
        "ask_floor": floor,
        "ask_request": arrived - start,
        "ask_added": arrived - start - floor,
    }


def bulk_import(ctx: Context) -> Metrics:
    """``gpt-tui import conversations.json`` of a ChatGPT export: start → exit, and the
    conversations per second that makes."""
    import json
    import shutil
    import tempfile
    from pathlib import Path

    from benchmarks import datasets

    count = ctx.sizes.import_conversations
    folder = Path(tempfile.mkdtemp(prefix="import-", dir=ctx.workdir))
    try:
        export = folder / "conversations.json"
        export.write_text(json.dumps(datasets.chatgpt_export(count)), encoding="utf-8")
        env = ctx.env(folder / "home", None)
        if ctx.app_src:
            env["PYTHONPATH"] = ctx.app_src
        start = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "gpt_tui", "import", str(export)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            check=True,
            cwd=REPO_ROOT,
            env=env,
            timeout=ctx.big_timeout,
        )
        took = time.monotonic() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"import_s": took, "import_rate": count / took}


# -- usage ------------------------------------------------------------------------------


def usage(ctx: Context) -> Metrics:
    """``gpt-tui usage`` over a large data folder, as a user runs it (a fresh process,
    Python's start included): building the per-reply log from the conversations once (in
    process), then the default report by day and the report by conversation."""
    import os
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    from benchmarks import datasets
    from gpt_tui.core.store.datadir import DataDir

    sizes = ctx.sizes
    home = Path(tempfile.mkdtemp(prefix="usage-", dir=ctx.workdir))
    try:
        datasets.write_usage_corpus(home, sizes.usage_conversations, sizes.usage_replies)
        data = DataDir.open(datasets.data_dir(home))
        started = time.monotonic()
        built = len(data.ledger.replies(rebuild=True))
        build = time.monotonic() - started
        if built != sizes.usage_replies:
            raise RuntimeError(f"the usage log holds {built} replies")
        # As installed: bytecode compiled (pip does it at install), so a first untimed run
        # writes it when the environment says not to.
        env = {**os.environ, "GPT_TUI_HOME": str(home)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if ctx.app_src:
            env["PYTHONPATH"] = ctx.app_src
        figures: dict[str, float] = {}
        for by in ("month", "day", "conversation"):
            command = [sys.executable, "-m", "gpt_tui", "usage", "--since", "2025-01-01"]
            begun = time.monotonic()
            subprocess.run([*command, "--by", by], env=env, check=True, stdout=subprocess.DEVNULL)
            figures[f"usage_{by}"] = time.monotonic() - begun
        del figures["usage_month"]  # the warm-up
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return {"usage_build": build, **figures}


# -- attachments -------------------------------------------------------------------------

PHOTO_SIZE = (2900, 2300)
"""Pixels of the attached photo: random noise, so its PNG stays about 20 MB."""
KEY_AFTER_ENTER = 0.1
"""Seconds after Enter before a key is typed to see whether the screen still answers."""


def attach_photo(ctx: Context) -> Metrics:
    """A 20 MB photo attached with ``@path`` and sent (gpt-4o-mini): Enter → the request at
    the server (the file is read, scaled to 2048/768 and stored off the event loop), how
    long a key typed meanwhile takes to show, the request's size, and the saved
    conversation file's size (it refers to the image by hash, never holds its bytes)."""
    import json
    import os

    from PIL import Image

    from benchmarks import datasets

    home = ctx.fresh_home()
    photo = home / "photo.png"
    noise = os.urandom(PHOTO_SIZE[0] * PHOTO_SIZE[1] * 3)
    Image.frombytes("RGB", PHOTO_SIZE, noise).save(photo, compress_level=1)
    deadline = time.monotonic() + ctx.timeout
    watch = ("prompt", "chat", "preload")
    with (
        TimedServer([reply_of("ok")]) as server,
        ctx.pty(home, server, watch, "attach") as app,
    ):
        app.wait_for("preloaded", deadline)
        time.sleep(PAUSE)
        prompt = f"describe @{photo}"
        sent, _cpu = _send(app, deadline, prompt)
        time.sleep(KEY_AFTER_ENTER)
        typed = time.monotonic()
        app.type("x")
        shown = app.wait_for("prompt", deadline, lambda e: e["len"] == len(prompt) + 1)
        arrived = server.arrival(1, deadline - time.monotonic())
        app.profile_end(deadline)
        app.wait_for("chat", deadline, lambda e: e["text_len"] >= 2 and not e["streaming"])
        body = len(json.dumps(server.requests[-1].body))
        files = list((datasets.data_dir(home) / "conversations").glob("*.json"))
        return {
            "attach_send": arrived - sent,
            "attach_key": shown["t"] - typed,
            "attach_photo_mb": photo.stat().st_size / 1e6,
            "attach_request_mb": body / 1e6,
            "attach_file_kb": sum(f.stat().st_size for f in files) / 1e3,
        }


Scenario = Callable[[Context], Metrics]

SCENARIOS: dict[str, Scenario] = {
    "floor_import": floor_import,
    "floor_app": floor_app,
    "launch": launch_and_send,
    "launch_many": launch_many,
    "reply": reply,
    "coarse_reply": coarse_reply,
    "reasoning_reply": reasoning_reply,
    "big_reply": big_reply,
    "paced": paced_reply,
    "compare_reply": compare_reply,
    "compare_paced": compare_paced,
    "open_long": open_long,
    "big_draft": big_draft,
    "search": search,
    "ask": ask,
    "import": bulk_import,
    "usage": usage,
    "mcp_none": mcp_idle.no_servers,
    "mcp_three": mcp_idle.three_servers,
    "attach": attach_photo,
}
"""Every scenario by name, in the order the suite runs them."""
