"""What every importer returns, and the small helpers they share."""

from __future__ import annotations

from dataclasses import dataclass, field

from gpt_tui.core.domain.conversation import Conversation, title_from_prompt
from gpt_tui.core.interchange.exporting import clean_text

IMPORTED_MODEL = "imported"
"""The model of an imported conversation whose data names none."""


class ImportFailed(Exception):
    """The input could not be imported at all; the message says why, for the user."""


@dataclass(slots=True)
class ImportResult:
    """What an import produced and what it left out (one short reason per entry)."""

    conversations: list[Conversation]
    skipped: list[str] = field(default_factory=list)
    format: str = ""
    """Which format was recognised, in words ("gpt-tui export", "ChatGPT export", …)."""
    attachments: dict[str, bytes] = field(default_factory=dict)
    """Attached files the input carried (sha256 → bytes), to store with the conversations."""

    @property
    def message_count(self) -> int:
        return sum(len(c.messages) for c in self.conversations)


def type_name(value: object) -> str:
    """The JSON type of ``value`` in words, for import messages (a file to import is JSON;
    config messages speak TOML: :func:`~gpt_tui.core.params.error.describe_type`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def entry_label(number: int, title: object) -> str:
    """``conversation 3 ('Title')`` for skipped-entry messages."""
    if isinstance(title, str) and title.strip():
        short = title_from_prompt(clean_text(title))
        return f"conversation {number} ({short!r})"
    return f"conversation {number}"


def clean_title(title: str) -> str:
    return " ".join(clean_text(title).split())


def count_of(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
