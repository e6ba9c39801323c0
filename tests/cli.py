"""Running the real ``gpt-tui`` command in a subprocess, as a user's shell would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_gpt_tui(
    home: Path, args: list[str], stdout: int = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    """``python -m gpt_tui ARGS`` with ``GPT_TUI_HOME=home``, no stdin and no API key
    variables from the environment; stderr is captured, stdout goes to ``stdout``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))}
    env.update(GPT_TUI_HOME=str(home), PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "gpt_tui", *args],
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
