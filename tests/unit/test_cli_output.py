"""Every subcommand through the real entry point, writing into a closed pipe and into a full
device: one line on stderr (or nothing, for a closed pipe), never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gpt_tui.core.store.conversations import ConversationStore
from tests.cli import run_gpt_tui
from tests.unit.test_exporting import full_conversation

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "import"

COMMANDS = {
    "list": ["list"],
    "list-json": ["list", "--json"],
    "export": ["export", "--all", "--format", "json"],
    "import": ["import", "--dry-run", str(FIXTURES / "chatgpt_conversations.json")],
    "search": ["search", "report"],
    "doctor": ["doctor"],
    "help": ["--help"],
    "list-help": ["list", "--help"],
}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("home")
    ConversationStore(directory / "data").save(full_conversation("ffff000011112222"))
    return directory


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_closed_pipe_ends_the_command_quietly_with_status_0(home: Path, name: str) -> None:
    """``gpt-tui doctor | head -1``: the reader has gone; like other Unix tools, stop."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write now fails with EPIPE
    try:
        result = run_gpt_tui(home, COMMANDS[name], write_end)
    finally:
        os.close(write_end)
    assert "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_full_device_is_one_line_and_status_1(home: Path, name: str) -> None:
    """``gpt-tui list > /dev/full``."""
    full_device = Path("/dev/full")
    if not full_device.exists():
        pytest.skip("no /dev/full here")
    with full_device.open("w") as full:
        result = run_gpt_tui(home, COMMANDS[name], full.fileno())
    assert "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].endswith(
        "could not write the output: No space left on device"
    )
