"""``kill -9`` in the middle of a bulk import: the data folder still opens, and lists
whole conversations only (each batch is listed after all its files are whole)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.datasets import chatgpt_export
from gpt_tui.commands.progress import BATCH
from gpt_tui.core.store.datadir import DataDir
from tests.cli import ROOT, run_gpt_tui

pytestmark = pytest.mark.subprocess


def test_a_kill_mid_import_leaves_a_store_of_whole_conversations(tmp_path: Path) -> None:
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps(chatgpt_export(BATCH * 6, turns=3)), encoding="utf-8")
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))}
    env["GPT_TUI_HOME"] = str(home)
    process = subprocess.Popen(
        [sys.executable, "-m", "gpt_tui", "import", str(export)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=env,
    )
    index = home / "data" / "index.json"
    deadline = time.monotonic() + 120
    while not index.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    time.sleep(0.2)  # into the next batch
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the import ended before it was killed"

    data = DataDir.open(home / "data")
    listed = data.store.list_summaries()
    assert data.store.take_notices() == []  # index.json was whole: nothing rebuilt
    assert listed
    assert len(listed) % BATCH == 0
    assert len(listed) < BATCH * 6
    for summary in listed:
        conversation = data.store.load(summary.id)
        assert len(conversation.messages) == 6
    data.close()
    result = run_gpt_tui(home, ["list"])
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == len(listed)
    again = run_gpt_tui(home, ["import", str(export)])  # and the import can be run again
    assert again.returncode == 0, again.stderr
    assert len(DataDir.open(home / "data").store.list_summaries()) == len(listed) + BATCH * 6
