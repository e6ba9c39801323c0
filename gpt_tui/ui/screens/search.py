"""ctrl+f: search every message of every conversation; Enter opens one at its message.

Results follow the typing: a query runs ~150 ms after the last key, in a thread worker
(exclusive, so an older query never overwrites a newer one), and posts
:class:`~gpt_tui.ui.messages.SearchAnswered`. While the index is still being built the
status line says how far it got and the query runs again until the build is done.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from gpt_tui.core.domain.text import printable
from gpt_tui.core.service.search import SearchService
from gpt_tui.core.store.search_index import MAX_QUERY, SearchHit, SearchResults
from gpt_tui.ui.messages import SearchAnswered, SearchIndexReady
from gpt_tui.ui.widgets.sidebar import relative_time

DEBOUNCE = 0.15
"""Seconds after the last key before a query runs."""
LIMIT = 50
"""Hits shown at most (the newest)."""
RETRY_WHILE_INDEXING = 0.5
"""While the index is being built, the query runs again this often."""

_ROLES = {
    "user": "you",
    "assistant": "reply",
    "system": "system",
    "tool": "tool result",
    "title": "title",
}


def hit_option(hit: SearchHit, now: datetime, index: int) -> Option:
    """Two lines: the title, when and whose; then the snippet with the matches marked."""
    title = printable(hit.title) or "New chat"
    head = Content.assemble(
        (title, "bold"),
        ("  ·  ", "dim"),
        (relative_time(hit.created_at, now), "$text-muted"),
        ("  ·  ", "dim"),
        (_ROLES.get(hit.role, hit.role), "$text-muted"),
    )
    body = Content(printable(hit.snippet))
    for start, end in hit.highlights:
        body = body.stylize("bold $text-warning on $warning-muted", start, end)
    return Option(Content.assemble(head, "\n", Content("  ").append(body)), id=str(index))


class SearchScreen(ModalScreen[SearchHit | None]):
    """A search field over a list of hits, newest first.

    | key | what it does |
    |---|---|
    | ↑ ↓ | move through the hits |
    | Enter | open the conversation at the highlighted hit |
    | Esc | close |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", tooltip="Back to the chat.", id="search.close"),
        Binding(
            "down",
            "move(1)",
            "Next",
            show=False,
            tooltip="Highlight the next hit.",
            id="search.next",
        ),
        Binding(
            "up",
            "move(-1)",
            "Previous",
            show=False,
            tooltip="Highlight the previous hit.",
            id="search.previous",
        ),
    ]

    def __init__(self, search: SearchService, now: datetime) -> None:
        super().__init__(classes="dialog")
        self._search_service = search
        self._now = now
        self._hits: list[SearchHit] = []
        self._debounce: Timer | None = None
        self._retry: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Input(placeholder="Search every message of every chat", id="search-input")
            yield Static(
                Content("Type to search · ↑ ↓ move · Enter opens · Esc closes"),
                id="search-status",
                markup=False,
            )
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self.query_one(OptionList).can_focus = False  # the keys stay in the field
        self.query_one(Input).focus()
        self._catch_up()

    @work(thread=True, exit_on_error=False, group="search-index")
    def _catch_up(self) -> None:
        """Index what is missing (returns at once when a build already runs elsewhere)."""
        self._search_service.catch_up()
        self.post_message(SearchIndexReady())

    @on(SearchIndexReady)
    def _index_ready(self) -> None:
        if self.query_one(Input).value.strip():
            self._run_query()

    @on(Input.Changed, "#search-input")
    def _typed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE, self._run_query)

    def _run_query(self) -> None:
        query = self.query_one(Input).value[:MAX_QUERY]
        if not query.strip():
            self._show(SearchResults(query, []))
            return
        self._search(query)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def _search(self, query: str) -> None:
        self.post_message(SearchAnswered(self._search_service.search(query, LIMIT)))

    @on(SearchAnswered)
    def _answered(self, message: SearchAnswered) -> None:
        if message.results.query == self.query_one(Input).value[:MAX_QUERY]:
            self._show(message.results)

    def _show(self, results: SearchResults) -> None:
        """Fill the list and say what it holds."""
        self._hits = results.hits
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(hit_option(hit, self._now, i) for i, hit in enumerate(results.hits))
        if results.hits:
            options.highlighted = 0
        self.query_one("#search-status", Static).update(Content(self._status(results)))
        if self._retry is not None:
            self._retry.stop()
            self._retry = None
        if results.indexing is not None and results.query.strip():
            self._retry = self.set_timer(RETRY_WHILE_INDEXING, self._run_query)

    @staticmethod
    def _status(results: SearchResults) -> str:
        query = results.query.strip()
        count = len(results.hits)
        if not query:
            text = "Type to search · ↑ ↓ move · Enter opens · Esc closes"
        elif not count:
            text = f"No message contains “{printable(query)}”."
        else:
            more = f" (the newest {LIMIT})" if count >= LIMIT else ""
            text = f"{count} match{'es' if count != 1 else ''}{more}, newest first"
            text += " · Enter opens"
        if results.indexing is not None:
            done, total = results.indexing
            text = f"indexing… {done:,} of {total:,} conversations · " + text
        return text

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if not self._hits:
            return
        current = options.highlighted or 0
        options.highlighted = max(0, min(len(self._hits) - 1, current + step))

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is not None and highlighted < len(self._hits):
            self.dismiss(self._hits[highlighted])

    @on(OptionList.OptionSelected, "#search-results")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        if event.option_index < len(self._hits):
            self.dismiss(self._hits[event.option_index])

    def action_close(self) -> None:
        self.dismiss(None)
