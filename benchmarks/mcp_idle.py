"""Launch time and idle CPU with three MCP servers configured, against none.

The servers are three ``mcp-server-time`` processes named by the new chat's ``tools``
(``[defaults]``), so they really start, after the first frame: the worst case of a
configuration. Idle CPU counts the app and its child processes (the servers), from
``/proc``, once the prompt's cursor has stopped blinking.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from benchmarks.context import Context
from benchmarks.terminal import PtyApp

Metrics = dict[str, float]

IDLE_AFTER_LAUNCH = 11.0
"""Seconds after launch before idle CPU is measured (the cursor blinks 10 s after launch)."""
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def three_servers_config() -> str:
    """config.toml with three time servers, all offered to new chats."""
    command = shutil.which("mcp-server-time") or str(
        Path(sys.executable).with_name("mcp-server-time")
    )
    tables = "".join(
        f'\n[mcp.servers.{name}]\ncommand = "{command}"\nargs = ["--local-timezone", "UTC"]\n'
        for name in ("time_a", "time_b", "time_c")
    )
    return '[defaults]\ntools = ["mcp:time_a", "mcp:time_b", "mcp:time_c"]\n' + tables


def tree_cpu_seconds(pid: int) -> tuple[float, int]:
    """User + system CPU of ``pid`` and every live descendant, and how many there are."""
    total = 0.0
    todo = [pid]
    seen = 0
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / _CLK_TCK
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        seen += 1
        todo.extend(int(child) for child in children)
    return total, seen - 1


def _launch_and_idle(ctx: Context, config: str | None, name: str) -> Metrics:
    home = ctx.fresh_home()
    if config is not None:
        (home / "config.toml").write_text(config, encoding="utf-8")
        (home / "config.toml").chmod(0o600)
    deadline = time.monotonic() + ctx.timeout
    app: PtyApp
    with ctx.pty(home, None, (), name) as app:
        ready = app.wait_for("ready", deadline)
        assert app.proc is not None
        time.sleep(max(0.0, ready["t"] + IDLE_AFTER_LAUNCH - time.monotonic()))
        before, children = tree_cpu_seconds(app.proc.pid)
        time.sleep(ctx.sizes.idle_seconds)
        idle = (tree_cpu_seconds(app.proc.pid)[0] - before) / ctx.sizes.idle_seconds
        return {
            f"{name}_launch": ready["t"] - app.started_at,
            f"{name}_idle_cpu": idle,
            f"{name}_processes": children,
        }


def no_servers(ctx: Context) -> Metrics:
    """Launch → first frame and idle CPU without MCP servers."""
    return _launch_and_idle(ctx, None, "mcp_none")


def three_servers(ctx: Context) -> Metrics:
    """Launch → first frame and idle CPU with three MCP servers started after it."""
    return _launch_and_idle(ctx, three_servers_config(), "mcp_three")
