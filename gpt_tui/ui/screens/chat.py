"""The main screen: sidebar, chat pane with the prompt, and parameter panel.

The open conversation is one reactive, :attr:`ChatScreen.conversation`: assigning it (or
assigning it again after it changed underneath) is all it takes to show it, because its
watcher redraws every widget that follows it. The screen's work is split into named pieces
(:mod:`gpt_tui.ui.chat`): :class:`TurnRunner` runs turns in workers and shows their
progress, :class:`Drafts` keeps unsent text, :class:`ConversationActions`,
:class:`MessageActions` and :class:`PresetActions` carry out what the user asks, and the
palette's commands come from :mod:`gpt_tui.ui.chat.palette`. Data changes go through the
services the app was handed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Resize
from textual.reactive import reactive, var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Collapsible, Footer, Select, Static, TextArea

from gpt_tui.core.domain.conversation import Conversation
from gpt_tui.core.domain.message import Message, MessageStatus
from gpt_tui.core.domain.text import printable
from gpt_tui.core.params.fields import ParamError
from gpt_tui.core.service.events import TurnPlan
from gpt_tui.core.service.services import Services
from gpt_tui.core.store.conversations import StoreError
from gpt_tui.ui.chat.attachments import PromptAttachments
from gpt_tui.ui.chat.background import BackgroundWork
from gpt_tui.ui.chat.budget import BudgetGate
from gpt_tui.ui.chat.conversations import ConversationActions
from gpt_tui.ui.chat.drafts import Drafts
from gpt_tui.ui.chat.message_actions import MessageActions
from gpt_tui.ui.chat.model_check import ModelCheck
from gpt_tui.ui.chat.presets import PresetActions
from gpt_tui.ui.chat.prompt_habits import PromptHabits
from gpt_tui.ui.chat.tools import ToolResults
from gpt_tui.ui.chat.turns import TurnRunner
from gpt_tui.ui.chat.unsaved import UnsavedWork
from gpt_tui.ui.messages import ModelDataLoaded, ModelsListed, TurnProgressed
from gpt_tui.ui.screens.chat_bindings import CHAT_BINDINGS
from gpt_tui.ui.screens.compare import CompareScreen
from gpt_tui.ui.screens.request_code import RequestCodeScreen
from gpt_tui.ui.screens.search import SearchScreen
from gpt_tui.ui.widgets.attachment_chips import AttachmentChips, AttachmentIntent
from gpt_tui.ui.widgets.chat_view import PAGE, ChatView, model_label
from gpt_tui.ui.widgets.live_text import LiveText
from gpt_tui.ui.widgets.message_list import MessageActionKind, MessageList
from gpt_tui.ui.widgets.param_panel import ParamPanel
from gpt_tui.ui.widgets.prompt_input import PromptInput
from gpt_tui.ui.widgets.sidebar import Sidebar
from gpt_tui.ui.widgets.tool_cards import ToolApproval
from gpt_tui.ui.widgets.usage_panel import UsagePanel

if TYPE_CHECKING:
    from gpt_tui.ui.app import GptTuiApp

ELSEWHERE_CHECK_S = 2.0
"""How often to look for changes another gpt-tui on the same data folder saved."""
LARGE_DRAFT = 20_000
"""Drafts this long (characters) are recounted only when typing pauses…"""
LARGE_DRAFT_DELAY = 0.4
"""…for this many seconds, so a keystroke never waits for the encoder."""
NARROW_WIDTH = 100
"""Below this many columns the side panels start hidden and open as overlays, one at a time,
so the chat always keeps the room."""


def _unset() -> Conversation:
    raise RuntimeError("the chat screen is given its conversation when it is made")


class ChatScreen(Screen[None]):
    """Three panes: conversations, the open conversation, its parameters."""

    BINDINGS: ClassVar[list[BindingType]] = CHAT_BINDINGS

    conversation: var[Conversation] = var(_unset, always_update=True, init=False)
    """The open conversation. Assign it to show another one, or the same one again after
    it changed underneath (the watcher redraws; no equality check is made)."""
    sidebar_visible: reactive[bool] = reactive(True)
    params_visible: reactive[bool] = reactive(True)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self._chat = services.chat
        self.set_reactive(ChatScreen.conversation, services.chat.new_conversation())
        # The pieces of the screen's work (gpt_tui.ui.chat); each reads the open
        # conversation from the screen and shows what changed through it.
        self.turns = TurnRunner(self)
        self.message_actions = MessageActions(self)
        self.conversation_actions = ConversationActions(self)
        self.preset_actions = PresetActions(self)
        self.background = BackgroundWork(self)
        self.model_check = ModelCheck(self)
        self.drafts = Drafts(services.state, self.set_timer, self._shown_draft)
        self.unsaved_work = UnsavedWork(self)
        self.budget = BudgetGate(self)
        self.prompt_habits = PromptHabits(self)
        self.tool_results = ToolResults(self)
        self.attachments = PromptAttachments(self)
        self._width = 0
        self._estimate_timer: Timer | None = None

    @property
    def gpt_app(self) -> GptTuiApp:
        from gpt_tui.ui.app import GptTuiApp

        assert isinstance(self.app, GptTuiApp)
        return self.app

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Vertical(id="chat-pane"):
                yield self.unsaved_work.banner()
                yield Static("", id="chat-title", markup=False)
                yield MessageList(id="chat")
                yield LiveText(id="status-line")
                yield ToolApproval(id="tool-approval")
                yield AttachmentChips(id="attachments")
                yield PromptInput(id="prompt")
            yield ParamPanel(id="params")
        yield Footer()

    async def on_mount(self) -> None:
        self.drafts.load()
        conversation = self.conversation
        last = self.services.state.last_conversation_id()
        if last is not None:
            # A last conversation that cannot be read any more: start with a blank one.
            with contextlib.suppress(StoreError):
                conversation = self._chat.open(last)
        self.conversation = conversation
        self.action_focus_prompt()
        self.prompt_habits.load_history()
        self.unsaved_work.check()
        for notice in self._chat.take_notices():
            self.notify(notice, severity="warning", timeout=10)
        self.set_interval(ELSEWHERE_CHECK_S, self._check_elsewhere)

    def _check_elsewhere(self) -> None:
        """Show what another gpt-tui on the same data folder saved: a new conversation
        list, and the conversation on screen again when it changed there."""
        changes = self._chat.changes_elsewhere()
        if self.conversation.id in changes.conversations and self.message_actions.editing is None:
            self.conversation = self.conversation
        elif changes.list_changed:
            self.refresh_sidebar()

    # The open conversation -------------------------------------------------------------

    async def watch_conversation(self) -> None:
        """Show the open conversation in every widget that follows it. (Async watchers run
        after the assignment's handler: the conversation shown is the one open by then.)"""
        conversation = self.conversation
        prompt = self.query_one(PromptInput)
        draft = self.drafts.switch(conversation.id, prompt.text)
        if draft is not None:
            if self.message_actions.editing is not None:
                self.message_actions.end_edit()
            prompt.text = draft
            self.drafts.save()
        live = self._live_texts(conversation.messages)
        chat = self.query_one(MessageList)
        await chat.show_messages(conversation.id, conversation.messages, live)
        await chat.set_branches(self._branch_positions())
        panel = self.query_one(ParamPanel)
        connections = self.services.connections
        panel.show_profiles(connections.profile_names(), connections.default_profile)
        panel.show_schemas(connections.schema_names())
        panel.show_presets(self.services.presets.names())
        panel.load(conversation.params, self.provider_label())
        self.background.list_models(conversation.params.profile)
        self.show_title()
        self.turns.show_status()
        self.refresh_sidebar()
        self.refresh_usage()
        self.attachments.report_missing()
        if conversation.messages:
            self.services.state.remember(last_conversation_id=conversation.id)

    async def show_after(self, anchor_id: str | None) -> None:
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

    def _branch_positions(self) -> dict[str, tuple[int, int]]:
        tree = self.conversation.tree
        positions = {m.id: tree.position(m.id) for m in self.conversation.messages}
        return {k: v for k, v in positions.items() if v[1] > 1}

    def _live_texts(self, messages: Sequence[Message]) -> dict[str, str]:
        """The text streamed so far of replies streaming here. A reply another gpt-tui is
        streaming has none here: it shows what that process last saved."""
        streaming = (m.id for m in messages if m.status is MessageStatus.STREAMING)
        return {mid: text for mid in streaming if (text := self._chat.live_text(mid))}

    def refresh_sidebar(self) -> None:
        self.query_one(Sidebar).show(
            self._chat.list_conversations(), self.conversation.id, self.gpt_app.now()
        )

    def show_title(self) -> None:
        title = self.conversation.title or "New chat"
        model = model_label(self.conversation.params.model)
        self.query_one("#chat-title", Static).update(Content(printable(f"{title}  ·  {model}")))

    def refresh_usage(self) -> None:
        """Redraw every usage figure for the open conversation."""
        self.refresh_estimate()
        panel = self.query_one(UsagePanel)
        replies = [m for m in self.conversation.messages if m.role == "assistant"]
        last = replies[-1] if replies else None
        panel.show_reply(last, self.turns.live_stats(self.conversation.id))
        usage = self.services.usage
        panel.show_totals(
            usage.conversation_totals(self.conversation),
            usage.day_totals(),
            usage.all_time_totals(),
        )
        panel.show_budgets(self.services.budget.statuses(self.conversation.params.profile))

    def refresh_estimate(self) -> None:
        """Recount the draft and the next request (cheap: only the draft is encoded)."""
        draft = self.query_one(PromptInput).text
        editing = self.message_actions.editing
        estimate = self._chat.estimate(self.conversation, draft, editing, self.attachments.pending)
        self.query_one(UsagePanel).show_estimate(estimate)
        self.query_one(ChatView).set_excluded(estimate.excluded_ids)

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

    # Turns ---------------------------------------------------------------------------

    @on(PromptInput.EditorRequested)
    def edit_prompt_externally(self, event: PromptInput.EditorRequested) -> None:
        self.prompt_habits.edit(event.text)

    @on(PromptInput.Submitted)
    def prompt_submitted(self, event: PromptInput.Submitted) -> None:
        self.attachments.submit(event.text)

    @on(AttachmentIntent)
    def attachment_intent(self, event: AttachmentIntent) -> None:
        self.attachments.handle(event)

    def send(self, text: str) -> None:
        """Send ``text`` as a new prompt, or in place of the prompt being edited (or as the
        result of the tool call the model waits for)."""
        if self.tool_results.take(text):
            return
        if not self.params_valid():
            return
        editing = self.message_actions.editing
        if editing is not None and editing not in self.conversation.tree:
            editing = None  # the message was deleted meanwhile: send as a new prompt
        attached = self.attachments.pending
        plan = TurnPlan("send" if editing is None else "edit", text, editing, attachments=attached)
        reason = self._chat.refusal(self.conversation, plan)
        if reason is not None:
            self.notify(reason, title="Not sent", severity="warning", timeout=8)
            return
        if not self.model_check.may_send(partial(self.send, text)):
            return  # asked first; the prompt keeps its text meanwhile
        if not self.unsaved_work.may_send(partial(self.send, text)):
            return  # asked first; the prompt keeps its text meanwhile
        if not self.budget.may_send(plan, partial(self.send, text)):
            return
        self.query_one(PromptInput).clear()
        if self.message_actions.editing is not None:
            self.message_actions.end_edit()
        self.turns.start(plan)
        self.attachments.sent(attached)

    def params_valid(self) -> bool:
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
        reason = self._chat.refusal(self.conversation, TurnPlan.retry())
        if reason is not None:
            self.notify(reason, title="Nothing re-sent")
            return
        if self.unsaved_work.may_send(self.action_retry) and self.budget.may_send(
            TurnPlan.retry(), self.action_retry
        ):
            self.turns.start(TurnPlan.retry())

    def action_stop(self) -> None:
        if self.turns.stop(self.conversation.id) or self.tool_results.stop():
            return
        if self.message_actions.editing is not None:
            self.message_actions.end_edit()
            self.notify("Edit cancelled; the message is unchanged.")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self._chat.is_streaming(self.conversation.id) or (
                self.message_actions.editing is not None or self.tool_results.running
            )
        return True

    @on(ToolApproval.Decided)
    def tool_call_decided(self, event: ToolApproval.Decided) -> None:
        self.tool_results.decided(event)

    @on(TurnProgressed)
    async def turn_progressed(self, message: TurnProgressed) -> None:
        await self.turns.apply(message)

    async def stop_all_turns(self) -> None:
        """Stop every streaming reply and wait until each is saved (used at quit)."""
        await self.turns.stop_all()

    # Messages ------------------------------------------------------------------------

    @on(MessageList.ActionChosen)
    async def message_action(self, event: MessageList.ActionChosen) -> None:
        await self.message_actions.act(event.message_id, event.action)

    async def act_on_message(self, role: str, action: MessageActionKind) -> None:
        """A palette command: act on the highlighted message, or the last fitting one."""
        await self.message_actions.act_on_highlighted(role, action)

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

    def action_request_code(self) -> None:
        """Show the next request (history + the draft) as Python and curl."""
        draft = self.query_one(PromptInput).text
        code = self._chat.request_code(self.conversation, draft, self.attachments.pending)
        self.app.push_screen(RequestCodeScreen(code, self.conversation.params.model))

    # Conversations -------------------------------------------------------------------

    def action_new_chat(self) -> None:
        self.conversation_actions.new()
        self.action_focus_prompt()

    def action_compare(self) -> None:
        """One prompt to 2–4 models or settings side by side; then the chat shows again."""
        compare = CompareScreen(self.services, self.conversation)
        self.app.push_screen(compare, lambda _: self.mutate_reactive(ChatScreen.conversation))

    def action_search(self) -> None:
        """ctrl+f: search every conversation; the hit chosen opens at its message."""
        search = SearchScreen(self.services.search, self.gpt_app.now())
        self.app.push_screen(search, self.conversation_actions.open_hit)

    @on(Sidebar.Chosen)
    async def open_conversation(self, event: Sidebar.Chosen) -> None:
        await self.conversation_actions.open(event.conversation_id)

    async def action_list_action(self, kind: str) -> None:
        """The clickable actions under the list act on the highlighted conversation."""
        target = self.query_one(Sidebar).highlighted_id() or (
            self.conversation.id if self.conversation.messages else None
        )
        if target is not None or kind == "undelete":
            await self.conversation_actions.request(kind, target)

    @on(Sidebar.ActionRequested)
    async def conversation_action(self, event: Sidebar.ActionRequested) -> None:
        await self.conversation_actions.request(event.kind, event.conversation_id)

    def export_chat(self, fmt: str) -> None:
        """Export the open conversation into the folder gpt-tui was started from."""
        self.conversation_actions.export(fmt)

    def send_new(self, prompt: str) -> None:
        """Start a new conversation and send ``prompt`` (``gpt-tui "question"``) once it
        is shown."""
        self.conversation = self._chat.new_conversation()
        self.call_next(self.send, prompt)

    def adopt_default_model(self) -> None:
        """After setup: a chat with no messages yet switches to the new default model."""
        if not self.conversation.messages:
            self.conversation = self._chat.new_conversation()

    # Drafts --------------------------------------------------------------------------

    def _shown_draft(self) -> str:
        """The open conversation's draft: the input's text, or while a sent prompt is being
        edited there, what the input held before."""
        if self.message_actions.editing is not None:
            return self.message_actions.draft_before_edit
        return self.query_one(PromptInput).text

    def save_drafts(self) -> None:
        """Persist the drafts changed since the last save (the app calls it at quit)."""
        self.drafts.save()

    @on(TextArea.Changed, "#prompt")
    def draft_changed(self) -> None:
        """Recount at once for normal drafts; for huge pastes, once typing pauses. Save the
        draft once typing pauses."""
        if self.message_actions.editing is None:
            self.drafts.changed()
        if len(self.query_one(PromptInput).text) < LARGE_DRAFT:
            self.refresh_estimate()
            return
        if self._estimate_timer is not None:
            self._estimate_timer.stop()
        self._estimate_timer = self.set_timer(LARGE_DRAFT_DELAY, self.refresh_estimate)

    # Background work ---------------------------------------------------------------

    def start_warm_up(self) -> None:
        """Start loading encoders and prices (the app calls this after the first frame)."""
        self.background.start()

    @on(ModelDataLoaded)
    def model_data_loaded(self, message: ModelDataLoaded) -> None:
        if message.model == self.conversation.params.model:
            self.refresh_usage()

    @on(ModelsListed)
    def models_listed(self, message: ModelsListed) -> None:
        if message.profile == self.conversation.params.profile:
            self.query_one(ParamPanel).suggest_models(message.models)
        self.model_check.listed(message.profile, message.models)

    # Parameters and presets ----------------------------------------------------------

    def provider_label(self) -> str:
        params = self.conversation.params
        return self.services.connections.label(params.model, params.profile)

    def use_profile(self, name: str) -> None:
        """Send this conversation through another profile (as choosing it in the panel)."""
        self.query_one("#param-profile", Select).value = name

    @on(ParamPanel.Edited)
    def params_edited(self, event: ParamPanel.Edited) -> None:
        try:
            params = event.form.to_params()
        except ParamError:
            return  # the panel shows the error; sending is refused until it is fixed
        profile_changed = params.profile != self.conversation.params.profile
        self._chat.update_params(self.conversation, params)
        if profile_changed:
            self.background.list_models(params.profile)
            self.model_check.switched(params.profile)
        self.after_params_changed()

    def after_params_changed(self) -> None:
        params = self.conversation.params
        self.show_title()
        self.query_one(ParamPanel).show_provider(self.provider_label())
        self.background.ensure_model_data(params.model)
        self.refresh_estimate()

    @on(ParamPanel.PresetChosen)
    def preset_chosen(self, event: ParamPanel.PresetChosen) -> None:
        self.apply_preset(event.name)

    def apply_preset(self, name: str) -> None:
        """Give the open conversation the preset's system prompt and parameters."""
        self.preset_actions.apply(name)

    def new_chat_from_preset(self, name: str) -> None:
        """Start a new conversation with the preset applied."""
        if self.conversation.messages:
            self.conversation = self._chat.new_conversation()
        self.preset_actions.apply(name)
        self.action_focus_prompt()

    @on(ParamPanel.PresetSaveRequested)
    def action_save_preset(self) -> None:
        """Ask for a name, then save the open conversation's settings as a preset."""
        self.preset_actions.ask_save()

    def action_import_role(self) -> None:
        self.preset_actions.ask_import_role()
