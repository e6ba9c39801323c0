"""Events that travel up the widget tree, named for what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.message import Message

from gpt_tui.core.config.types import Settings
from gpt_tui.core.params.fields import ParamsForm
from gpt_tui.core.service.chat import TurnEvent
from gpt_tui.core.store.search_index import SearchResults


@dataclass
class PromptSubmitted(Message):
    """The user pressed the send key with this text in the prompt."""

    text: str


@dataclass
class ConversationChosen(Message):
    """The user picked a conversation in the sidebar."""

    conversation_id: str


@dataclass
class ParamsEdited(Message):
    """A parameter field changed; ``form`` holds every field's text as typed."""

    form: ParamsForm


@dataclass
class TurnProgressed(Message):
    """The chat service reported progress of a turn (posted by the turn worker).

    ``event`` is None when the service refused to start the turn; ``refused`` says why.
    """

    event: TurnEvent | None
    refused: str = ""
    prompt: str | None = None
    """The prompt of a refused turn, so it can go back into the input."""


@dataclass
class ModelDataLoaded(Message):
    """The tokenizer and price data for a model finished loading (exact figures now)."""

    model: str


@dataclass
class ConversationAction(Message):
    """The user asked to rename, pin, duplicate, delete or undelete a conversation."""

    kind: str
    conversation_id: str | None


@dataclass
class ModelsListed(Message):
    """Model names a profile offers (configured ones first, then the server's list)."""

    profile: str | None
    models: list[str]


@dataclass
class PresetChosen(Message):
    """The user picked a preset to apply to the open conversation."""

    name: str


@dataclass
class PresetSaveRequested(Message):
    """The user asked to save the open conversation's parameters as a new preset."""


@dataclass
class SetupSaved(Message):
    """The setup choice was saved and the settings read back (``settings`` is None when
    saving failed; ``error`` says why)."""

    settings: Settings | None
    error: str = ""


MessageActionKind = Literal[
    "edit",
    "regenerate",
    "continue",
    "delete",
    "copy",
    "copy-code",
    "branch-previous",
    "branch-next",
]


@dataclass
class MessageActionChosen(Message):
    """The user asked to act on one message of the chat (by key, click or palette)."""

    message_id: str
    action: MessageActionKind


@dataclass
class SearchAnswered(Message):
    """A search worker finished one query (``results.query`` says which)."""

    results: SearchResults


@dataclass
class SearchIndexReady(Message):
    """The search index caught up with the conversation files."""
