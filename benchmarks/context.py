"""What every measurement needs: workload sizes, scratch folders, datasets, the app.

:class:`Context` is shared by all runs of one suite: it makes the datasets once, gives
each run a fresh ``GPT_TUI_HOME``, and starts the app in a pty with a clean environment
that points it at the loopback server.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks import datasets
from benchmarks.app_main import APP_SRC_ENV
from benchmarks.server import TimedReply, TimedServer
from benchmarks.terminal import PtyApp

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
    search_conversations: int = 10_000
    search_messages: int = 1_000_000
    import_conversations: int = 10_000
    """ChatGPT conversations (3 turns each) in the bulk import's export."""
    usage_conversations: int = 10_000
    usage_replies: int = 100_000


FULL = Sizes()
QUICK = Sizes(
    reply_tokens=200,
    big_reply_tokens=800,
    paced_tokens=200,
    typed_keys=6,
    long_messages=100,
    many_conversations=500,
    idle_seconds=2.0,
    settle_limit=10.0,
    search_conversations=200,
    search_messages=4_000,
    import_conversations=300,
    usage_conversations=200,
    usage_replies=2_000,
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
    long_last_reply: int = 0
    """Length of the long conversation's last reply (set by :meth:`long_home`)."""
    _many_home: Path | None = None

    def fresh_home(self) -> Path:
        """An empty ``GPT_TUI_HOME`` for one run."""
        return Path(tempfile.mkdtemp(prefix="home-", dir=self.workdir))

    def long_home(self) -> Path:
        """A home with one long conversation (made on first use, then reused)."""
        if self._long_home is None:
            self._long_home = self.workdir / "long"
            self.long_last_reply = datasets.write_long_conversation(
                self._long_home, self.sizes.long_messages
            )
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
