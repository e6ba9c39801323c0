"""Command palette (ctrl+p) providers: every action, and every conversation by title."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from gpt_tui.ui.messages import ConversationChosen

if TYPE_CHECKING:
    from gpt_tui.ui.screens.chat import ChatScreen


class ConversationCommands(Provider):
    """ "Open: <title>" for every saved conversation, fuzzy-matched on the title."""

    def _screen(self) -> ChatScreen | None:
        from gpt_tui.ui.screens.chat import ChatScreen

        screen = self.screen
        return screen if isinstance(screen, ChatScreen) else None

    def _open(self, conversation_id: str) -> Callable[[], object]:
        screen = self._screen()
        assert screen is not None
        return partial(screen.post_message, ConversationChosen(conversation_id))

    async def discover(self) -> Hits:
        screen = self._screen()
        if screen is None:
            return
        for summary in screen.service.list_conversations()[:10]:
            title = summary.title or "New chat"
            yield DiscoveryHit(
                f"Open: {title}", self._open(summary.id), help="Switch to this conversation"
            )

    async def search(self, query: str) -> Hits:
        screen = self._screen()
        if screen is None:
            return
        matcher = self.matcher(query)
        for summary in screen.service.list_conversations():
            text = f"Open: {summary.title or 'New chat'}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    self._open(summary.id),
                    help=f"{summary.message_count} messages · {summary.model}",
                )


class PresetCommands(Provider):
    """ "New chat from preset: <name>" and "Apply preset: <name>" for every preset."""

    def _hits(self) -> list[tuple[str, Callable[[], object], str]]:
        from gpt_tui.ui.screens.chat import ChatScreen

        screen = self.screen
        if not isinstance(screen, ChatScreen):
            return []
        hits: list[tuple[str, Callable[[], object], str]] = []
        for name in screen.service.preset_names():
            summary = screen.service.preset(name).summary()
            new_chat = partial(screen.new_chat_from_preset, name)
            hits.append((f"New chat from preset: {name}", new_chat, summary))
            hits.append((f"Apply preset: {name}", partial(screen.apply_preset, name), summary))
        return hits

    async def discover(self) -> Hits:
        for text, callback, help_text in self._hits():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self._hits():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)
