"""The log file: private, rotating, and free of keys and conversation text."""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from gpt_tui import logs

KEY = "sk-log-SECRET-0123456789abcdef"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "logs" / "gpt-tui.log"
    logger = logging.getLogger(logs.LOGGER)
    before = list(logger.handlers)
    assert logs.configure(path, debug=False, secrets=[KEY]) == path
    yield path
    for handler in logger.handlers[len(before) :]:
        handler.close()
        logger.removeHandler(handler)


def test_log_is_private_and_masks_keys_even_in_tracebacks(log_file: Path) -> None:
    logger = logging.getLogger("gpt_tui.test")
    logger.info("header was Bearer %s", KEY)
    try:
        raise RuntimeError(f"failed with {KEY}")
    except RuntimeError:
        logger.exception("boom")
    text = log_file.read_text(encoding="utf-8")
    assert KEY not in text
    assert "Bearer •••" in text
    assert "failed with •••" in text
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600


def test_unwritable_log_dir_turns_logging_off(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert logs.configure(blocker / "gpt-tui.log", debug=True) is None
