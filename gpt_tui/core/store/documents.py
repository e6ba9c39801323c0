"""The documents of the store as bytes on disk: ids safe as file names, decoding, the
index, and reading a conversation file that has a few bad fields without losing its
messages.

A conversation file whose JSON is intact but where an optional field cannot be read (a
hand-edited ``params.temperature = "hot"``, a malformed ``usage``) is not quarantined
whole: :func:`salvage_conversation` leaves out what it cannot read and says what, so the
user keeps the chat. Only what the messages cannot be read without (their ids, roles, the
tree's links, the model) still makes the file unreadable.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, cast

from gpt_tui.core.domain.conversation import Conversation, ConversationSummary
from gpt_tui.core.domain.schema import SchemaError

INDEX_SCHEMA_VERSION = 1
"""Version written into ``index.json``; an index with another version is rebuilt."""

_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


class StoreError(Exception):
    """A conversation or the index could not be read or written; the message names the file."""


class UnreadableError(Exception):
    """A file's bytes are not a valid document; ``reason`` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_valid_id(conversation_id: str) -> bool:
    """Whether an id is safe as a file name: 1 to 64 of ``A-Z a-z 0-9 _ -``."""
    return _ID_PATTERN.fullmatch(conversation_id) is not None


def check_id(conversation_id: str) -> None:
    """Raise :class:`StoreError` unless the id is safe as a file name."""
    if not is_valid_id(conversation_id):
        raise StoreError(
            f"Invalid conversation id {conversation_id!r}: "
            "expected 1 to 64 letters, digits, '_' or '-'"
        )


def json_text(data: object) -> str:
    """How every store file is written: readable JSON, one space of indent."""
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def decode_json(raw: bytes) -> object:
    """Parse UTF-8 JSON bytes; every way they can be broken becomes :class:`UnreadableError`."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableError(f"not UTF-8 text at byte {exc.start}") from exc
    try:
        return cast(object, json.loads(text))
    except json.JSONDecodeError as exc:
        raise UnreadableError(f"line {exc.lineno}: {exc.msg}") from exc
    except RecursionError as exc:
        raise UnreadableError("nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer with too many digits
        raise UnreadableError(str(exc)) from exc


def schema_version(data: object) -> int | None:
    """The integer ``schema_version`` of a JSON document, if it has one."""
    version = cast(dict[str, Any], data).get("schema_version") if isinstance(data, dict) else None
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def parse_index(raw: bytes) -> dict[str, ConversationSummary]:
    """Parse ``index.json``; any deviation from the expected shape is :class:`UnreadableError`."""
    data = decode_json(raw)
    if not isinstance(data, dict):
        raise UnreadableError("expected a JSON object")
    document = cast(dict[str, Any], data)
    version = document.get("schema_version")
    if version != INDEX_SCHEMA_VERSION or isinstance(version, bool):
        raise UnreadableError(f"unsupported schema_version {version!r}")
    entries = document.get("conversations")
    if not isinstance(entries, list):
        raise UnreadableError("conversations: expected a list")
    index: dict[str, ConversationSummary] = {}
    for i, entry in enumerate(cast(list[object], entries)):
        try:
            summary = ConversationSummary.from_dict(entry, f"conversations[{i}]")
        except SchemaError as exc:
            raise UnreadableError(str(exc)) from exc
        if not is_valid_id(summary.id):
            raise UnreadableError(f"conversations[{i}].id: invalid id {summary.id!r}")
        index[summary.id] = summary
    return index


MAX_DROPPED = 100
"""More unreadable fields than this and the file is treated as unreadable after all."""

_DROPPABLE_MESSAGE_FIELDS = frozenset(
    {
        "model",
        "usage",
        "error",
        "cost",
        "timing",
        "notices",
        "status",
        "reasoning",
        "structured",
        "refusal",
        "logprobs",
    }
)
"""Optional fields of a message: without them it is still the same message."""

_DROPPABLE_FIELDS = frozenset({"title", "pinned", "selected"})
"""Optional fields of a conversation (a lost branch selection falls back to the newest)."""

_PATH_PART = re.compile(r"\.?([A-Za-z_]\w*)|\[(\d+)\]")


def _field_path(where: str) -> list[str | int]:
    """``"conversation.messages[3].usage"`` → ``["messages", 3, "usage"]``."""
    parts: list[str | int] = [
        int(index) if index else name for name, index in _PATH_PART.findall(where)
    ]
    return parts[1:] if parts[:1] == ["conversation"] else parts


def _droppable(where: str) -> list[str | int] | None:
    """The field to leave out for a :class:`SchemaError` at ``where`` (the whole of a
    message's ``usage`` for a bad ``usage.prompt_tokens``), or None when the conversation
    cannot be read without it."""
    path = _field_path(where)
    match path:
        case ["params", str(name), *_] if name != "model":
            return path[:2]
        case ["messages", int(), str(name), *_] if name in _DROPPABLE_MESSAGE_FIELDS:
            return path[:3]
        case [str(name), *_] if name in _DROPPABLE_FIELDS:
            return path[:1]
    return None


def _remove(document: object, path: list[str | int]) -> bool:
    """Delete the field at ``path`` from a JSON document in place; whether it was there."""
    node: Any = document
    for part in path[:-1]:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return False
        elif not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    last = path[-1]
    if not isinstance(node, dict) or not isinstance(last, str) or last not in node:
        return False
    del node[last]
    return True


def _dotted(path: list[str | int]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)[1:]


def salvage_conversation(data: object) -> tuple[Conversation, list[str]]:
    """The conversation in a decoded document, leaving out optional fields that cannot be
    read; also what was left out (``"params.temperature (expected int or float, got
    str)"``), empty when the document was whole.

    Raises :class:`SchemaError` when something the conversation cannot do without is
    broken, and ``ValueError`` or ``OverflowError`` for an impossible value. ``data`` is
    never changed.
    """
    document = data
    dropped: list[str] = []
    while True:
        try:
            return Conversation.from_dict(document), dropped
        except SchemaError as exc:
            path = _droppable(exc.where)
            if path is None or len(dropped) >= MAX_DROPPED:
                raise
            if document is data:
                document = copy.deepcopy(data)
            if not _remove(document, path):
                raise
            full = _field_path(exc.where)
            detail = exc.problem if full == path else f"{_dotted(full)}: {exc.problem}"
            dropped.append(f"{_dotted(path)} ({detail})")
