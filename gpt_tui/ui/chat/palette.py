"""The command palette (ctrl+p) on the chat screen: every action, every conversation by
title, every preset.

Titles, model names and preset summaries are text from users, models and files: hits are
built as :class:`~textual.content.Content` (never parsed as markup) and highlighted from
the fuzzy matcher's offsets; help lines, which the palette always parses as markup, are
escaped (:func:`help_markup`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from gpt_tui.core.params.spec import palette_fields
from gpt_tui.ui.chat.probabilities import show_probabilities
from gpt_tui.ui.screens.compare import COMPARE_TIP
from gpt_tui.ui.widgets.message_list import MessageActionKind

if TYPE_CHECKING:
    from gpt_tui.ui.screens.chat import ChatScreen


@dataclass(frozen=True, slots=True)
class PaletteCommand:
    """One entry of the palette: what it says, a line of help, what it runs."""

    title: str
    help: str
    callback: Callable[[], object]


MESSAGE_COMMANDS: list[tuple[str, str, str, MessageActionKind]] = [
    ("Message: edit and resend", "user", "A new branch; the old stays (e)", "edit"),
    ("Message: regenerate the reply", "assistant", "Kept beside the old (g)", "regenerate"),
    ("Message: continue the stopped reply", "assistant", "Where it ended (m)", "continue"),
    ("Message: copy", "any", "The highlighted or last message (y)", "copy"),
    ("Message: copy a code block", "code", "Pick one if several (c)", "copy-code"),
    ("Message: delete", "any", "With what follows it; asks first (d)", "delete"),
    ("Message: previous branch", "any", "‹ the alternative before ([)", "branch-previous"),
    ("Message: next branch", "any", "the alternative after › (])", "branch-next"),
]
"""(title, which message it acts on, help, action): on the highlighted message, else the
last one of that role ("code": the last with a code block)."""


def chat_commands(screen: ChatScreen) -> list[PaletteCommand]:
    """What ctrl+p offers on the chat screen (besides conversations, presets and themes)."""
    c = PaletteCommand
    list_action = screen.action_list_action
    commands = [
        c("New chat", "Start a new conversation (ctrl+n)", screen.action_new_chat),
        c(
            "Search all messages",
            "Every message of every chat, every branch (ctrl+f)",
            screen.action_search,
        ),
        c("Stop the reply", "Stop streaming; keep the text (Esc)", screen.action_stop),
        c("Compare", COMPARE_TIP, screen.action_compare),
        c("Re-send the last prompt", "After a failure (ctrl+r)", screen.action_retry),
        c("Toggle the conversation list", "Show or hide it (F2)", screen.action_toggle_sidebar),
        c("Toggle the parameter panel", "Show or hide it (F3)", screen.action_toggle_params),
        c("Copy the last reply", "To the clipboard (OSC 52)", screen.action_copy_reply),
        c(
            "Token probabilities",
            "Each token of the highlighted or last reply, shaded, with alternatives (p)",
            partial(show_probabilities, screen),
        ),
        *(
            c(title, help_text, partial(screen.act_on_message, role, action))
            for title, role, help_text, action in MESSAGE_COMMANDS
        ),
        c(
            "Show the request as code",
            "The next request as Python or curl, key redacted (F8)",
            screen.action_request_code,
        ),
        c(
            "Save settings as a preset",
            "System prompt and parameters under a name, in presets.toml",
            screen.action_save_preset,
        ),
        c(
            "Import a role file as a preset",
            'A JSON file with "model" and a system message',
            screen.action_import_role,
        ),
        c(
            "MCP servers: state and tools",
            "Each [mcp.servers.NAME]: running or not, its tools, why it failed",
            screen.tool_results.show_servers,
        ),
        c(
            "Import MCP servers (Claude Desktop JSON)…",
            'Adds a file\'s "mcpServers" to config.toml as [mcp.servers.NAME]',
            screen.tool_results.ask_import_servers,
        ),
        c(
            "Load tools from file…",
            "An OpenAI tools JSON array; name them in the 'tools' parameter",
            screen.tool_results.ask_load_file,
        ),
        c(
            "Export this chat to Markdown",
            "Writes a .md file into the current folder",
            partial(screen.export_chat, "md"),
        ),
        c(
            "Export this chat to JSON",
            "Lossless; gpt-tui import reads it back",
            partial(screen.export_chat, "json"),
        ),
        c("Rename this chat", "Give it a title", partial(list_action, "rename")),
        c("Pin or unpin this chat", "Keep it on top", partial(list_action, "pin")),
        c("Duplicate this chat", "A copy to try something else", partial(list_action, "duplicate")),
        c("Delete this chat", "Asks first; undo for a few seconds", partial(list_action, "delete")),
        c("Undo delete", "Bring back the chat just deleted", partial(list_action, "undelete")),
    ]
    commands.extend(
        c(title, help_text, partial(screen.focus_field, field_id))
        for title, field_id, help_text in palette_fields()
    )
    connections = screen.services.connections
    names = connections.profile_names()
    if len(names) > 1:
        current = screen.conversation.params.profile or connections.default_profile
        for name in names:
            info = connections.profile_info(name)
            in_use = " (in use)" if name == current else ""
            commands.append(
                c(
                    f"Profile: {name}",
                    f"Send this chat through {info.kind} · {info.host}{in_use}",
                    partial(screen.use_profile, name),
                )
            )
    return commands


def help_markup(text: str) -> str:
    """Markup that shows ``text`` literally: every "[" escaped (``textual.markup.escape``
    leaves some tag-like text, "[$x]" for one, to be parsed)."""
    return text.replace("[", "\\[")


def highlighted(matcher: Matcher, text: str) -> Content:
    """``text`` as plain content, its fuzzy-matched characters styled as the palette does."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if not score:
        return content
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class _ChatScreenCommands(Provider):
    """Offers :meth:`entries` while the chat screen is shown, matched on their titles."""

    def entries(self, screen: ChatScreen) -> Iterable[PaletteCommand]:
        raise NotImplementedError

    def discovered(self, screen: ChatScreen) -> Iterable[PaletteCommand]:
        """What the palette lists before anything is typed."""
        return self.entries(screen)

    def _chat_screen(self) -> ChatScreen | None:
        from gpt_tui.ui.screens.chat import ChatScreen

        screen = self.screen
        return screen if isinstance(screen, ChatScreen) else None

    async def discover(self) -> Hits:
        screen = self._chat_screen()
        if screen is None:
            return
        for command in self.discovered(screen):
            yield DiscoveryHit(
                Content(command.title),
                command.callback,
                text=command.title,
                help=help_markup(command.help),
            )

    async def search(self, query: str) -> Hits:
        screen = self._chat_screen()
        if screen is None:
            return
        matcher = self.matcher(query)
        for command in self.entries(screen):
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(
                    score,
                    highlighted(matcher, command.title),
                    command.callback,
                    text=command.title,
                    help=help_markup(command.help),
                )


class ChatCommands(_ChatScreenCommands):
    """Every action of the chat screen (found by typing; ctrl+p alone lists them too)."""

    def entries(self, screen: ChatScreen) -> Iterable[PaletteCommand]:
        return chat_commands(screen)

    def discovered(self, screen: ChatScreen) -> Iterable[PaletteCommand]:
        return sorted(chat_commands(screen), key=lambda command: command.title)


class ConversationCommands(_ChatScreenCommands):
    """ "Open: <title>" for every saved conversation, fuzzy-matched on the title."""

    def entries(self, screen: ChatScreen) -> Iterable[PaletteCommand]:
        for summary in screen.services.chat.list_conversations():
            yield PaletteCommand(
                f"Open: {summary.title or 'New chat'}",
                f"{summary.message_count} messages · {summary.model}",
                partial(screen.conversation_actions.open, summary.id),
            )

    def discovered(self, screen: ChatScreen) -> Iterable[PaletteCommand]:
        for summary in screen.services.chat.list_conversations()[:10]:
            yield PaletteCommand(
                f"Open: {summary.title or 'New chat'}",
                "Switch to this conversation",
                partial(screen.conversation_actions.open, summary.id),
            )


class PresetCommands(_ChatScreenCommands):
    """ "New chat from preset: <name>" and "Apply preset: <name>" for every preset."""

    def entries(self, screen: ChatScreen) -> Iterable[PaletteCommand]:
        presets = screen.services.presets
        for name in presets.names():
            summary = presets.get(name).summary()
            new_chat = partial(screen.new_chat_from_preset, name)
            yield PaletteCommand(f"New chat from preset: {name}", summary, new_chat)
            yield PaletteCommand(
                f"Apply preset: {name}", summary, partial(screen.apply_preset, name)
            )
