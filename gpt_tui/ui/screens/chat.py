"""The main screen: sidebar, chat pane with the prompt, and parameter panel.

This screen owns the UI state (which conversation is open, which panels show). Data
changes go through the chat service; turns run in workers that only post
:class:`TurnProgressed` messages, which the handlers here apply to the widgets.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Resize
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Collapsible, Footer, Select, Static, TextArea
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from gpt_tui.core.config.presets import PresetError
from gpt_tui.core.domain.code_blocks import code_blocks
from gpt_tui.core.domain.conversation import Conversation, Message, MessageStatus
from gpt_tui.core.domain.text import printable
from gpt_tui.core.params.fields import ParamError
from gpt_tui.core.providers.base import ProviderError
from gpt_tui.core.service.chat import (
    ChatService,
    ReplyDelta,
    ReplyFinished,
    TitleChanged,
    TurnEvent,
    TurnPlan,
    TurnRefused,
    TurnStarted,
)
from gpt_tui.core.store.conversations import StoreError
from gpt_tui.core.store.search_index import SearchHit
from gpt_tui.paths import display_path
from gpt_tui.ui.messages import (
    ConversationAction,
    ConversationChosen,
    MessageActionChosen,
    MessageActionKind,
    ModelDataLoaded,
    ModelsListed,
    ParamsEdited,
    PresetChosen,
    PresetSaveRequested,
    PromptSubmitted,
    TurnProgressed,
)
from gpt_tui.ui.screens.dialogs import AskText, Confirm
from gpt_tui.ui.screens.message_dialogs import PickCodeBlock
from gpt_tui.ui.screens.request_code import RequestCodeScreen
from gpt_tui.ui.screens.search import SearchScreen
from gpt_tui.ui.widgets.chat_view import PAGE, ChatView, model_label
from gpt_tui.ui.widgets.live_text import LiveText
from gpt_tui.ui.widgets.message_list import MessageList
from gpt_tui.ui.widgets.param_panel import ParamPanel
from gpt_tui.ui.widgets.prompt_input import PromptInput
from gpt_tui.ui.widgets.sidebar import Sidebar
from gpt_tui.ui.widgets.usage_panel import LiveStats, UsagePanel

MAX_DRAFTS = 200
"""Drafts kept across restarts (the most recent ones)."""
DRAFT_SAVE_DELAY = 1.0
"""Seconds without a keystroke before the draft is saved (a keystroke restarts the wait, so
the save comes 1 to 2 s after the last key; never a write per keystroke)."""
ELSEWHERE_CHECK_S = 2.0
"""How often to look for changes another gpt-tui on the same data folder saved."""
UNDO_SECONDS = 10.0
"""How long a deleted conversation can be brought back with "u"."""
LARGE_DRAFT = 20_000
"""Drafts this long (characters) are recounted only when typing pauses…"""
LARGE_DRAFT_DELAY = 0.4
"""…for this many seconds, so a keystroke never waits for the encoder."""
LIVE_REFRESH_S = 0.25
"""How often the streaming figures (tokens so far, tokens/s) are redrawn."""

if TYPE_CHECKING:
    from gpt_tui.ui.app import GptTuiApp

NARROW_WIDTH = 100
"""Below this many columns the side panels start hidden and open as overlays, one at a time,
so the chat always keeps the room."""
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


@dataclass
class LiveReply:
    """A reply streaming now: when its turn started, its first chunk, chunks so far."""

    started: float
    first_chunk: float | None = None
    chunks: int = 0
    drawn: float = 0.0

    def per_second(self, now: float) -> float | None:
        if self.first_chunk is None or now - self.first_chunk < 0.2:
            return None
        return self.chunks / (now - self.first_chunk)


class ChatScreen(Screen[None]):
    """Three panes: conversations, the open conversation, its parameters."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+n", "new_chat", "New chat", tooltip="Start a new conversation.", id="chat.new"
        ),
        Binding(
            "escape",
            "stop",
            "Stop",
            priority=True,
            tooltip="Stop the reply that is streaming; the partial text is kept.",
            id="chat.stop",
        ),
        Binding(
            "ctrl+r",
            "retry",
            "Re-send",
            tooltip="Send the last prompt again after a failed or interrupted reply.",
            id="chat.resend",
        ),
        Binding(
            "f2",
            "toggle_sidebar",
            "Chats",
            tooltip="Show or hide the conversation list.",
            id="chat.toggle-sidebar",
        ),
        Binding(
            "f3",
            "toggle_params",
            "Params",
            tooltip="Show or hide the parameter and usage panel.",
            id="chat.toggle-params",
        ),
        Binding(
            "f4", "app.setup", "Setup", tooltip="Set the API key or server URL.", id="chat.setup"
        ),
        Binding(
            "f8",
            "request_code",
            "Code",
            tooltip="Show the next request as Python or curl, ready to copy (key redacted).",
            id="chat.request-code",
        ),
        Binding(
            "ctrl+f",
            "search",
            "Search",
            show=False,
            tooltip="Search every message of every chat; Enter opens one at the match.",
            id="chat.search",
        ),
        Binding(
            "ctrl+l",
            "focus_prompt",
            "Prompt",
            show=False,
            tooltip="Put the cursor in the prompt.",
            id="chat.focus-prompt",
        ),
        Binding(
            "question_mark",
            "app.help",
            "Help",
            show=False,
            tooltip="Show the keys (outside text fields).",
            id="chat.help",
        ),
    ]

    sidebar_visible: reactive[bool] = reactive(True)
    params_visible: reactive[bool] = reactive(True)

    def __init__(self, service: ChatService) -> None:
        super().__init__()
        self.service = service
        self.conversation: Conversation = service.new_conversation()
        self._workers: dict[str, Worker[object]] = {}
        self._width = 0
        self._live: dict[str, LiveReply] = {}
        """Streaming replies by conversation id."""
        self._status_timer: Timer | None = None
        self._estimate_timer: Timer | None = None
        self._drafts: dict[str, str] = {}
        """Unsent prompt text per conversation, kept across switches and restarts."""
        self._unsaved_drafts: set[str] = set()
        """Conversations whose draft changed since drafts were last saved."""
        self._draft_timer: Timer | None = None
        self._shown_id: str | None = None
        self._deleted: str | None = None
        """The conversation deleted last, while "undo" can still bring it back."""
        self._loaded_models: set[str] = set()
        self._warm = False
        self._editing: str | None = None
        """The past prompt being edited in the input (Enter sends it as a new branch)."""
        self._draft_before_edit = ""
        """What the input held before editing began; it comes back afterwards."""

    @property
    def gpt_app(self) -> GptTuiApp:
        from gpt_tui.ui.app import GptTuiApp

        assert isinstance(self.app, GptTuiApp)
        return self.app

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Vertical(id="chat-pane"):
                yield Static("", id="chat-title", markup=False)
                yield MessageList(id="chat")
                yield LiveText(id="status-line")
                yield PromptInput(id="prompt")
            yield ParamPanel(id="params")
        yield Footer()

    async def on_mount(self) -> None:
        saved = self.service.state().get("drafts")
        if isinstance(saved, dict):
            self._drafts = {str(k): v for k, v in saved.items() if isinstance(v, str) and v}
        last = self.service.last_conversation_id()
        if last is not None:
            try:
                self.conversation = self.service.open(last)
            except StoreError:
                self.conversation = self.service.new_conversation()
        await self._show_conversation()
        self.query_one(PromptInput).focus()
        for notice in self.service.take_notices():
            self.notify(notice, severity="warning", timeout=10)
        self.set_interval(ELSEWHERE_CHECK_S, self._check_elsewhere)

    async def _check_elsewhere(self) -> None:
        """Show what another gpt-tui on the same data folder saved: a new conversation
        list, and the conversation on screen again when it changed there."""
        changes = self.service.changes_elsewhere()
        if self.conversation.id in changes.conversations and self._editing is None:
            await self._show_conversation()
        elif changes.list_changed:
            self.refresh_sidebar()

    # Layout --------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        width = event.size.width
        narrow = width < NARROW_WIDTH
        if self._width == 0 or narrow != (self._width < NARROW_WIDTH):
            self.sidebar_visible = not narrow
            self.params_visible = not narrow
        self._width = width
        self.set_class(narrow, "-narrow")

    def watch_sidebar_visible(self, visible: bool) -> None:
        self.query_one(Sidebar).display = visible

    def watch_params_visible(self, visible: bool) -> None:
        self.query_one(ParamPanel).display = visible

    def action_toggle_sidebar(self) -> None:
        self.sidebar_visible = not self.sidebar_visible
        if self.sidebar_visible and self.has_class("-narrow"):
            self.params_visible = False
        if self.sidebar_visible:
            self.query_one("#conversation-list").focus()
        else:
            self.action_focus_prompt()

    def action_toggle_params(self) -> None:
        self.params_visible = not self.params_visible
        if self.params_visible and self.has_class("-narrow"):
            self.sidebar_visible = False
        if not self.params_visible:
            self.action_focus_prompt()

    def action_focus_prompt(self) -> None:
        self.query_one(PromptInput).focus()

    # Command palette -----------------------------------------------------------------

    def palette_commands(self) -> list[SystemCommand]:
        """What ctrl+p offers on this screen (besides conversations and themes)."""
        commands = [
            SystemCommand("New chat", "Start a new conversation (ctrl+n)", self.action_new_chat),
            SystemCommand(
                "Search all messages",
                "Every message of every chat, every branch (ctrl+f)",
                self.action_search,
            ),
            SystemCommand(
                "Stop the reply", "Stop streaming; keep the text (Esc)", self.action_stop
            ),
            SystemCommand("Re-send the last prompt", "After a failure (ctrl+r)", self.action_retry),
            SystemCommand(
                "Toggle the conversation list", "Show or hide it (F2)", self.action_toggle_sidebar
            ),
            SystemCommand(
                "Toggle the parameter panel", "Show or hide it (F3)", self.action_toggle_params
            ),
            SystemCommand(
                "Copy the last reply", "To the clipboard (OSC 52)", self.action_copy_reply
            ),
            *self._message_commands(),
            SystemCommand(
                "Show the request as code",
                "The next request as Python or curl, key redacted (F8)",
                self.action_request_code,
            ),
            SystemCommand(
                "Save settings as a preset",
                "System prompt and parameters under a name, in presets.toml",
                self.action_save_preset,
            ),
            SystemCommand(
                "Import a role file as a preset",
                'A JSON file with "model" and a system message',
                self.action_import_role,
            ),
            SystemCommand(
                "Export this chat to Markdown",
                "Writes a .md file into the current folder",
                partial(self.export_chat, "md"),
            ),
            SystemCommand(
                "Export this chat to JSON",
                "Lossless; gpt-tui import reads it back",
                partial(self.export_chat, "json"),
            ),
            SystemCommand(
                "Rename this chat", "Give it a title", partial(self.action_list_action, "rename")
            ),
            SystemCommand(
                "Pin or unpin this chat", "Keep it on top", partial(self.action_list_action, "pin")
            ),
            SystemCommand(
                "Duplicate this chat",
                "A copy to try something else",
                partial(self.action_list_action, "duplicate"),
            ),
            SystemCommand(
                "Delete this chat",
                "Asks first; undo for a few seconds",
                partial(self.action_list_action, "delete"),
            ),
            SystemCommand(
                "Undo delete",
                "Bring back the chat just deleted",
                partial(self.action_list_action, "undelete"),
            ),
        ]
        fields = [
            ("Model: switch model", "param-model", "Type a model name for this chat"),
            ("Parameter: temperature", "param-temperature", "0–2; empty = server default"),
            ("Parameter: top_p", "param-top_p", "0–1; empty = server default"),
            ("Parameter: max_tokens", "param-max_tokens", "Cap the reply length"),
            ("Parameter: system prompt", "param-system_prompt", "Instructions sent first"),
            ("Parameter: history sent", "param-context", "Everything, last N turns, or fit"),
            ("Parameter: presence penalty", "param-presence_penalty", "-2–2; advanced"),
            ("Parameter: frequency penalty", "param-frequency_penalty", "-2–2; advanced"),
            ("Parameter: seed", "param-seed", "Best-effort reproducible sampling; advanced"),
            ("Parameter: stop sequences", "param-stop", "Up to 4, | between; advanced"),
            ("Parameter: response format", "param-response_format", "Text or JSON; advanced"),
            ("Parameter: reasoning effort", "param-reasoning_effort", "Reasoning models"),
        ]
        commands.extend(
            SystemCommand(title, help_text, partial(self.focus_field, field_id))
            for title, field_id, help_text in fields
        )
        providers = self.service.providers
        current = self.conversation.params.profile or providers.default_profile
        commands.extend(
            SystemCommand(
                f"Profile: {name}",
                f"Send this chat through {providers.profile(name).effective_kind} · "
                f"{providers.profile(name).host}" + (" (in use)" if name == current else ""),
                partial(self.use_profile, name),
            )
            for name in self.service.profile_names()
            if len(self.service.profile_names()) > 1
        )
        return commands

    def use_profile(self, name: str) -> None:
        """Send this conversation through another profile (as choosing it in the panel)."""
        self.query_one("#param-profile", Select).value = name

    def _message_commands(self) -> list[SystemCommand]:
        """Message actions: on the highlighted message, else the last prompt or reply."""
        entries: list[tuple[str, str, str, MessageActionKind]] = [
            ("Message: edit and resend", "user", "A new branch; the old stays (e)", "edit"),
            ("Message: regenerate the reply", "assistant", "Kept beside the old (g)", "regenerate"),
            ("Message: continue the stopped reply", "assistant", "Where it ended (m)", "continue"),
            ("Message: copy", "any", "The highlighted or last message (y)", "copy"),
            ("Message: copy a code block", "code", "Pick one if several (c)", "copy-code"),
            ("Message: delete", "any", "With what follows it; asks first (d)", "delete"),
            ("Message: previous branch", "any", "‹ the alternative before ([)", "branch-previous"),
            ("Message: next branch", "any", "the alternative after › (])", "branch-next"),
        ]
        return [
            SystemCommand(title, help_text, partial(self.act_on_message, role, action))
            for title, role, help_text, action in entries
        ]

    def act_on_message(self, role: str, action: MessageActionKind) -> None:
        """A palette command: act on the highlighted message, or the last fitting one."""
        messages = self.conversation.messages
        chat = self.query_one(MessageList)
        target = self.conversation.tree.get(chat.cursor or "")
        if target is None or target not in messages:
            fitting = [
                m
                for m in messages
                if role in ("any", m.role) or (role == "code" and code_blocks(m.content))
            ]
            target = fitting[-1] if fitting else None
        if target is None:
            self.notify("There is no message for that here yet.")
            return
        self.post_message(MessageActionChosen(target.id, action))

    def export_chat(self, fmt: str) -> None:
        """Export the open conversation into the folder gpt-tui was started from."""
        if not self.conversation.messages:
            self.notify("This chat is empty: nothing to export yet.")
            return
        try:
            path = self.service.export(self.conversation, fmt, Path.cwd())
        except OSError as exc:
            self.notify(f"Could not write the file: {exc}", title="Export", severity="error")
            return
        self.notify(f"Wrote {display_path(path)}", title="Exported")

    def focus_field(self, field_id: str) -> None:
        """Show the parameter panel and put the cursor in one of its fields."""
        if not self.params_visible:
            self.action_toggle_params()
        field = self.query_one(f"#{field_id}")
        for collapsible in field.ancestors_with_self:
            if isinstance(collapsible, Collapsible):
                collapsible.collapsed = False
        if field.disabled:
            self.notify(f"Not for {self.conversation.params.model}: see the note under it.")
        field.focus()

    def action_copy_text(self) -> None:
        """ctrl+c with text selected by mouse in the chat: copy it, and say so."""
        selection = self.get_selected_text()
        if selection is None:
            raise SkipAction()
        self.gpt_app.copy_text(selection, "the selected text")

    def action_copy_reply(self) -> None:
        replies = [m for m in self.conversation.messages if m.role == "assistant" and m.content]
        if not replies:
            self.notify("There is no reply to copy yet.")
            return
        self.gpt_app.copy_text(replies[-1].content, "the last reply")

    # Conversations -------------------------------------------------------------------

    async def action_new_chat(self) -> None:
        if not self.conversation.messages:
            self.action_focus_prompt()
            return
        self.conversation = self.service.new_conversation()
        await self._show_conversation()
        self.action_focus_prompt()

    def action_search(self) -> None:
        """ctrl+f: search every conversation; the hit chosen opens at its message."""
        self.app.push_screen(SearchScreen(self.service, self.gpt_app.now()), self.open_hit)

    async def open_hit(self, hit: SearchHit | None) -> None:
        """Open the conversation of a search hit and show, highlight and scroll to its
        message, switching to its branch when another one is shown."""
        if hit is None:
            return
        try:
            conversation = self.service.open(hit.conversation_id)
        except StoreError as exc:
            self.notify(str(exc), title="Could not open the conversation", severity="error")
            return
        note = ""
        if hit.message_id is not None and hit.message_id not in conversation.tree:
            note = "That message is no longer in this conversation (it was deleted)."
        elif hit.message_id is not None:
            try:
                switched = self.service.select_message(conversation, hit.message_id)
            except TurnRefused as exc:
                switched, note = False, f"The match is on another branch. {exc}"
            if switched:
                note = "The match is on another branch: that branch is shown now."
        chat = self.query_one(MessageList)
        if conversation is not self.conversation or note:
            self.conversation = conversation
            await self._show_conversation()
        if hit.message_id is not None and await chat.reveal(hit.message_id):
            chat.focus()
        else:
            self.action_focus_prompt()
        if note:
            self.notify(note, title="Search")

    @on(ConversationChosen)
    async def open_conversation(self, event: ConversationChosen) -> None:
        if event.conversation_id == self.conversation.id:
            self.action_focus_prompt()
            return
        try:
            conversation = self.service.open(event.conversation_id)
        except StoreError as exc:
            self.notify(str(exc), title="Could not open the conversation", severity="error")
            self.refresh_sidebar()
            return
        self.conversation = conversation
        await self._show_conversation()
        self.action_focus_prompt()

    # Sidebar actions -----------------------------------------------------------------

    def action_list_action(self, kind: str) -> None:
        """The clickable actions under the list act on the highlighted conversation."""
        target = self.query_one(Sidebar).highlighted_id() or (
            self.conversation.id if self.conversation.messages else None
        )
        if target is not None or kind == "undelete":
            self.post_message(ConversationAction(kind, target))

    @on(ConversationAction)
    async def conversation_action(self, event: ConversationAction) -> None:
        if event.kind == "undelete":
            await self._undelete()
            return
        if event.conversation_id is None:
            return
        try:
            conversation = self.service.open(event.conversation_id)
        except StoreError as exc:
            self.notify(str(exc), title="Could not open the conversation", severity="error")
            return
        if event.kind == "rename":
            self.app.push_screen(
                AskText("New title:", conversation.title),
                partial(self._renamed, conversation.id),
            )
        elif event.kind == "pin":
            self.service.set_pinned(conversation, not conversation.pinned)
            self.refresh_sidebar()
        elif event.kind == "duplicate":
            self.conversation = self.service.duplicate(conversation)
            await self._show_conversation()
        elif event.kind == "delete":
            title = conversation.title or "New chat"
            self.app.push_screen(
                Confirm(f"Delete “{title}” ({len(conversation.messages)} messages)?", "Delete"),
                partial(self._delete_confirmed, conversation.id),
            )

    def _renamed(self, conversation_id: str, title: str | None) -> None:
        if title is None or not title.strip():
            return
        self.service.rename(self.service.open(conversation_id), title)
        self._show_title()
        self.refresh_sidebar()

    async def _delete_confirmed(self, conversation_id: str, confirmed: bool | None) -> None:
        if not confirmed:
            return
        conversation = self.service.open(conversation_id)
        try:
            self.service.delete(conversation)
        except (TurnRefused, StoreError) as exc:
            self.notify(str(exc), title="Not deleted", severity="warning")
            return
        self._deleted = conversation_id
        self.set_timer(UNDO_SECONDS, partial(self._forget_undo, conversation_id))
        self.notify(
            f"Deleted “{conversation.title or 'New chat'}”. Press u in the list (or ctrl+p → "
            f"Undo delete) within {UNDO_SECONDS:g} s to bring it back.",
            title="Deleted",
            timeout=UNDO_SECONDS,
        )
        if conversation_id == self.conversation.id:
            self.conversation = self.service.new_conversation()
            await self._show_conversation()
        else:
            self.refresh_sidebar()

    def _forget_undo(self, conversation_id: str) -> None:
        if self._deleted == conversation_id:
            self._deleted = None

    async def _undelete(self) -> None:
        if self._deleted is None:
            self.notify("Nothing to undo: the undo time has passed or nothing was deleted.")
            return
        conversation_id, self._deleted = self._deleted, None
        try:
            self.conversation = self.service.undelete(conversation_id)
        except StoreError as exc:
            self.notify(str(exc), title="Could not undo", severity="error")
            return
        await self._show_conversation()
        self.notify(f"Restored “{self.conversation.title or 'New chat'}”.")

    async def send_new(self, prompt: str) -> None:
        """Start a new conversation and send ``prompt`` (``gpt-tui "question"``)."""
        self.conversation = self.service.new_conversation()
        await self._show_conversation()
        self.post_message(PromptSubmitted(prompt))

    async def adopt_default_model(self) -> None:
        """After setup: a chat with no messages yet switches to the new default model."""
        if not self.conversation.messages:
            self.conversation = self.service.new_conversation()
            await self._show_conversation()

    async def _show_conversation(self) -> None:
        conversation = self.conversation
        prompt = self.query_one(PromptInput)
        if self._shown_id is not None and self._shown_id != conversation.id:
            self._keep_draft(self._shown_id, prompt.text)
        switched = self._shown_id != conversation.id
        if switched:
            if self._editing is not None:
                self._end_edit()
            prompt.text = self._drafts.pop(conversation.id, "")
        self._shown_id = conversation.id
        if switched and self._unsaved_drafts:
            self.save_drafts()
        live = self._live_texts(conversation.messages)
        chat = self.query_one(MessageList)
        await chat.show_messages(conversation.id, conversation.messages, live)
        await chat.set_branches(self._branch_positions())
        panel = self.query_one(ParamPanel)
        panel.show_profiles(self.service.profile_names(), self.service.providers.default_profile)
        panel.show_presets(self.service.preset_names())
        panel.load(conversation.params, self._provider_label())
        self._list_models(conversation.params.profile)
        self._show_title()
        self._show_status()
        self.refresh_sidebar()
        self.refresh_usage()
        if conversation.messages:
            self.service.remember_state(last_conversation_id=conversation.id)

    def _live_texts(self, messages: Sequence[Message]) -> dict[str, str]:
        """The text streamed so far of replies streaming here. A reply another gpt-tui is
        streaming has none here: it shows what that process last saved."""
        streaming = (m.id for m in messages if m.status is MessageStatus.STREAMING)
        return {mid: text for mid in streaming if (text := self.service.live_text(mid))}

    def _keep_draft(self, conversation_id: str, text: str) -> None:
        if text.strip():
            self._drafts[conversation_id] = text
        else:
            self._drafts.pop(conversation_id, None)

    def save_drafts(self) -> None:
        """Persist the drafts changed since the last save: once typing pauses, on a switch
        of conversation and at quit (never on every keystroke)."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        if not self._unsaved_drafts:
            return
        texts = dict(self._drafts)
        if self._shown_id is not None:
            editing = self._editing is not None
            texts[self._shown_id] = (
                self._draft_before_edit if editing else self.query_one(PromptInput).text
            )
        changes = {cid: texts.get(cid, "") for cid in self._unsaved_drafts}
        self._unsaved_drafts.clear()
        self.service.remember_drafts(changes, MAX_DRAFTS)

    def refresh_sidebar(self) -> None:
        self.query_one(Sidebar).show(
            self.service.list_conversations(), self.conversation.id, self.gpt_app.now()
        )

    def _show_title(self) -> None:
        title = self.conversation.title or "New chat"
        model = model_label(self.conversation.params.model)
        self.query_one("#chat-title", Static).update(Content(printable(f"{title}  ·  {model}")))

    def _show_status(self) -> None:
        """The line above the prompt: a spinner and timings while a reply comes, or a hint."""
        live = self._live.get(self.conversation.id)
        now = time.monotonic()
        if live is not None:
            frame = SPINNER[int(now * 10) % len(SPINNER)]
            if live.first_chunk is None:
                text = (
                    f"{frame} waiting for the first token… {now - live.started:.1f} s · Esc stops"
                )
            else:
                rate = live.per_second(now)
                speed = f" · {rate:.0f} tok/s" if rate else ""
                text = f"{frame} streaming · ≈{live.chunks:,} tok{speed} · Esc stops"
        elif self._editing is not None:
            text = "Editing a sent message: Enter sends it as a new branch · Esc cancels"
        elif self.service.can_retry(self.conversation):
            text = "The last prompt has no complete reply: ctrl+r sends it again"
        else:
            text = ""
        line = self.query_one("#status-line", LiveText)
        line.set_content(Content(text))
        if line.display != bool(text):
            line.display = bool(text)
        self._run_status_timer(live is not None)

    def _run_status_timer(self, running: bool) -> None:
        """Tick the spinner only while something streams here (idle CPU stays at zero)."""
        if running and self._status_timer is None:
            self._status_timer = self.set_interval(0.1, self._show_status)
        elif not running and self._status_timer is not None:
            self._status_timer.stop()
            self._status_timer = None

    def _provider_label(self) -> str:
        params = self.conversation.params
        return self.service.provider_label(params.model, params.profile)

    def _list_models(self, profile: str | None) -> None:
        try:
            configured = self.service.providers.profile(profile).configured
        except ProviderError:
            return  # a profile removed from config.toml: the send will explain
        if self._warm and configured:
            self._fetch_models(profile)

    @work(exclusive=True, exit_on_error=False, group="models")
    async def _fetch_models(self, profile: str | None) -> None:
        """Ask the profile's server which models it has (GET /models), in the background."""
        self.post_message(ModelsListed(profile, await self.service.models_for(profile)))

    @on(ModelsListed)
    def models_listed(self, message: ModelsListed) -> None:
        if message.profile == self.conversation.params.profile:
            self.query_one(ParamPanel).suggest_models(message.models)

    # Usage ---------------------------------------------------------------------------

    def refresh_usage(self) -> None:
        """Redraw every usage figure for the open conversation."""
        self.refresh_estimate()
        panel = self.query_one(UsagePanel)
        replies = [m for m in self.conversation.messages if m.role == "assistant"]
        last = replies[-1] if replies else None
        panel.show_reply(last, self._live_stats(self.conversation.id))
        panel.show_totals(
            self.service.conversation_totals(self.conversation),
            self.service.day_totals(),
            self.service.all_time_totals(),
        )

    def refresh_estimate(self) -> None:
        """Recount the draft and the next request (cheap: only the draft is encoded)."""
        draft = self.query_one(PromptInput).text
        estimate = self.service.estimate(self.conversation, draft, editing=self._editing)
        self.query_one(UsagePanel).show_estimate(estimate)
        self.query_one(ChatView).set_excluded(estimate.excluded_ids)

    def _live_stats(self, conversation_id: str) -> LiveStats | None:
        live = self._live.get(conversation_id)
        if live is None:
            return None
        return LiveStats(tokens=live.chunks, per_second=live.per_second(time.monotonic()))

    @on(TextArea.Changed, "#prompt")
    def draft_changed(self) -> None:
        """Recount at once for normal drafts; for huge pastes, once typing pauses. Save the
        draft once typing pauses."""
        if self._shown_id is not None and self._editing is None:
            self._unsaved_drafts.add(self._shown_id)
            if self._draft_timer is None:
                self._draft_timer = self.set_timer(DRAFT_SAVE_DELAY, self.save_drafts)
            else:
                self._draft_timer.reset()
        if len(self.query_one(PromptInput).text) < LARGE_DRAFT:
            self.refresh_estimate()
            return
        if self._estimate_timer is not None:
            self._estimate_timer.stop()
        self._estimate_timer = self.set_timer(LARGE_DRAFT_DELAY, self.refresh_estimate)

    def start_warm_up(self) -> None:
        """Start loading encoders and prices (the app calls this after the first frame)."""
        self._warm = True
        self._ensure_model_data(self.conversation.params.model)
        self._list_models(self.conversation.params.profile)
        self._catch_up_search()

    @work(thread=True, exit_on_error=False, group="search-index")
    def _catch_up_search(self) -> None:
        """Index what changed on disk since the last run (everything, the first time) in
        the background, so ctrl+f answers at once later."""
        self.service.ensure_search_index()

    def _ensure_model_data(self, model: str) -> None:
        if self._warm and model not in self._loaded_models:
            self._loaded_models.add(model)
            self._load_model_data(model)

    @work(thread=True, exit_on_error=False, group="model-data")
    def _load_model_data(self, model: str) -> None:
        """Load the encoder and prices off the UI thread; figures are ≈ until then."""
        self.service.load_prices()
        self.service.load_tokenizer(model)
        self.post_message(ModelDataLoaded(model))

    @on(ModelDataLoaded)
    def model_data_loaded(self, message: ModelDataLoaded) -> None:
        if message.model == self.conversation.params.model:
            self.refresh_usage()

    # Parameters ----------------------------------------------------------------------

    @on(ParamsEdited)
    def params_edited(self, event: ParamsEdited) -> None:
        try:
            params = event.form.to_params()
        except ParamError:
            return  # the panel shows the error; sending is refused until it is fixed
        profile_changed = params.profile != self.conversation.params.profile
        self.service.update_params(self.conversation, params)
        if profile_changed:
            self._list_models(params.profile)
        self._after_params_changed()

    def _after_params_changed(self) -> None:
        params = self.conversation.params
        self._show_title()
        self.query_one(ParamPanel).show_provider(self._provider_label())
        self._ensure_model_data(params.model)
        self.refresh_estimate()

    # Presets and request code -------------------------------------------------------

    @on(PresetChosen)
    def preset_chosen(self, event: PresetChosen) -> None:
        self.apply_preset(event.name)

    def apply_preset(self, name: str) -> None:
        """Give the open conversation the preset's system prompt and parameters."""
        try:
            params = self.service.apply_preset(self.conversation, name)
        except KeyError:
            self.notify(f"There is no preset named '{name}' any more.", severity="warning")
            return
        panel = self.query_one(ParamPanel)
        panel.load(params, self._provider_label())
        self._after_params_changed()
        self.notify(f"Applied the preset '{name}'.", title="Preset")

    async def new_chat_from_preset(self, name: str) -> None:
        """Start a new conversation with the preset applied."""
        if self.conversation.messages:
            self.conversation = self.service.new_conversation()
            await self._show_conversation()
        self.apply_preset(name)
        self.action_focus_prompt()

    @on(PresetSaveRequested)
    def action_save_preset(self) -> None:
        """Ask for a name, then save the open conversation's settings as a preset."""
        errors = self.query_one(ParamPanel).form().errors()
        if errors:
            self.notify("\n".join(errors.values()), title="Fix the parameters first")
            return
        self.app.push_screen(AskText("Save these settings as the preset named:", ""), self._save)

    def _save(self, name: str | None) -> None:
        if not name or not name.strip():
            return
        try:
            path = self.service.save_preset(name, self.conversation.params)
        except PresetError as exc:
            self.notify(str(exc), title="Preset not saved", severity="error", timeout=10)
            return
        self.query_one(ParamPanel).show_presets(self.service.preset_names())
        self.notify(f"Saved the preset '{name.strip()}' to {display_path(path)}.", title="Preset")

    def action_import_role(self) -> None:
        self.app.push_screen(AskText("Path of the role JSON file:", ""), self._import_role)

    def _import_role(self, path: str | None) -> None:
        if not path or not path.strip():
            return
        try:
            preset, notes = self.service.import_role_file(Path(path.strip()).expanduser())
        except PresetError as exc:
            self.notify(str(exc), title="Role not imported", severity="error", timeout=10)
            return
        self.query_one(ParamPanel).show_presets(self.service.preset_names())
        extra = f" ({'; '.join(notes)})" if notes else ""
        self.notify(f"Imported the preset '{preset.name}'{extra}.", title="Preset")

    def action_request_code(self) -> None:
        """Show the next request (history + the draft) as Python and curl."""
        draft = self.query_one(PromptInput).text
        code = self.service.request_code(self.conversation, draft)
        self.app.push_screen(RequestCodeScreen(code, self.conversation.params.model))

    # Turns ---------------------------------------------------------------------------

    @on(PromptSubmitted)
    def prompt_submitted(self, event: PromptSubmitted) -> None:
        if not self._params_valid():
            return
        editing = self._editing
        if editing is not None and editing not in self.conversation.tree:
            editing = None  # the message was deleted meanwhile: send as a new prompt
        plan = TurnPlan.send(event.text) if editing is None else TurnPlan.edit(editing, event.text)
        reason = self.service.refusal_for(self.conversation, plan)
        if reason is not None:
            self.notify(reason, title="Not sent", severity="warning", timeout=8)
            return
        prompt = self.query_one(PromptInput)
        prompt.clear()
        if self._editing is not None:
            self._end_edit()
        self._start_turn(plan)

    def _params_valid(self) -> bool:
        """Whether the parameter fields are valid (if not, say so and show them)."""
        errors = self.query_one(ParamPanel).form().errors()
        if errors:
            self.params_visible = True
            self.notify(
                "\n".join(errors.values()),
                title="Fix the parameters before sending",
                severity="error",
            )
        return not errors

    def action_retry(self) -> None:
        reason = self.service.refusal(self.conversation, None)
        if reason is not None:
            self.notify(reason, title="Nothing re-sent")
            return
        self._start_turn(TurnPlan.retry())

    def action_stop(self) -> None:
        worker = self._workers.get(self.conversation.id)
        if worker is not None and worker.is_running:
            worker.cancel()
        elif self._editing is not None:
            self._end_edit()
            self.notify("Edit cancelled; the message is unchanged.")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.service.is_streaming(self.conversation.id) or self._editing is not None
        return True

    def _start_turn(self, plan: TurnPlan) -> None:
        conversation = self.conversation
        worker: Worker[object] = self.run_worker(
            self._run_turn(conversation, plan),
            name=f"turn-{conversation.id}",
            group="turns",
            exit_on_error=False,
        )
        self._workers[conversation.id] = worker

    async def _run_turn(self, conversation: Conversation, plan: TurnPlan) -> None:
        """The worker: runs the turn in the service and posts its progress as messages."""
        try:
            await self.service.run(conversation, plan, self._post_progress)
        except TurnRefused as exc:
            self.post_message(TurnProgressed(None, refused=str(exc), prompt=plan.prompt))

    # Message actions -----------------------------------------------------------------

    @on(MessageActionChosen)
    async def message_action(self, event: MessageActionChosen) -> None:
        """A key, click or command asked to act on one message of the open conversation."""
        message = self.conversation.tree.get(event.message_id)
        if message is None:
            return
        action = event.action
        if action == "edit":
            self._begin_edit(message)
        elif action in ("regenerate", "continue"):
            plan = (
                TurnPlan.regenerate(message.id)
                if action == "regenerate"
                else TurnPlan.continue_reply(message.id)
            )
            reason = self.service.refusal_for(self.conversation, plan)
            if reason is not None:
                self.notify(reason, title="Not sent", severity="warning", timeout=8)
            elif self._params_valid():
                self._start_turn(plan)
        elif action == "delete":
            self._ask_delete(message)
        elif action == "copy":
            what = "your message" if message.role == "user" else "the reply"
            self.gpt_app.copy_text(message.content, what)
        elif action == "copy-code":
            self._copy_code(message)
        else:
            await self._switch_branch(message, -1 if action == "branch-previous" else 1)

    def _begin_edit(self, message: Message) -> None:
        if message.role != "user":
            self.notify("Only your own messages can be edited; g asks for another reply.")
            return
        prompt = self.query_one(PromptInput)
        if self._editing is None:
            self._draft_before_edit = prompt.text
        self._editing = message.id
        prompt.text = message.content
        prompt.move_cursor(prompt.document.end)
        prompt.focus()
        self._show_status()
        self.refresh_estimate()
        self.refresh_bindings()

    def _end_edit(self) -> None:
        """Leave editing; the input gets back what it held before."""
        self._editing = None
        self.query_one(PromptInput).text = self._draft_before_edit
        self._draft_before_edit = ""
        self._show_status()
        self.refresh_bindings()

    def _ask_delete(self, message: Message) -> None:
        count = len(self.conversation.tree.subtree(message.id))
        what = "this prompt" if message.role == "user" else "this reply"
        after = count - 1
        following = (
            f" and the {after} message{'s' if after != 1 else ''} after it (on every branch)"
            if after
            else ""
        )
        self.app.push_screen(
            Confirm(f"Delete {what}{following}? This cannot be undone.", "Delete"),
            partial(self._delete_message_confirmed, self.conversation, message.id),
        )

    async def _delete_message_confirmed(
        self, conversation: Conversation, message_id: str, confirmed: bool | None
    ) -> None:
        if not confirmed or message_id not in conversation.tree:
            return
        anchor = conversation.tree.parent_id(message_id)
        try:
            removed = self.service.delete_message(conversation, message_id)
        except TurnRefused as exc:
            self.notify(str(exc), title="Not deleted", severity="warning")
            return
        if self._editing is not None and self._editing not in conversation.tree:
            self._end_edit()
        count = len(removed)
        self.notify(f"Deleted {count} message{'s' if count != 1 else ''}.", title="Deleted")
        if conversation is self.conversation:
            await self._show_after(anchor)
            self.refresh_usage()
            self._show_status()
        self.refresh_sidebar()

    def _copy_code(self, message: Message) -> None:
        blocks = code_blocks(message.content)
        if not blocks:
            self.notify("This message has no code block; y copies the whole message.")
        elif len(blocks) == 1:
            self.gpt_app.copy_text(blocks[0].code, f"the {blocks[0].language or 'code'} block")
        else:

            def chosen(index: int | None) -> None:
                if index is not None:
                    block = blocks[index]
                    what = f"code block {index + 1} ({block.language or 'text'})"
                    self.gpt_app.copy_text(block.code, what)

            self.app.push_screen(PickCodeBlock(blocks), chosen)

    async def _switch_branch(self, message: Message, step: int) -> None:
        conversation = self.conversation
        try:
            shown = self.service.switch_branch(conversation, message.id, step)
        except TurnRefused as exc:
            self.notify(str(exc), title="Not switched", severity="warning")
            return
        if shown is message:
            if conversation.tree.position(message.id)[1] == 1:
                self.notify("This message has no other branch (edit it, or g for another reply).")
            return
        await self._show_after(conversation.tree.parent_id(shown.id))
        self.query_one(MessageList).cursor = shown.id
        self.refresh_usage()
        self._show_status()
        self.refresh_sidebar()

    def _branch_positions(self) -> dict[str, tuple[int, int]]:
        tree = self.conversation.tree
        positions = {m.id: tree.position(m.id) for m in self.conversation.messages}
        return {k: v for k, v in positions.items() if v[1] > 1}

    async def _show_after(self, anchor_id: str | None) -> None:
        """Show the active path again below ``anchor_id`` (None: all of it): after a fork,
        a branch switch or a delete. Only that part is re-mounted."""
        conversation = self.conversation
        path = conversation.messages
        ids = [m.id for m in path]
        start = 0 if anchor_id is None else ids.index(anchor_id) + 1
        tail = path[start:]
        live = self._live_texts(path)
        chat = self.query_one(MessageList)
        if len(tail) > PAGE or not await chat.show_tail(anchor_id, tail, live):
            await chat.show_messages(conversation.id, path, live)
        await chat.set_branches(self._branch_positions())

    def _count_live(self, conversation_id: str, visible: bool, chunks: int) -> None:
        """Count streamed chunks; redraw the live figures a few times a second."""
        now = time.monotonic()
        live = self._live.setdefault(conversation_id, LiveReply(started=now))
        if live.first_chunk is None:
            live.first_chunk = now
        live.chunks += chunks
        if visible and now - live.drawn >= LIVE_REFRESH_S:
            live.drawn = now
            self.query_one(UsagePanel).show_reply(None, self._live_stats(conversation_id))

    def _announce_elsewhere(self, event: ReplyFinished) -> None:
        """A reply finished in a conversation that is not on screen: say so."""
        with contextlib.suppress(StoreError):
            title = self.service.open(event.conversation_id).title or "another chat"
            how = {
                MessageStatus.COMPLETE: "finished",
                MessageStatus.STOPPED: "was stopped",
            }.get(event.reply.status, "failed")
            self.notify(printable(f"The reply in “{title}” {how}."), title="Reply", timeout=6)

    def _post_progress(self, event: TurnEvent) -> None:
        self.post_message(TurnProgressed(event))

    @on(TurnProgressed)
    async def turn_progressed(self, message: TurnProgressed) -> None:
        event = message.event
        if event is None:
            self.notify(message.refused, title="Not sent", severity="warning")
            prompt = self.query_one(PromptInput)
            if message.prompt and not prompt.text:
                prompt.text = message.prompt  # the draft is never lost
            return
        visible = event.conversation_id == self.conversation.id
        chat = self.query_one(ChatView)
        if isinstance(event, ReplyDelta):
            self._count_live(event.conversation_id, visible, event.chunks)
            if visible:
                await chat.append(event.message_id, event.text, event.start)
        elif isinstance(event, TurnStarted):
            self._live[event.conversation_id] = LiveReply(started=time.monotonic())
            if visible:
                self.service.remember_state(last_conversation_id=event.conversation_id)
                await self._show_started(event)
                self._show_title()
                self._show_status()
            self.refresh_sidebar()
            self.refresh_bindings()
        elif isinstance(event, TitleChanged):
            if visible:
                self._show_title()
            self.refresh_sidebar()
        elif isinstance(event, ReplyFinished):
            self._workers.pop(event.conversation_id, None)
            self._live.pop(event.conversation_id, None)
            if visible:
                await chat.finish(event.reply)
                self.query_one(MessageList).refresh_message(event.reply)
                self._show_status()
                self.refresh_usage()
            else:
                self._announce_elsewhere(event)
            self.refresh_sidebar()
            self.refresh_bindings()
            for notice in self.service.take_notices():
                self.notify(notice, severity="error", timeout=10)

    async def _show_started(self, event: TurnStarted) -> None:
        """Show a turn that began: new messages at the end, or a new branch from its fork,
        or a reply that grows again."""
        chat = self.query_one(MessageList)
        if event.kind == "continue":
            chat.mark_streaming(event.reply.id)
        elif event.kind in ("edit", "regenerate"):
            first = event.prompt or event.reply
            await self._show_after(self.conversation.tree.parent_id(first.id))
        else:
            if event.prompt is not None:
                await chat.add_message(event.prompt)
            await chat.add_message(event.reply)

    async def stop_all_turns(self) -> None:
        """Stop every streaming reply and wait until each is saved (used at quit)."""
        workers = [w for w in self._workers.values() if w.is_running]
        for worker in workers:
            worker.cancel()
        for worker in workers:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()
