"""The rotating log a user can attach to a bug report.

It records what happened and how long it took (turns, request ids, error classes,
timings), never what was said and never a key: messages are not logged, and a filter
masks any configured key that would slip into a record anyway. ``--debug`` adds detail.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from logging.handlers import RotatingFileHandler
from pathlib import Path

from gpt_tui.core.store.fsutil import FILE_MODE, make_private_dir

LOGGER = "gpt_tui"
MAX_BYTES = 1_000_000
BACKUPS = 3


class SecretFilter(logging.Filter):
    """Masks the given secrets wherever they appear in a record's final text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            text = record.getMessage()
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            for secret in self._secrets:
                text = text.replace(secret, "•••")
                if record.exc_text:
                    record.exc_text = record.exc_text.replace(secret, "•••")
            record.msg, record.args = text, None
        return True


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating handler whose files, rotated ones included, are readable by the user only."""

    def _open(self):  # type: ignore[no-untyped-def]
        # Created private (never readable by others, even for a moment), and narrowed if
        # an older version left it wider.
        os.close(os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT, FILE_MODE))
        Path(self.baseFilename).chmod(FILE_MODE)
        return super()._open()


def configure(log_file: Path, *, debug: bool, secrets: Iterable[str] = ()) -> Path | None:
    """Send gpt-tui's log records to ``log_file`` (rotating, 0600). Returns the file, or
    None when it cannot be opened (logging is then off, the app works as usual)."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(logging.DEBUG if debug else logging.INFO)
    try:
        make_private_dir(log_file.parent)
        handler = PrivateRotatingFileHandler(
            log_file, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter(secrets))
    logger.addHandler(handler)
    return log_file
