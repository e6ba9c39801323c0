"""An uncaught exception: logged without content, and the terminal says where the log is."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gpt_tui import crashes, logs
from tests.fakes import make_app

TITLE = "crash [a=1 b=2] SECRET-TITLE"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "logs" / "gpt-tui.log"
    logger = logging.getLogger(logs.LOGGER)
    before = list(logger.handlers)
    assert logs.configure(path, debug=False) == path
    yield path
    for handler in logger.handlers[len(before) :]:
        handler.close()
        logger.removeHandler(handler)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def fail_with_title() -> None:
    title = TITLE  # a local variable, as Textual's traceback would show it
    raise RuntimeError(f"could not show {title}")


async def test_uncaught_exception_is_logged_without_titles_and_the_terminal_says_where(
    tmp_path: Path, log_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(tmp_path / "home")
    with pytest.raises(RuntimeError):
        async with app.run_test() as pilot:
            await pilot.pause()
            app.call_later(fail_with_title)
            await pilot.pause()
            await pilot.pause()
    logged = read(log_file)
    assert "RuntimeError" in logged
    assert "fail_with_title" in logged  # the frames are there …
    assert "SECRET-TITLE" not in logged  # … the message and the locals are not
    terminal = capsys.readouterr()
    said = terminal.out + terminal.err
    assert "gpt-tui stopped on an unexpected error: RuntimeError" in said
    assert "test_crashes.py" in said
    assert "gpt-tui.log" in said
    assert "SECRET-TITLE" not in said
    assert app.return_code == 1


def test_crash_outside_the_app_is_logged_and_noticed(
    log_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    crashes.install_hook()
    try:
        try:
            fail_with_title()
        except RuntimeError as inner:
            raise ValueError(TITLE) from inner
    except ValueError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    logged = read(log_file)
    assert "ValueError" in logged and "RuntimeError" in logged
    assert "SECRET-TITLE" not in logged
    said = capsys.readouterr().err
    assert "ValueError" in said and "gpt-tui.log" in said
    assert "SECRET-TITLE" not in said


def test_without_a_log_the_notice_lists_the_frames() -> None:
    try:
        fail_with_title()
    except RuntimeError as error:
        text = crashes.notice(error, None)
    assert "No log file is open" in text
    assert "fail_with_title" in text
    assert "SECRET-TITLE" not in text
