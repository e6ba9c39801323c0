"""Comparing: one prompt sent with several sets of parameters at once, side by side.

A comparison is ordinary turns of one conversation (:class:`TurnEngine` does each): the
prompt is added once, and each column's reply is put in place as an alternative reply to
it (``‹ 1/3 ›``), labelled with the model and settings that made it. The replies then
stream concurrently, each through its own profile, each saved, priced and counted in the
usage totals like any reply; one that fails or is stopped does not touch the others.
Keeping a column's reply is choosing that alternative
(:meth:`ChatService.select_message`); the others stay beside it.

The columns start from the conversation's parameters, or from ``[[compare.columns]]``
in config.toml, each table a preset applied over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal

from gpt_tui.core.config.presets import Preset
from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.labels import settings_label
from gpt_tui.core.domain.message import Message, MessageStatus
from gpt_tui.core.service.turn_engine import Turn

MIN_COLUMNS = 2
MAX_COLUMNS = 4


def start_columns(params: Params, configured: Sequence[Preset], defaults: Params) -> list[Params]:
    """The columns a comparison starts with: each ``[[compare.columns]]`` table applied over
    the conversation's parameters (a table names only what differs), or, with none in the
    config, the conversation's parameters twice (the user edits one of them)."""
    if not configured:
        return [params, params]
    columns = [_over(params, preset) for preset in configured[:MAX_COLUMNS]]
    while len(columns) < MIN_COLUMNS:
        columns.append(params)
    return columns


def _over(params: Params, preset: Preset) -> Params:
    """``params`` with what ``preset`` names (unlike a role, a column keeps the rest)."""
    return preset.apply(params, params)


class CompareColumns:
    """The columns config.toml sets (``[[compare.columns]]``), replaced when the settings
    are read again."""

    def __init__(self, columns: Sequence[Preset] = ()) -> None:
        self.columns: tuple[Preset, ...] = tuple(columns)

    def start(self, params: Params) -> list[Params]:
        """The columns a comparison over a conversation with ``params`` starts with."""
        return start_columns(params, self.columns, params)


@dataclass(slots=True)
class Comparison:
    """A comparison under way: the prompt, and one turn per column (replies in place)."""

    conversation: Conversation
    turns: list[Turn]
    lock: ExitStack = field(default_factory=ExitStack)
    """Held while any column streams (the conversation's turn lock)."""
    running: int = 0

    @property
    def replies(self) -> list[Message]:
        """Each column's reply, in column order."""
        return [turn.reply for turn in self.turns]

    @property
    def prompt_id(self) -> str | None:
        """The prompt the columns answer."""
        return self.conversation.tree.parent_id(self.turns[0].reply.id)


@dataclass(frozen=True, slots=True)
class Summary:
    """Who won, when every column has ended: the fastest and the cheapest complete reply."""

    fastest: int | None
    """Column index (0-based) of the highest tokens per second (for replies too short to
    time, the one whole soonest); None: none finished."""
    cheapest: int | None
    """Column index of the lowest cost; None: no column has a known price."""

    def text(self, labels: Sequence[str]) -> str:
        """One line: "fastest: 2 (gpt-4o-mini) · cheapest: 1 (gpt-4.1-mini)"."""
        parts = []
        if self.fastest is not None:
            parts.append(f"fastest: {self.fastest + 1} ({labels[self.fastest]})")
        if self.cheapest is not None:
            parts.append(f"cheapest: {self.cheapest + 1} ({labels[self.cheapest]})")
        return " · ".join(parts) or "no column finished"


def tokens_per_second(reply: Message) -> float | None:
    """The reply's generation speed (:meth:`Timing.tokens_per_second`); None: unknown."""
    if reply.timing is None or reply.usage is None:
        return None
    return reply.timing.tokens_per_second(reply.usage.completion_tokens)


def summarize(replies: Sequence[Message]) -> Summary:
    """The fastest and cheapest of the replies that completed."""
    done = [(i, r) for i, r in enumerate(replies) if r.status is MessageStatus.COMPLETE]
    speeds = [(speed, i) for i, r in done if (speed := tokens_per_second(r)) is not None]
    costs: list[tuple[Decimal, int]] = [(r.cost, i) for i, r in done if r.cost is not None]
    # Replies too short to time their speed: the one that was whole soonest.
    totals = [(r.timing.total_s, i) for i, r in done if r.timing is not None]
    fastest = max(speeds)[1] if speeds else min(totals)[1] if totals else None
    cheapest = min(costs)[1] if costs else None
    return Summary(fastest, cheapest)


def labels_for(columns: Sequence[Params]) -> list[str]:
    """Each column's label (:func:`settings_label`)."""
    return [settings_label(params) for params in columns]
