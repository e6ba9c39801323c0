"""Run an app process in a pseudo-terminal, type into it, and hear its probe.

:class:`PtyApp` starts ``python -m MODULE`` with a pty of a fixed size as its terminal
(stdin, stdout and stderr, as in a real terminal), drains everything the app writes to it
on a background thread (a real terminal would; otherwise the app blocks), and collects the
JSON events that :mod:`benchmarks.probe` writes to a separate pipe.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from benchmarks.probe import FD_ENV, WATCH_ENV
from benchmarks.profiling import PROFILE_ENV, PROFILE_FROM_START_ENV

REPO_ROOT = Path(__file__).resolve().parent.parent
"""Where the app and the benchmarks are imported from (``python -m`` runs from here)."""

Event = dict[str, Any]
"""One probe event: ``ev`` (its kind), ``t`` (monotonic seconds) and kind-specific data."""

KEYS = {
    "enter": b"\r",
    "f2": b"\x1bOQ",
    "f5": b"\x1b[15~",
    "f9": b"\x1b[20~",
    "home": b"\x1b[H",
    "ctrl+q": b"\x11",
}
"""Bytes an xterm sends for the keys the benchmarks press."""

_CLK_TCK = os.sysconf("SC_CLK_TCK")
_TAIL_BYTES = 16_384


class BenchTimeout(TimeoutError):
    """A measurement did not finish within its deadline."""


class AppExited(Exception):
    """The app process ended while the benchmark was waiting for it."""


class PtyApp:
    """An app process in a pseudo-terminal of ``size`` (columns, rows)."""

    def __init__(
        self,
        module: str,
        args: Sequence[str] = (),
        *,
        env: Mapping[str, str],
        watch: Sequence[str] = (),
        size: tuple[int, int] = (160, 48),
        profile: Path | None = None,
        profile_from_start: bool = False,
    ) -> None:
        self._argv = [sys.executable, "-m", module, *args]
        self._env = dict(env)
        self._profile = profile
        if profile is not None:
            self._env[PROFILE_ENV] = str(profile)
            self._env[PROFILE_FROM_START_ENV] = "1" if profile_from_start else ""
        self._watch = ",".join(watch)
        self._size = size
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        """``time.monotonic()`` just before the process was spawned."""
        self.output_bytes = 0
        self._tail = bytearray()
        self._events: list[Event] = []
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._master = -1

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Spawn the process with the pty as its terminal and a pipe for the probe."""
        master, slave = os.openpty()
        columns, rows = self._size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        events_r, events_w = os.pipe()
        env = {**self._env, FD_ENV: str(events_w), WATCH_ENV: self._watch}
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            self._argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=REPO_ROOT,
            pass_fds=(events_w,),
            start_new_session=True,
        )
        os.close(slave)
        os.close(events_w)
        self._master = master
        self._spawn(self._drain_terminal, master)
        self._spawn(self._read_events, events_r)

    def _spawn(self, target: Callable[[int], None], fd: int) -> None:
        thread = threading.Thread(target=target, args=(fd,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Quit with ctrl+q; if the app does not exit within ``timeout``, kill it."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                self.press("ctrl+q")
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        for thread in self._threads:
            thread.join(2.0)
        with contextlib.suppress(OSError):
            os.close(self._master)

    def kill(self) -> None:
        """Kill the app's process group (it has its own session) and reap it."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5.0)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            if self._profile is not None:  # keep what was profiled up to the failure
                with contextlib.suppress(Exception):
                    self.profile_end(time.monotonic() + 60)
            self.kill()
        self.stop()

    # -- input ---------------------------------------------------------------------------

    def type(self, text: str) -> None:
        """Type ``text`` as the terminal would send it."""
        os.write(self._master, text.encode())

    def press(self, key: str) -> None:
        """Press a named key (see :data:`KEYS`)."""
        os.write(self._master, KEYS[key])

    # -- profiling (only when a profile path was given) ------------------------------------

    def profile_begin(self) -> None:
        """Start the app's profiler (SIGUSR1); a no-op unless profiling."""
        if self._profile is not None and self.proc is not None:
            self.proc.send_signal(signal.SIGUSR1)

    def profile_end(self, deadline: float) -> None:
        """Stop the app's profiler (SIGUSR2) and wait until it has written its report."""
        if self._profile is not None and self.proc is not None:
            self.proc.send_signal(signal.SIGUSR2)
            self.wait_for("profiled", deadline)

    # -- output and events ---------------------------------------------------------------

    def _drain_terminal(self, fd: int) -> None:
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: every process holding the pty's other end has exited
                return
            if not data:
                return
            self.output_bytes += len(data)
            self._tail += data
            del self._tail[:-_TAIL_BYTES]

    def _read_events(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as pipe:
            for line in pipe:
                event: Event = json.loads(line)
                with self._cond:
                    self._events.append(event)
                    self._cond.notify_all()
        with self._cond:  # the app closed the pipe: it has exited
            self._events.append({"ev": "exit", "t": time.monotonic()})
            self._cond.notify_all()

    def events(self, kind: str | None = None) -> list[Event]:
        """Events received so far (of one ``kind`` if given)."""
        with self._cond:
            return [e for e in self._events if kind is None or e["ev"] == kind]

    def wait_for(
        self, kind: str, deadline: float, where: Callable[[Event], bool] = lambda e: True
    ) -> Event:
        """The first event of ``kind`` matching ``where``, waiting until monotonic ``deadline``."""
        with self._cond:
            while True:
                for event in self._events:
                    if event["ev"] == kind and where(event):
                        return event
                if self._events and self._events[-1]["ev"] == "exit":
                    raise AppExited(f"the app exited; last output: {self.output_tail()!r}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BenchTimeout(f"no {kind!r} event before the deadline")
                self._cond.wait(remaining)

    def output_tail(self) -> str:
        """The last few KB the app wrote to its terminal (for error messages)."""
        return self._tail[-2000:].decode("utf-8", "replace")

    # -- resources -----------------------------------------------------------------------

    def cpu_seconds(self) -> float:
        """User + system CPU time of the app process so far (all its threads)."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # After "pid (comm)": fields[11] is utime and fields[12] stime, in clock ticks.
        return (int(fields[11]) + int(fields[12])) / _CLK_TCK

    def peak_rss_mb(self) -> float:
        """The process's peak resident set size (``VmHWM``) in MiB."""
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("VmHWM missing from /proc status")
