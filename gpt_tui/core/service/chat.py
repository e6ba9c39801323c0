"""The one owner of conversations while the app runs: opening, changing, and their turns.

The UI never touches the store or a provider. It asks this service to open a
conversation or run a turn and hears back through events (:mod:`.events`). A turn saves
the prompt before the request goes out, saves the growing reply at most every
``save_interval`` seconds, and saves how it ended (complete, stopped by the user,
interrupted, failed), so a crash loses at most about a second of text and a failure never
loses the prompt.

Every kind of turn (:class:`TurnPlan`) keeps those guarantees: sending a new prompt,
sending the last one again, sending an edited past prompt (a new branch beside the old
one), asking for another reply (an alternative beside the old reply) and continuing a
stopped reply (its text grows in place). Nothing a turn replaces is overwritten: old
prompts and replies stay on their branches (:mod:`gpt_tui.core.domain.message_tree`).
What a turn would send is worked out by :mod:`.turn_planning` and its reply streamed by
:mod:`.turn_engine`; drafts and UI state, presets, search, titles, profiles and totals
are services of their own beside this one (:mod:`.services`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from gpt_tui.core.config.model_choice import choose_default_model
from gpt_tui.core.config.presets import Preset
from gpt_tui.core.config.types import Defaults, Settings
from gpt_tui.core.domain.attachments import Attachment
from gpt_tui.core.domain.conversation import DEMO_MODEL, Conversation, ConversationSummary, Params
from gpt_tui.core.domain.message import ErrorInfo, Message, MessageStatus
from gpt_tui.core.domain.schema import new_id, utc_now
from gpt_tui.core.domain.tool_turn import pending_calls
from gpt_tui.core.domain.tools import ToolCall
from gpt_tui.core.planning.planner import RequestEstimate
from gpt_tui.core.planning.request_code import RequestCode
from gpt_tui.core.service.compare import MAX_COLUMNS, MIN_COLUMNS, Comparison, labels_for
from gpt_tui.core.service.connections import Connections
from gpt_tui.core.service.events import (
    EventSink,
    ExternalChanges,
    TitleChanged,
    TurnPlan,
    TurnRefused,
)
from gpt_tui.core.service.streaming import (
    DELTA_INTERVAL,
)
from gpt_tui.core.service.titles import TitleService, has_automatic_title
from gpt_tui.core.service.turn_engine import TurnEngine
from gpt_tui.core.service.turn_planning import TurnPlanning
from gpt_tui.core.service.usage import UsageAccounts
from gpt_tui.core.store.conversations import ConversationStore, StoreError

log = logging.getLogger(__name__)

DEFAULT_IDLE_TIMEOUT = 60.0
"""Seconds without a chunk, once a reply has started, before the stream counts as stalled."""


class ChatService:
    """Conversations, their parameters and their turns."""

    def __init__(
        self,
        store: ConversationStore,
        connections: Connections,
        *,
        default_params: Params,
        usage: UsageAccounts | None = None,
        titles: TitleService | None = None,
        save_interval: float = 1.0,
        now: Callable[[], datetime] = utc_now,
        timer: Callable[[], float] = time.monotonic,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        delta_interval: float = DELTA_INTERVAL,
        files: Callable[[str], bytes] | None = None,
    ) -> None:
        """``usage`` prices replies and keeps the totals (None: not counted); ``titles``
        names conversations after their first reply (None: never); ``files`` reads an
        attachment's stored bytes by hash (for Markdown exports)."""
        self._files = files
        self._store = store
        self._connections = connections
        self._usage = usage or UsageAccounts(connections, now=now)
        self._titles = titles
        self.default_params = default_params
        self._save_interval = save_interval
        self._now = now
        self._timer = timer
        self._idle_timeout = idle_timeout
        self._delta_interval = delta_interval
        self._open: dict[str, Conversation] = {}
        self._streaming: set[str] = set()
        self._live: dict[str, list[str]] = {}
        self._notices: list[str] = []
        self._unsaved: dict[str, Conversation] = {}
        """Conversations whose last save failed, by id: kept in memory until a save works."""
        self._planning = TurnPlanning(connections, self._streaming)
        self._engine = TurnEngine(
            connections,
            self._planning,
            self._usage,
            self._save,
            self._live,
            now=now,
            timer=timer,
            save_interval=save_interval,
            idle_timeout=idle_timeout,
            delta_interval=delta_interval,
        )

    @staticmethod
    def params_from_defaults(model: str, defaults: Defaults) -> Params:
        """Parameters for new conversations from the config's ``[defaults]``."""
        params = Params(
            model=model,
            temperature=defaults.temperature,
            top_p=defaults.top_p,
            max_tokens=defaults.max_tokens,
            system_prompt=defaults.system_prompt,
        )
        return Preset("[defaults]", defaults.more).apply(params, params)

    def use_settings(self, settings: Settings) -> None:
        """New conversations follow freshly loaded settings: a default model instead of
        the offline demo once a server is set up."""
        if self.default_params.model == DEMO_MODEL:
            model = choose_default_model(None, settings)
            self.default_params = self.default_params.with_changes(model=model)

    # Conversations -------------------------------------------------------------------

    def list_conversations(self) -> list[ConversationSummary]:
        """Saved conversations, most recently active first."""
        return self._store.list_summaries()

    def take_notices(self) -> list[str]:
        """Problems found in the data dir since the last call, to show once."""
        notices = [*self._store.take_notices(), *self._usage.take_notices(), *self._notices]
        self._notices = []
        return notices

    def store_problem(self) -> str | None:
        """Why conversations cannot be saved right now (None: they can). Cheap: asked at
        launch and before each turn, so nothing is sent that would then be lost."""
        return self._store.writable()

    def unsaved(self) -> list[Conversation]:
        """Conversations with changes that could not be saved, after trying each once more
        (the folder may have been fixed meanwhile)."""
        for conversation in list(self._unsaved.values()):
            self._save(conversation, update_index=True)
        return list(self._unsaved.values())

    def new_conversation(self) -> Conversation:
        """A blank conversation with the default parameters; saved at its first prompt."""
        now = self._time()
        return Conversation(params=self.default_params, created_at=now, updated_at=now)

    def open(self, conversation_id: str) -> Conversation:
        """The conversation with this id (raises :class:`StoreError` if it cannot be read).

        A reply still marked streaming when read from disk was cut off by a crash or a
        kill: it is marked interrupted (its text is kept), unless another gpt-tui is
        streaming it right now.
        """
        if conversation_id in self._open:
            return self._open[conversation_id]
        conversation = self._store.load(conversation_id)
        self._repair_cut_off(conversation)
        self._open[conversation_id] = conversation
        return conversation

    def _repair_cut_off(self, conversation: Conversation) -> None:
        """Mark replies left streaming by a process that is gone as interrupted, and save."""
        cut_off = [m for m in conversation.tree.all() if m.status is MessageStatus.STREAMING]
        if not cut_off or self._store.streaming_elsewhere(conversation.id):
            return
        for message in cut_off:
            message.status = MessageStatus.INTERRUPTED
            message.error = ErrorInfo(
                "The reply was cut off when gpt-tui stopped",
                "Press ctrl+r to ask again; the text above is kept.",
            )
        self._save(conversation, update_index=False)

    def changes_elsewhere(self) -> ExternalChanges:
        """What other gpt-tui processes on this data folder changed since the last look:
        whether the conversation list changed, and which open conversations (not streaming
        here) had changes merged in. Cheap: one ``stat`` per file when nothing changed."""
        changed: list[str] = []
        for conversation_id, conversation in list(self._open.items()):
            if conversation_id in self._streaming:
                continue
            try:
                merged = self._store.sync(conversation)
            except StoreError:
                continue
            if merged:
                self._repair_cut_off(conversation)
                changed.append(conversation_id)
        return ExternalChanges(self._store.index_changed(), tuple(changed))

    def export(self, conversation: Conversation, fmt: str, directory: Path) -> Path:
        """Write the conversation to ``directory`` as Markdown ("md") or JSON; returns the
        file. An existing file is never replaced (the new one gets a ``-2`` suffix).

        Raises :class:`OSError` when the file cannot be written.
        """
        from gpt_tui.core.interchange.attachment_export import copy_files, files_folder
        from gpt_tui.core.interchange.exporting import (
            export_filename,
            to_json,
            to_markdown,
            write_export,
        )

        name = export_filename(conversation, fmt)
        attached = any(m.attachments for m in conversation.tree.all())
        folder = files_folder(name) if attached and self._files is not None else None
        text = to_markdown(conversation, folder) if fmt == "md" else to_json(conversation)
        path = write_export(directory, name, text)
        if fmt == "md" and folder is not None and self._files is not None:
            copy_files(conversation, self._files, directory / folder)
        return path

    def rename(self, conversation: Conversation, title: str) -> None:
        """Give the conversation a title of the user's choosing."""
        conversation.title = " ".join(title.split())[:200] or conversation.title
        if self._is_saved(conversation):
            self._save(conversation, update_index=True)

    def set_pinned(self, conversation: Conversation, pinned: bool) -> None:
        """Pinned conversations stay at the top of the list."""
        conversation.pinned = pinned
        if self._is_saved(conversation):
            self._save(conversation, update_index=True)

    def duplicate(self, conversation: Conversation) -> Conversation:
        """A copy with a new id and "(copy)" in its title, saved at once."""
        data = conversation.to_dict()
        data["id"] = new_id()
        data["title"] = f"{conversation.title or 'New chat'} (copy)"
        data["updated_at"] = self._time().isoformat()
        data["pinned"] = False
        copy = Conversation.from_dict(data)
        self._open[copy.id] = copy
        self._save(copy, update_index=True)
        return copy

    def delete(self, conversation: Conversation) -> None:
        """Move the conversation to the trash (:meth:`undelete` brings it back)."""
        if conversation.id in self._streaming:
            raise TurnRefused("Stop the reply first (Esc), then delete.")
        self._store.trash(conversation.id)
        self._open.pop(conversation.id, None)

    def undelete(self, conversation_id: str) -> Conversation:
        """Undo :meth:`delete`."""
        conversation = self._store.restore(conversation_id)
        self._open[conversation_id] = conversation
        return conversation

    @staticmethod
    def _is_saved(conversation: Conversation) -> bool:
        """A conversation is saved from its first prompt on (a blank one never is)."""
        return bool(conversation.messages)

    def is_streaming(self, conversation_id: str) -> bool:
        return conversation_id in self._streaming

    def live_text(self, message_id: str) -> str:
        """The text received so far for a reply that is streaming now."""
        return "".join(self._live.get(message_id, ()))

    def update_params(self, conversation: Conversation, params: Params) -> None:
        """Use ``params`` for this conversation's next requests (saved if it has messages)."""
        if params == conversation.params:
            return
        conversation.params = params
        if self._is_saved(conversation):
            self._save(conversation, update_index=True)

    # Turns ---------------------------------------------------------------------------

    def refusal(self, conversation: Conversation, plan: TurnPlan) -> str | None:
        """Why this turn would be refused before anything goes out, or None."""
        return self._planning.refusal(conversation, plan)

    def can_retry(self, conversation: Conversation) -> bool:
        """Whether the last prompt has no good reply yet (failed, interrupted or none)."""
        return self._planning.can_retry(conversation)

    def estimate(
        self,
        conversation: Conversation,
        draft: str,
        editing: str | None = None,
        attachments: Sequence[Attachment] = (),
        *,
        params: Params | None = None,
    ) -> RequestEstimate:
        """Tokens, context use and maximum cost of sending ``draft`` with ``attachments``
        now (in place of the past prompt ``editing``, when one is being edited), with
        ``params`` (a compare column's) or the conversation's."""
        return self._planning.estimate(conversation, draft, editing, attachments, params=params)

    def attachment_tokens(
        self, conversation: Conversation, attachments: Sequence[Attachment]
    ) -> list[int]:
        """Each attachment's prompt tokens on this conversation's model."""
        return self._connections.planner.attachment_tokens(conversation.params, attachments)

    def request_code(
        self, conversation: Conversation, draft: str, attachments: Sequence[Attachment] = ()
    ) -> RequestCode:
        """The next request (the history and ``draft`` with ``attachments`` as the prompt)
        as Python and curl."""
        return self._planning.request_code(conversation, draft, attachments)

    async def run(self, conversation: Conversation, plan: TurnPlan, emit: EventSink) -> Message:
        """Run any kind of turn (see :class:`TurnPlan`) and stream its reply.

        Raises :class:`TurnRefused` (nothing changed) when :meth:`refusal` objects.
        Returns the reply in its final state; cancelling stops it and keeps the text.
        """
        await self._connections.planner.tools.prepare(conversation.params.extra.tools or ())
        reason = self.refusal(conversation, plan)
        if reason is not None:
            raise TurnRefused(reason)
        self._streaming.add(conversation.id)
        self._open[conversation.id] = conversation
        try:
            with self._store.turn_lock(conversation.id):
                reply = await self._engine.stream(conversation, plan, emit)
        finally:
            self._streaming.discard(conversation.id)
        if self._titles is not None and self._titles.wanted(conversation, reply):
            await self._name(conversation, emit)
        return reply

    async def _name(self, conversation: Conversation, emit: EventSink) -> None:
        """Use a generated title, unless the user renamed the conversation meanwhile."""
        assert self._titles is not None
        title = await self._titles.generate(conversation)
        if title is None or not has_automatic_title(conversation):
            return
        conversation.title = title
        self._save(conversation, update_index=True)
        emit(TitleChanged(conversation.id, title))

    # Comparing -----------------------------------------------------------------------

    def begin_compare(
        self, conversation: Conversation, prompt: str, columns: Sequence[Params], emit: EventSink
    ) -> Comparison:
        """Send ``prompt`` once with each of ``columns``' parameters: the prompt and one empty
        reply per column are put in place (alternatives of the prompt, labelled) and saved.
        Stream each with :meth:`stream_column`. Raises :class:`TurnRefused` (nothing
        changed) when a column's request would be refused."""
        if not MIN_COLUMNS <= len(columns) <= MAX_COLUMNS:
            raise TurnRefused(f"Compare takes {MIN_COLUMNS} to {MAX_COLUMNS} columns.")
        for params in columns:
            reason = self.refusal(conversation, TurnPlan("send", prompt=prompt, params=params))
            if reason is not None:
                raise TurnRefused(reason)
        labels = labels_for(columns)
        comparison = Comparison(conversation, [], running=len(columns))
        comparison.lock.enter_context(self._store.turn_lock(conversation.id))
        self._streaming.add(conversation.id)
        self._open[conversation.id] = conversation
        try:
            first = TurnPlan("send", prompt=prompt, params=columns[0], label=labels[0])
            comparison.turns.append(self._engine.begin(conversation, first, emit))
            for params, label in zip(columns[1:], labels[1:], strict=True):
                target = comparison.prompt_id
                plan = TurnPlan("regenerate", target=target, params=params, label=label)
                comparison.turns.append(self._engine.begin(conversation, plan, emit))
        except BaseException:
            self._streaming.discard(conversation.id)
            comparison.lock.close()
            raise
        return comparison

    async def stream_column(self, comparison: Comparison, index: int, emit: EventSink) -> Message:
        """Stream one column's reply (cancelling stops only this one); the conversation is
        free again when the last column has ended."""
        conversation = comparison.conversation
        try:
            return await self._engine.stream_reply(conversation, comparison.turns[index], emit)
        finally:
            comparison.running -= 1
            if comparison.running == 0:
                self._streaming.discard(conversation.id)
                comparison.lock.close()

    # Tool calls ----------------------------------------------------------------------

    def pending_tool_calls(self, conversation: Conversation) -> list[ToolCall]:
        """The calls of the last reply still waiting for a result, in call order."""
        return pending_calls(conversation.messages)

    def add_tool_result(self, conversation: Conversation, call_id: str, content: str) -> Message:
        """Save ``content`` as the result of the pending call ``call_id`` (a role ``tool``
        message after the reply's earlier results); returns it. When it was the last one
        missing, a :meth:`TurnPlan.retry` turn sends the results to the model.

        Raises :class:`TurnRefused` for a call that is not waiting, or while streaming.
        """
        self._refuse_while_streaming(conversation, "answer the tool call")
        if call_id not in {call.id for call in pending_calls(conversation.messages)}:
            raise TurnRefused("That tool call is not waiting for a result.")
        message = Message(
            role="tool", content=content, tool_call_id=call_id, created_at=self._now()
        )
        conversation.append(message)
        conversation.updated_at = self._now()
        self._save(conversation, update_index=True)
        return message

    # Branches ------------------------------------------------------------------------

    def select_message(self, conversation: Conversation, message_id: str) -> bool:
        """Show the branch that holds ``message_id`` (a search hit on another branch);
        False when it is already shown. Raises :class:`TurnRefused` while a reply
        streams here."""
        if any(m.id == message_id for m in conversation.messages):
            return False
        if message_id not in conversation.tree:
            raise TurnRefused("That message is no longer in this conversation.")
        self._refuse_while_streaming(conversation, "switch branches")
        conversation.tree.select(message_id)
        self._save(conversation, update_index=True)
        return True

    def switch_branch(self, conversation: Conversation, message_id: str, step: int) -> Message:
        """Show the alternative ``step`` places from ``message_id`` at its fork (and the
        branch below it as last shown); returns it, or the message itself at either end.

        Raises :class:`TurnRefused` while a reply streams here.
        """
        self._refuse_while_streaming(conversation, "switch branches")
        tree = conversation.tree
        other = tree.sibling(message_id, step)
        if other is None:
            return tree.get(message_id) or conversation.messages[-1]
        tree.select(other.id)
        self._save(conversation, update_index=True)
        return other

    def delete_message(self, conversation: Conversation, message_id: str) -> list[Message]:
        """Delete a message and everything that follows it, on every branch (a prompt's
        replies, and the later turns built on them); returns what was deleted.

        The shown branch moves to the previous alternative at that fork, if there is one.
        Raises :class:`TurnRefused` while a reply streams here.
        """
        self._refuse_while_streaming(conversation, "delete messages")
        removed = conversation.tree.remove(message_id)
        conversation.updated_at = self._time()
        self._save(conversation, update_index=True)
        log.info("deleted %d message(s) from conversation=%s", len(removed), conversation.id)
        return removed

    def _refuse_while_streaming(self, conversation: Conversation, what: str) -> None:
        if conversation.id in self._streaming:
            raise TurnRefused(f"A reply is streaming here: stop it first (Esc), then {what}.")

    # Helpers -------------------------------------------------------------------------

    def _time(self) -> datetime:
        return self._now()

    def _save(self, conversation: Conversation, *, update_index: bool) -> None:
        try:
            self._store.save(conversation, update_index=update_index)
        except StoreError as exc:
            # The conversation stays in memory and the next save tries again.
            log.warning("could not save conversation %s: %s", conversation.id, exc)
            self._unsaved[conversation.id] = conversation
            notice = f"Could not save this conversation: {exc}"
            if notice not in self._notices:
                self._notices.append(notice)
        else:
            self._unsaved.pop(conversation.id, None)
