"""The ``finish_reason`` of a streamed choice, read leniently (servers differ)."""

from __future__ import annotations

from typing import Any

from gpt_tui.core.providers.base import FinishReported


def finish_event(choice: dict[str, Any]) -> FinishReported | None:
    """The choice's finish reason as an event; None while the reply is still coming
    (or when a server sends something that is not a reason)."""
    reason = choice.get("finish_reason")
    if isinstance(reason, str) and reason:
        return FinishReported(reason)
    return None
