"""Attachments in exports and imports.

- **Markdown**: each attached file is copied into a folder next to the export,
  ``<export name>_files/``, as ``<first 12 hex of its sha256>-<name>`` (so two files of the
  same name never collide and exporting again writes nothing new), and the message links
  it: images as ``![name](…)``, other files as ``[name](…)``. An image sent by URL is
  linked by its URL. Without a folder (Markdown printed to stdout) the names are listed.
- **JSON**: ``--embed-attachments`` adds ``"attachments": {sha256: base64}`` to the export's
  envelope; importing such a file stores them again (checked against their hash), so a
  conversation moved to another machine keeps its files.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from gpt_tui.core.domain.attachments import Attachment, human_size
from gpt_tui.core.domain.conversation import Conversation
from gpt_tui.core.store.fsutil import write_new_file

EMBEDDED_KEY = "attachments"
"""The JSON export envelope's key for embedded files (sha256 → base64)."""
_UNSAFE = re.compile(r"[^\w.\-]+")


def files_folder(markdown_name: str) -> str:
    """The folder the files of ``NAME.md`` go to: ``NAME_files``."""
    return markdown_name.removesuffix(".md") + "_files"


def stored_name(attachment: Attachment) -> str:
    """A file's name in the export folder: its hash prefix and a safe form of its name."""
    safe = _UNSAFE.sub("-", attachment.name).strip("-.") or "file"
    return f"{attachment.sha256[:12]}-{safe[:80]}"


def markdown_lines(attachments: Iterable[Attachment], folder: str | None) -> list[str]:
    """The lines that show a message's attachments in Markdown (links when ``folder``)."""
    lines: list[str] = []
    for attachment in attachments:
        name = _escape(attachment.name)
        if attachment.kind == "url" and attachment.url:
            lines.append(f"![{name}](<{_angle(attachment.url)}>)")
        elif folder is None:
            lines.append(f"- {name} ({attachment.kind}, {human_size(attachment.size)})")
        else:
            target = f"{folder}/{stored_name(attachment)}"
            bang = "!" if attachment.kind == "image" else ""
            lines.append(f"{bang}[{name}](<{_angle(target)}>)")
    return lines


def _escape(text: str) -> str:
    return re.sub(r"([\\\[\]*_`<>])", r"\\\1", " ".join(text.split()))


def _angle(target: str) -> str:
    return target.replace("<", "%3C").replace(">", "%3E").replace("\n", "")


def copy_files(conversation: Conversation, read: Callable[[str], bytes], folder: Path) -> list[str]:
    """Copy the conversation's stored attachments into ``folder`` (created private; files
    already there are left: their names carry their hash). Returns the names of the files
    that could not be read (missing from the data folder)."""
    missing: list[str] = []
    for attachment in _stored(conversation):
        path = folder / stored_name(attachment)
        if path.exists():
            continue
        try:
            data = read(attachment.sha256)
        except OSError:
            missing.append(attachment.name)
            continue
        try:
            write_new_file(path, data)
        except FileExistsError:
            continue
    return missing


def embedded(conversations: Iterable[Conversation], read: Callable[[str], bytes]) -> dict[str, str]:
    """sha256 → base64 of every stored attachment that can be read."""
    out: dict[str, str] = {}
    for conversation in conversations:
        for attachment in _stored(conversation):
            if attachment.sha256 in out:
                continue
            try:
                out[attachment.sha256] = base64.b64encode(read(attachment.sha256)).decode("ascii")
            except OSError:
                continue
    return out


def read_embedded(document: Mapping[str, Any]) -> tuple[dict[str, bytes], list[str]]:
    """The files embedded in an export's envelope, each checked against its hash, and what
    was wrong with the others."""
    raw = document.get(EMBEDDED_KEY)
    if raw is None:
        return {}, []
    if not isinstance(raw, dict):
        return {}, [f"'{EMBEDDED_KEY}' should be an object of sha256 → base64"]
    files: dict[str, bytes] = {}
    problems: list[str] = []
    for digest, text in raw.items():
        try:
            data = base64.b64decode(str(text), validate=True)
        except (binascii.Error, ValueError):
            problems.append(f"attachment {str(digest)[:12]}…: not base64")
            continue
        if hashlib.sha256(data).hexdigest() != digest:
            problems.append(f"attachment {str(digest)[:12]}…: its bytes do not match its hash")
            continue
        files[digest] = data
    return files, problems


def _stored(conversation: Conversation) -> list[Attachment]:
    return [
        a for m in conversation.tree.all() for a in m.attachments if a.kind != "url" and a.sha256
    ]


MAX_ASSET_FILES = 100_000
"""Files looked at in a ChatGPT export's folder when finding its images."""


def folder_assets(folder: Path) -> Callable[[str], tuple[str, bytes] | None]:
    """A lookup of a ChatGPT export's files by id: ``file-AbC…-photo.png`` (anywhere under
    ``folder``) for ``file-AbC…``, returned as ("photo.png", its bytes). The folder is
    listed once, on the first lookup."""
    index: dict[str, Path] = {}
    listed = False

    def lookup(file_id: str) -> tuple[str, bytes] | None:
        nonlocal listed
        if not listed:
            listed = True
            for count, path in enumerate(folder.rglob("file*")):
                if count >= MAX_ASSET_FILES:
                    break
                stem = re.match(r"(file[-_][A-Za-z0-9]+)", path.name)
                if stem is not None and path.is_file():
                    index.setdefault(stem.group(1), path)
        found = index.get(file_id)
        if found is None:
            return None
        try:
            data = found.read_bytes()
        except OSError:
            return None
        name = found.name[len(file_id) :].lstrip("-_") or found.name
        return name, data

    return lookup
