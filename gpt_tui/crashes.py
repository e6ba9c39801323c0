"""What an uncaught exception leaves behind: a record in the log, a short notice on the terminal.

An exception's message and a traceback's local variables may quote what was said (a title
in a ``MarkupError``, a prompt in a local variable), so neither is written anywhere: the
log gets the exception types and the frames (file, line, function, source line), the
terminal gets the type, the place and where the log is.
"""

from __future__ import annotations

import logging
import sys
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from gpt_tui import logs
from gpt_tui.paths import display_path

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


def describe(error: BaseException) -> str:
    """The types and frames of ``error`` and of the exceptions it was raised from or during."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        lines.append(_type_name(current))
        for frame in traceback.extract_tb(current.__traceback__):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
            if frame.line:
                lines.append(f"    {frame.line.strip()}")
        current = current.__cause__ or current.__context__
        if current is not None:
            lines.append("raised from or while handling:")
    return "\n".join(lines)


def site(error: BaseException) -> str:
    """Where ``error`` happened: the innermost frame in gpt-tui's own code, else the innermost."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if str(Path(f.filename).resolve()).startswith(_PACKAGE_DIR)]
    if not frames:
        return "an unknown place"
    frame = (ours or frames)[-1]
    path = Path(frame.filename)
    shown = path.resolve().relative_to(Path(_PACKAGE_DIR).parent) if ours else path
    return f"{shown}, line {frame.lineno}"


def log_file_in_use() -> Path | None:
    """The file :func:`gpt_tui.logs.configure` opened, or None when nothing is logged."""
    for handler in logging.getLogger(logs.LOGGER).handlers:
        if isinstance(handler, RotatingFileHandler):
            return Path(handler.baseFilename)
    return None


def record(error: BaseException) -> Path | None:
    """Log ``error`` (types and frames only). Returns the log file, if there is one."""
    logging.getLogger(logs.LOGGER).error(
        "Uncaught exception (its message is left out: it may quote conversation text)\n%s",
        describe(error),
    )
    return log_file_in_use()


def notice(error: BaseException, log_file: Path | None) -> str:
    """What the terminal says after a crash: the type, the place and where the details are."""
    head = f"gpt-tui stopped on an unexpected error: {_type_name(error)} at {site(error)}."
    if log_file is None:
        return f"{head}\nNo log file is open; the frames were:\n{describe(error)}"
    return (
        f"{head}\nThe details (never your messages or keys) are in {display_path(log_file)}\n"
        "Please attach that file to a bug report."
    )


def install_hook() -> None:
    """Uncaught exceptions outside the app's event loop are recorded and noticed the same way."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if not isinstance(error, Exception):  # KeyboardInterrupt, SystemExit: as usual
            sys.__excepthook__(kind, error, tb)
            return
        print(notice(error, record(error)), file=sys.stderr)

    sys.excepthook = hook


def _type_name(error: BaseException) -> str:
    kind = type(error)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
