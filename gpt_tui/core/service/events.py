"""What a turn is asked to do (:class:`TurnPlan`) and what it reports while it runs.

The service emits these events to the sink it is given; the UI's turn worker posts each
one to the screen. Nothing here imports Textual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from gpt_tui.core.domain.attachments import Attachment
from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import Message

TurnKind = Literal["send", "retry", "edit", "regenerate", "continue"]


@dataclass(frozen=True, slots=True)
class TurnPlan:
    """What a turn sends and where its messages go in the conversation's tree."""

    kind: TurnKind
    prompt: str | None = None
    """The text to send ("send" and "edit")."""
    target: str | None = None
    """The message edited, answered again or continued (its id)."""
    params: Params | None = None
    """The parameters of this request (a compare column's); None: the conversation's."""
    label: str | None = None
    """Written on the reply (:attr:`Message.label`); None: none."""
    attachments: tuple[Attachment, ...] = ()
    """Files and images sent with ``prompt`` (already stored)."""

    @classmethod
    def send(cls, prompt: str, attachments: tuple[Attachment, ...] = ()) -> TurnPlan:
        """A new prompt at the end of the shown branch."""
        return cls("send", prompt=prompt, attachments=attachments)

    @classmethod
    def retry(cls) -> TurnPlan:
        """Ask again for the last prompt, which has no good reply (failed, interrupted, none)."""
        return cls("retry")

    @classmethod
    def edit(
        cls, message_id: str, prompt: str, attachments: tuple[Attachment, ...] = ()
    ) -> TurnPlan:
        """Send ``prompt`` (with ``attachments``) in place of the past prompt ``message_id``:
        a new branch forks."""
        return cls("edit", prompt=prompt, target=message_id, attachments=attachments)

    @classmethod
    def regenerate(cls, message_id: str) -> TurnPlan:
        """Another reply to the prompt of ``message_id`` (a reply, or the prompt itself),
        kept beside the replies it already has."""
        return cls("regenerate", target=message_id)

    @classmethod
    def continue_reply(cls, message_id: str) -> TurnPlan:
        """Ask the model to go on from where the reply ``message_id`` stopped."""
        return cls("continue", target=message_id)


@dataclass(frozen=True, slots=True)
class TurnStarted:
    """A turn began: the prompt (if new) is saved and an empty reply is in place.

    For "continue" ``reply`` is the existing reply, which grows; for "edit" and
    "regenerate" the shown branch changed from ``prompt`` (or ``reply``) on.
    """

    conversation_id: str
    prompt: Message | None
    reply: Message
    kind: TurnKind = "send"


@dataclass(frozen=True, slots=True)
class ReplyDelta:
    """More text for a streaming reply (``chunks`` stream chunks merged into one event)."""

    conversation_id: str
    message_id: str
    text: str
    chunks: int = 1
    start: int = 0
    """Where ``text`` begins in the reply's whole text. A view made from a saved copy of
    the reply may already hold it (the stream is saved while events are on their way):
    it adds only what it lacks."""
    reasoning: bool = False
    """The text is the reply's reasoning (``start`` counts in it), not its answer."""


@dataclass(frozen=True, slots=True)
class ReplyFinished:
    """A reply ended; ``reply.status`` says how and ``reply.error`` why it failed."""

    conversation_id: str
    reply: Message


@dataclass(frozen=True, slots=True)
class TitleChanged:
    """The model named a conversation (``[titles] generate``); the title is saved."""

    conversation_id: str
    title: str


@dataclass(frozen=True, slots=True)
class TurnRetrying:
    """The request failed and is sent again after ``wait_s`` seconds (retry ``attempt``
    of ``of``, after ``reason``: "HTTP 500", "a timeout"); Esc stops waiting."""

    conversation_id: str
    message_id: str
    attempt: int
    of: int
    reason: str
    wait_s: float


TurnEvent = TurnStarted | ReplyDelta | ReplyFinished | TitleChanged | TurnRetrying


@dataclass(frozen=True, slots=True)
class ExternalChanges:
    """What another gpt-tui process on the same data folder changed (see
    :meth:`ChatService.changes_elsewhere`)."""

    list_changed: bool
    """``index.json`` changed: the conversation list should be read again."""
    conversations: tuple[str, ...] = ()
    """Open conversations whose file changed; their objects now hold the merged version."""


EventSink = Callable[[TurnEvent], None]


class TurnRefused(Exception):
    """A turn cannot start (nothing to answer, or a reply is already streaming)."""
