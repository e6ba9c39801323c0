"""Results that workers post to the screen, named for what happened (a widget's own
messages are nested in the widget: ``Sidebar.Chosen``, ``ParamPanel.Edited``…)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from gpt_tui.core.config.types import Settings
from gpt_tui.core.service.events import TurnEvent
from gpt_tui.core.store.search_index import SearchResults


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
class ModelsListed(Message):
    """Model names a profile offers (configured ones first, then the server's list)."""

    profile: str | None
    models: list[str]


@dataclass
class SetupSaved(Message):
    """The setup choice was saved and the settings read back (``settings`` is None when
    saving failed; ``error`` says why)."""

    settings: Settings | None
    error: str = ""


@dataclass
class SearchAnswered(Message):
    """A search worker finished one query (``results.query`` says which)."""

    results: SearchResults


@dataclass
class SearchIndexReady(Message):
    """The search index caught up with the conversation files."""
