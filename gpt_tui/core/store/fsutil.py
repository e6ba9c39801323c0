"""Crash-safe file writing, private files and folders, and inter-process locks shared by
the config writer, the conversation store, the search index and the usage ledger.

Everything gpt-tui keeps is private: files it creates are :data:`FILE_MODE` and folders
:data:`DIR_MODE`, set explicitly on each rather than through the process umask, which
would also reach files the user saves elsewhere (a code block written to a project) and
the commands gpt-tui runs (``api_key_cmd``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

FILE_MODE = 0o600
"""Files gpt-tui creates (conversations, index, state, totals, search index, logs, config)
are readable and writable by their owner only."""

DIR_MODE = 0o700
"""Folders gpt-tui creates are open to their owner only."""


def make_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents, each new one with :data:`DIR_MODE`
    (``Path.mkdir(parents=True, mode=...)`` gives the mode to the last folder only).
    Folders that already exist are left as they are."""
    missing: list[Path] = []
    folder = path
    while not folder.is_dir() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise
            continue
        folder.chmod(DIR_MODE)  # mkdir's mode passes through the umask


def create_private_file(path: Path) -> None:
    """Make sure ``path`` exists with :data:`FILE_MODE` (created empty if missing, its mode
    narrowed if it was wider). For files another library then opens, such as SQLite,
    which gives its ``-wal`` and ``-shm`` files the mode of the database file."""
    make_private_dir(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    if path.stat().st_mode & 0o077:
        path.chmod(FILE_MODE)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = FILE_MODE) -> None:
    """Replace ``path`` with ``data`` so a reader sees the old file or the new one, never half.

    The bytes go to a temporary file in the same directory, are fsynced, get ``mode``,
    and are renamed over the target; the directory is fsynced so the rename survives a
    power cut. A failure leaves the old file untouched and removes the temporary file.
    Missing folders are created private (:func:`make_private_dir`).
    """
    make_private_dir(path.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def atomic_write_many(files: Sequence[tuple[Path, str]], *, mode: int = FILE_MODE) -> None:
    """:func:`atomic_write_text` for many files at once (an import's batch), as safely
    and much faster: every file is written to its temporary file and fsynced (several at a
    time, which the file system commits together) before any is renamed into place, and
    each folder is fsynced once at the end. On a failure the temporary files are removed;
    files already renamed stay (each one whole)."""
    folders = {path.parent for path, _text in files}
    for folder in folders:
        make_private_dir(folder)
    written: list[Path] = []

    def write(item: tuple[Path, str]) -> Path:
        path, text = item
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        written.append(Path(tmp_name))
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        return Path(tmp_name)

    try:
        with ThreadPoolExecutor(max_workers=_WRITE_THREADS) as pool:
            temporary = list(pool.map(write, files))
        for tmp, (path, _text) in zip(temporary, files, strict=True):
            tmp.replace(path)
    except BaseException:
        for tmp in written:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    for folder in folders:
        _fsync_dir(folder)


_WRITE_THREADS = 16
"""Files written and fsynced at once by :func:`atomic_write_many` (the waits overlap)."""


def atomic_write_text(path: Path, text: str, *, mode: int = FILE_MODE) -> None:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def write_new_file(path: Path, data: bytes, *, mode: int = FILE_MODE) -> None:
    """Create ``path`` holding ``data``; :class:`FileExistsError` when it already exists
    (a file is never replaced, even one that appears between a check and the write).
    A failed write removes what it had begun."""
    make_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


if sys.platform != "win32":
    import fcntl

    def lock_fd(fd: int, *, shared: bool = False, wait: bool = True) -> bool:
        """Take an advisory lock on ``fd``; False when ``wait`` is off and it is held."""
        flags = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        try:
            fcntl.flock(fd, flags if wait else flags | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

else:  # pragma: no cover - no flock: the lock is skipped

    def lock_fd(fd: int, *, shared: bool = False, wait: bool = True) -> bool:
        return True


def open_lock_file(path: Path) -> int:
    """A descriptor of the lock file ``path`` (created if needed); -1 if it cannot be."""
    try:
        make_private_dir(path.parent)
        return os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    except OSError:
        return -1


@contextlib.contextmanager
def locked(path: Path, *, shared: bool = False) -> Iterator[None]:
    """Hold an inter-process lock (exclusive, or ``shared``) on the lock file ``path``
    (created if needed); without one (a read-only folder, no flock) the block runs
    unlocked."""
    fd = open_lock_file(path)
    try:
        if fd >= 0:
            lock_fd(fd, shared=shared)
        yield
    finally:
        if fd >= 0:
            os.close(fd)  # closing releases the lock


class FileStamp(NamedTuple):
    """What tells one version of a file from the next: every atomic write is a new inode."""

    inode: int
    size: int
    mtime_ns: int


def _stamp_of(info: os.stat_result) -> FileStamp:
    return FileStamp(info.st_ino, info.st_size, info.st_mtime_ns)


def file_stamp(path: Path) -> FileStamp | None:
    """The file's stamp; None when it is missing or cannot be examined."""
    try:
        return _stamp_of(path.stat())
    except OSError:
        return None


def read_stamped(path: Path) -> tuple[bytes, FileStamp]:
    """The file's bytes and a stamp no newer than the version read: the stat comes
    first, so a replacement in between only makes the next check read the file again."""
    stamp = _stamp_of(path.stat())
    return path.read_bytes(), stamp


QUARANTINE_DIR = "corrupt"
"""Under a data folder: files that could not be read, moved or copied here, never deleted."""


def quarantine(root: Path, path: Path, *, keep_original: bool) -> str:
    """Move (or, with ``keep_original``, copy) ``path`` to ``root/corrupt/<name>.<UTC
    time>[-n]``, private; returns where, relative to ``root``. Raises :class:`OSError`."""
    folder = root / QUARANTINE_DIR
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = folder / f"{path.name}.{stamp}"
    counter = 1
    while target.exists():
        counter += 1
        target = folder / f"{path.name}.{stamp}-{counter}"
    make_private_dir(folder)
    if keep_original:
        shutil.copyfile(path, target)
    else:
        path.replace(target)
    with contextlib.suppress(OSError):  # it may have been copied in readable by all
        target.chmod(FILE_MODE)
    return target.relative_to(root).as_posix()


def probe_writable(folder: Path) -> str | None:
    """Whether files can be written in ``folder``: None when they can, else the reason in
    a few words. Writes one byte to a temporary file in the folder, or, when it does not
    exist yet, in the nearest folder above it that does (where it would be created), and
    removes it: nothing is left behind. A disk that fills up later is not foreseen."""
    target = folder
    while not target.exists() and target.parent != target:
        target = target.parent
    if not target.is_dir():
        return f"{target} is not a folder"
    try:
        fd, name = tempfile.mkstemp(prefix=".probe-", dir=target)
    except OSError as exc:
        return f"cannot write in {target} ({exc.strerror or exc})"
    try:
        os.write(fd, b"\n")
    except OSError as exc:
        return f"cannot write in {target} ({exc.strerror or exc})"
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            Path(name).unlink()
    return None


def probe_readable(folder: Path) -> str | None:
    """Whether the entries of ``folder`` can be listed: None when they can or it does not
    exist yet, else the reason in a few words."""
    try:
        with os.scandir(folder) as entries:
            next(entries, None)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{folder} cannot be read ({exc.strerror or exc})"
    return None
