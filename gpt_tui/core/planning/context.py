"""Which past messages the next request sends: everything, the last N turns, or what fits.

The scripts this app replaces kept cost down by forgetting old turns; here that is a
per-conversation choice. The system prompt is always sent. "fit" drops the oldest turns
until the request plus the reply's ``max_tokens`` fits the model's context window.

A past prompt that got no reply (it failed, or was stopped before any text) is never
sent: later requests would otherwise carry every failed prompt as back-to-back user
messages, and one prompt too long for the context would poison the chat for good.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import Message


@dataclass(frozen=True, slots=True)
class Selection:
    """The history a request sends, what it leaves out, and by how much it is too big."""

    sent: list[Message]
    dropped_ids: frozenset[str] = field(default_factory=frozenset)
    over_by: int = 0
    """Tokens over the context window even after trimming (0 when it fits or is unknown)."""
    prompt_tokens: int | None = None
    """Prompt tokens of the request made of ``sent`` (None without ``cost_of``)."""


def turns_of(messages: Sequence[Message]) -> list[list[Message]]:
    """Split sendable messages into turns: a user message and the replies after it."""
    turns: list[list[Message]] = []
    for message in messages:
        if message.role == "user" or not turns:
            turns.append([message])
        else:
            turns[-1].append(message)
    return turns


def answered_turns(turns: list[list[Message]]) -> list[list[Message]]:
    """``turns`` without past prompts that got no reply (the last turn, the prompt being
    answered now, always stays)."""
    last = len(turns) - 1
    return [t for i, t in enumerate(turns) if len(t) > 1 or t[0].role != "user" or i == last]


def select_history(
    params: Params,
    history: Sequence[Message],
    *,
    cost_of: Callable[[Message], int] | None = None,
    base_cost: int = 0,
    context_window: int | None = None,
) -> Selection:
    """The messages of ``history`` (oldest first, last one the new prompt) to send.

    ``cost_of`` gives one message's prompt tokens (its overhead included) and
    ``base_cost`` what every request costs besides them (system prompt, reply priming);
    they are needed for "fit" and for reporting ``over_by``. Linear in the history.
    """
    sendable = [m for m in history if m.sent_in_history and m.role != "system"]
    turns = answered_turns(turns_of(sendable))
    if params.context == "last_turns":
        turns = turns[-params.context_turns :]
    elif params.context == "fit" and cost_of is not None and context_window is not None:
        budget = context_window - (params.max_tokens or 0) - base_cost
        turns = _newest_that_fit(turns, cost_of, budget)
    sent = _flatten(turns)
    kept = {m.id for m in sent}
    dropped = frozenset(m.id for m in sendable if m.id not in kept)
    over_by = 0
    prompt_tokens: int | None = None
    if cost_of is not None:
        prompt_tokens = base_cost + sum(cost_of(m) for m in sent)
        if context_window is not None:
            over_by = max(0, prompt_tokens + (params.max_tokens or 0) - context_window)
    return Selection(sent=sent, dropped_ids=dropped, over_by=over_by, prompt_tokens=prompt_tokens)


def _newest_that_fit(
    turns: list[list[Message]], cost_of: Callable[[Message], int], budget: int
) -> list[list[Message]]:
    """The newest turns whose tokens fit ``budget``; the last turn (the prompt) always stays."""
    kept: list[list[Message]] = []
    used = 0
    for turn in reversed(turns):
        cost = sum(cost_of(m) for m in turn)
        if kept and used + cost > budget:
            break
        kept.append(turn)
        used += cost
    kept.reverse()
    return kept


def _flatten(turns: Sequence[Sequence[Message]]) -> list[Message]:
    return [message for turn in turns for message in turn]
