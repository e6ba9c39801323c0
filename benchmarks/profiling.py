"""Optional pyinstrument profiling of the measured app process, window by signals.

With :data:`PROFILE_ENV` set to a file path, :mod:`benchmarks.app_main` calls
:func:`install`: the profiler starts at once (``from_start``) or on ``SIGUSR1``, and on
``SIGUSR2`` it stops and writes reports of the main thread (where Textual and the app
run), then reports ``{"ev": "profiled"}`` through the probe's pipe. The benchmark sends
the signals around the step it measures. For ``NAME.txt`` it writes:

* ``NAME.txt``: the call tree, library frames shown (Textual, Rich, markdown-it…);
* ``NAME.flat.txt``: the functions with the most time of their own.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyinstrument.session import Session

PROFILE_ENV = "GPT_TUI_BENCH_PROFILE"
"""Environment variable: where to write the profile (enables profiling)."""
PROFILE_FROM_START_ENV = "GPT_TUI_BENCH_PROFILE_FROM_START"
"""Environment variable: ``1`` starts the profiler at process start instead of on SIGUSR1."""


SHOWN_FRAMES = r".*(gpt_tui|textual|rich|markdown_it|pygments|openai|httpx|benchmarks).*"
"""Library frames kept in the call tree (asyncio and other plumbing stay folded)."""
FLAT_LINES = 45


def write_reports(session: Session, path: Path) -> None:
    """Write the call tree to ``path`` and the flat self-time list next to it."""
    from pyinstrument.renderers import ConsoleRenderer

    # Hide nodes under 2 % of the *busy* time, so a mostly idle window still shows detail.
    busy = min(1.0, session.cpu_time / session.duration) if session.duration else 1.0
    options = {"show_regex": SHOWN_FRAMES, "filter_threshold": 0.02 * busy}
    tree = ConsoleRenderer(unicode=True, processor_options=options)
    path.write_text(tree.render(session))
    flat = ConsoleRenderer(unicode=True, flat=True, flat_time="self").render(session)
    flat_path = path.with_name(f"{path.stem}.flat.txt")
    flat_path.write_text("\n".join(flat.splitlines()[:FLAT_LINES]) + "\n")


def install(path: Path, *, from_start: bool, events_fd: int | None) -> None:
    """Set up the profiler and its two signal handlers."""
    from pyinstrument import Profiler

    # "disabled": sample whatever the main thread does, awaits and idle time included.
    profiler = Profiler(interval=0.001, async_mode="disabled")

    def begin(signum: int, frame: FrameType | None) -> None:
        if not profiler.is_running:
            profiler.start()

    def end(signum: int, frame: FrameType | None) -> None:
        if not profiler.is_running:
            return
        session = profiler.stop()
        write_reports(session, path)
        if events_fd is not None:
            event: dict[str, Any] = {"ev": "profiled", "t": time.monotonic(), "frame": 0}
            os.write(events_fd, (json.dumps(event) + "\n").encode())

    signal.signal(signal.SIGUSR1, begin)
    signal.signal(signal.SIGUSR2, end)
    if from_start:
        profiler.start()


def install_from_env() -> None:
    """:func:`install` if :data:`PROFILE_ENV` is set."""
    target = os.environ.get(PROFILE_ENV)
    if not target:
        return
    fd = os.environ.get("GPT_TUI_BENCH_FD")
    install(
        Path(target),
        from_start=os.environ.get(PROFILE_FROM_START_ENV) == "1",
        events_fd=int(fd) if fd else None,
    )
