"""Running the real ``gpt-tui`` command in a subprocess, as a user's shell would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_gpt_tui(
    home: Path,
    args: list[str],
    stdout: int = subprocess.PIPE,
    *,
    stdin_text: str | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m gpt_tui ARGS`` with ``GPT_TUI_HOME=home``, no stdin (or ``stdin_text``
    piped in) and no API key variables from the environment but those of ``extra_env``;
    stderr is captured, stdout goes to ``stdout``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))}
    env.update(GPT_TUI_HOME=str(home), PYTHONIOENCODING="utf-8", **(extra_env or {}))
    return subprocess.run(
        [sys.executable, "-m", "gpt_tui", *args],
        input=stdin_text,
        stdin=subprocess.DEVNULL if stdin_text is None else None,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
