"""The ``attachments/`` folder of the data dir: each attached file stored once, by its hash.

A file's name is the hex sha256 of its bytes, so the same image attached to ten prompts is
stored once, a stored file never changes, and a message can refer to it by hash alone.
Files are written whole and private (0600 in a 0700 folder; see
:mod:`gpt_tui.core.store.fsutil`); a file that appears meanwhile (another gpt-tui storing
the same bytes) is the same file, so that race is harmless.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from pathlib import Path

from gpt_tui.core.store.fsutil import write_new_file

FOLDER = "attachments"
_HASH = re.compile(r"[0-9a-f]{64}")


class MissingAttachment(OSError):
    """A message refers to an attachment whose file is gone or unreadable."""


class AttachmentStore:
    """Content-addressed files under ``root`` (the data dir's ``attachments/``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its sha256."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.path(digest)
        if not path.exists():
            # Stored meanwhile by another process: the same bytes.
            with contextlib.suppress(FileExistsError):
                write_new_file(path, data)
        return digest

    def path(self, sha256: str) -> Path:
        """Where the file of ``sha256`` is (or would be)."""
        if not _HASH.fullmatch(sha256):
            raise MissingAttachment(f"not an attachment hash: {sha256[:80]!r}")
        return self.root / sha256

    def exists(self, sha256: str) -> bool:
        try:
            return self.path(sha256).is_file()
        except MissingAttachment:
            return False

    def read(self, sha256: str) -> bytes:
        """The stored bytes; :class:`MissingAttachment` when the file is gone."""
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError as exc:
            raise MissingAttachment(f"attachment {sha256[:12]}… is missing") from exc
        except OSError as exc:
            raise MissingAttachment(f"attachment {sha256[:12]}… cannot be read: {exc}") from exc
