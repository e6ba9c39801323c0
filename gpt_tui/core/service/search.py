"""Search over every message of every conversation, through the index the store keeps."""

from __future__ import annotations

from gpt_tui.core.store.conversations import ConversationStore
from gpt_tui.core.store.search_index import SearchIndex, SearchResults


class SearchService:
    """Answers searches and brings the index up to date (None: search finds nothing)."""

    def __init__(self, store: ConversationStore, index: SearchIndex | None) -> None:
        """``index`` is the one ``store`` keeps current."""
        self._store = store
        self._index = index

    def search(self, query: str, limit: int = 50) -> SearchResults:
        """Messages and titles of every conversation holding every word of ``query``,
        newest first (blocking, a few ms to a few hundred: call it from a worker thread)."""
        if self._index is None:
            return SearchResults(query, [])
        return self._index.search(query, limit)

    def recent_prompts(self, limit: int = 1000) -> list[str]:
        """The latest different prompts sent in any conversation (from the app or
        ``gpt-tui ask``), newest first: the prompt's history. Blocking (a worker thread)."""
        if self._index is None:
            return []
        return self._index.recent_prompts(limit)

    def catch_up(self) -> int:
        """Index what the search index misses: everything the first time, then what
        changed on disk since (another process, an older version). Blocking, up to
        minutes for a million messages: run it in a worker thread. Returns how many
        conversations were indexed (0 also when a build is already running)."""
        if self._index is None:
            return 0
        return self._index.sync(self._store.list_summaries(), self._store.load_if_readable)
