"""The one owner of conversations while the app runs: opening, parameters and turns.

The UI never touches the store or a provider. It asks this service to open a
conversation or run a turn and hears back through events. A turn saves the prompt before
the request goes out, saves the growing reply at most every ``save_interval`` seconds, and
saves how it ended (complete, stopped by the user, interrupted, failed), so a crash loses
at most about a second of text and a failure never loses the prompt.

Every kind of turn (:class:`TurnPlan`) keeps those guarantees: sending a new prompt,
sending the last one again, sending an edited past prompt (a new branch beside the old
one), asking for another reply (an alternative beside the old reply) and continuing a
stopped reply (its text grows in place). Nothing a turn replaces is overwritten: old
prompts and replies stay on their branches (:mod:`gpt_tui.core.domain.message_tree`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal, cast

from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.model_choice import choose_default_model
from gpt_tui.core.config.presets import (
    Preset,
    PresetError,
    preset_from_params,
    preset_from_role_file,
    preset_name_problem,
    save_preset,
)
from gpt_tui.core.config.types import Defaults, Settings, TitleSettings
from gpt_tui.core.config.writing import save_setup
from gpt_tui.core.domain.conversation import (
    DEMO_MODEL,
    Conversation,
    ConversationSummary,
    ErrorInfo,
    Message,
    MessageStatus,
    Params,
    Timing,
    Usage,
    new_id,
    title_from_prompt,
    utc_now,
)
from gpt_tui.core.params.capabilities import capabilities_for
from gpt_tui.core.planning.planner import RequestEstimate, RequestPlanner
from gpt_tui.core.planning.request_code import RequestCode
from gpt_tui.core.providers.base import (
    ChatRequest,
    ProviderError,
    ProviderNotice,
    StreamEvent,
    TextDelta,
    UsageReported,
)
from gpt_tui.core.providers.registry import ProviderRegistry
from gpt_tui.core.service.titles import (
    clean_title,
    has_automatic_title,
    title_history,
    title_params,
    wants_title,
)
from gpt_tui.core.store.conversations import ConversationStore, StoreError
from gpt_tui.core.store.fsutil import atomic_write_text
from gpt_tui.core.store.ledger import Totals, UsageLedger
from gpt_tui.core.store.search_index import SearchIndex, SearchResults

log = logging.getLogger(__name__)

DEFAULT_IDLE_TIMEOUT = 60.0
"""Seconds without a chunk, once a reply has started, before the stream counts as stalled."""

TITLE_TIMEOUT = 30.0
"""Seconds a generated title may take before the automatic one is kept."""

TurnKind = Literal["send", "retry", "edit", "regenerate", "continue"]


@dataclass(frozen=True, slots=True)
class TurnPlan:
    """What a turn sends and where its messages go in the conversation's tree."""

    kind: TurnKind
    prompt: str | None = None
    """The text to send ("send" and "edit")."""
    target: str | None = None
    """The message edited, answered again or continued (its id)."""

    @classmethod
    def send(cls, prompt: str) -> TurnPlan:
        """A new prompt at the end of the shown branch."""
        return cls("send", prompt=prompt)

    @classmethod
    def retry(cls) -> TurnPlan:
        """Ask again for the last prompt, which has no good reply (failed, interrupted, none)."""
        return cls("retry")

    @classmethod
    def edit(cls, message_id: str, prompt: str) -> TurnPlan:
        """Send ``prompt`` in place of the past prompt ``message_id``: a new branch forks."""
        return cls("edit", prompt=prompt, target=message_id)

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


TurnEvent = TurnStarted | ReplyDelta | ReplyFinished | TitleChanged


@dataclass(frozen=True, slots=True)
class ExternalChanges:
    """What another gpt-tui process on the same data folder changed (see
    :meth:`ChatService.changes_elsewhere`)."""

    list_changed: bool
    """``index.json`` changed: the conversation list should be read again."""
    conversations: tuple[str, ...] = ()
    """Open conversations whose file changed; their objects now hold the merged version."""


EventSink = Callable[[TurnEvent], None]

DELTA_INTERVAL = 1 / 30
"""At most this often (seconds) the UI hears of new text: about one event per frame."""


YIELD_INTERVAL = 1 / 60
"""The longest the stream reader keeps the event loop to itself (seconds)."""


class DeltaBatcher:
    """Merges streamed chunks into at most one :class:`ReplyDelta` per ``interval``.

    A fast server sends thousands of tiny chunks; telling the UI about each costs more
    than drawing them. The first chunk goes out at once (the first token shows without
    delay), later ones are merged and flushed by a timer, so text never waits for the
    next chunk, and :meth:`flush` sends whatever is left when the reply ends. The stream
    reader never waits for the UI.
    """

    def __init__(
        self,
        conversation_id: str,
        message_id: str,
        emit: EventSink,
        interval: float,
        start: int = 0,
    ) -> None:
        """``start``: how much text the reply holds before the first chunk (continuing)."""
        self._ids = (conversation_id, message_id)
        self._emit = emit
        self._interval = interval
        self._sent = start
        self._pending: list[str] = []
        self._handle: asyncio.TimerHandle | None = None
        self._sent_any = False

    def add(self, text: str) -> None:
        self._pending.append(text)
        if not self._sent_any:
            self.flush()
        elif self._handle is None:
            loop = asyncio.get_running_loop()
            self._handle = loop.call_later(self._interval, self.flush)

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._pending:
            text, chunks = "".join(self._pending), len(self._pending)
            self._pending.clear()
            self._sent_any = True
            self._emit(ReplyDelta(*self._ids, text, chunks, self._sent))
            self._sent += len(text)


class TurnRefused(Exception):
    """A turn cannot start (nothing to answer, or a reply is already streaming)."""


class ChatService:
    """Conversations, their parameters and their turns."""

    def __init__(
        self,
        store: ConversationStore,
        providers: ProviderRegistry,
        planner: RequestPlanner,
        *,
        default_params: Params,
        ledger: UsageLedger | None = None,
        save_interval: float = 1.0,
        now: Callable[[], datetime] = utc_now,
        timer: Callable[[], float] = time.monotonic,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        delta_interval: float = DELTA_INTERVAL,
        presets: Mapping[str, Preset] | None = None,
        presets_file: Path | None = None,
        titles: TitleSettings | None = None,
        search_index: SearchIndex | None = None,
    ) -> None:
        """``search_index`` is the one ``store`` keeps current (None: no search)."""
        self._store = store
        self._titles = titles or TitleSettings()
        self._search = search_index
        self._providers = providers
        self.planner = planner
        self._ledger = ledger
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
        self._presets: dict[str, Preset] = dict(presets or {})
        self._presets_file = presets_file

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

    @property
    def providers(self) -> ProviderRegistry:
        return self._providers

    # Conversations -------------------------------------------------------------------

    def list_conversations(self) -> list[ConversationSummary]:
        """Saved conversations, most recently active first."""
        return self._store.list_summaries()

    def take_notices(self) -> list[str]:
        """Problems found in the data dir since the last call, to show once."""
        ledger_notices = self._ledger.notices if self._ledger is not None else []
        notices = [*self._store.take_notices(), *ledger_notices, *self._notices]
        self._notices = []
        if self._ledger is not None:
            self._ledger.notices = []
        return notices

    def new_conversation(self, preset: str | None = None) -> Conversation:
        """A blank conversation with the default parameters (with ``preset`` applied when
        given); saved at its first prompt. Raises :class:`KeyError` for an unknown preset."""
        now = self._time()
        params = self.default_params
        if preset is not None:
            params = self._presets[preset].apply(params, self.default_params)
        return Conversation(params=params, created_at=now, updated_at=now)

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
        """Write the conversation to ``directory`` as Markdown ("md") or JSON; returns the file.

        Raises :class:`OSError` when the file cannot be written.
        """
        from gpt_tui.core.interchange.exporting import export_filename, to_json, to_markdown

        text = to_markdown(conversation) if fmt == "md" else to_json(conversation)
        path = directory / export_filename(conversation, fmt)
        atomic_write_text(path, text, mode=0o600)
        return path

    def rename(self, conversation: Conversation, title: str) -> None:
        """Give the conversation a title of the user's choosing."""
        conversation.title = " ".join(title.split())[:200] or conversation.title
        if self.is_saved(conversation):
            self._save(conversation, update_index=True)

    def set_pinned(self, conversation: Conversation, pinned: bool) -> None:
        """Pinned conversations stay at the top of the list."""
        conversation.pinned = pinned
        if self.is_saved(conversation):
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

    def is_saved(self, conversation: Conversation) -> bool:
        return bool(conversation.messages)

    def is_streaming(self, conversation_id: str) -> bool:
        return conversation_id in self._streaming

    def live_text(self, message_id: str) -> str:
        """The text received so far for a reply that is streaming now."""
        return "".join(self._live.get(message_id, ()))

    def provider_label(self, model: str, profile: str | None = None) -> str:
        """Where requests for ``model`` go, for display ("demo (offline)", a host name…)."""
        try:
            return self._providers.label_for(model, profile)
        except ProviderError as exc:
            return exc.info.title

    def update_params(self, conversation: Conversation, params: Params) -> None:
        """Use ``params`` for this conversation's next requests (saved if it has messages)."""
        if params == conversation.params:
            return
        conversation.params = params
        if self.is_saved(conversation):
            self._save(conversation, update_index=True)

    def last_conversation_id(self) -> str | None:
        value = self._store.load_state().get("last_conversation_id")
        return value if isinstance(value, str) else None

    def remember_state(self, **values: object) -> None:
        """Persist small UI state (last conversation, setup dismissed…); keys other
        processes wrote meanwhile are kept."""
        try:
            self._store.update_state(lambda state: state.update(values))
        except StoreError:
            log.warning("could not save UI state", exc_info=True)

    def remember_drafts(self, drafts: Mapping[str, str], keep: int) -> None:
        """Persist unsent drafts by conversation id (an empty text forgets one), keeping
        the ``keep`` newest. Only these ids change, so drafts another process saved stay."""

        def change(state: dict[str, object]) -> None:
            saved = state.get("drafts")
            merged = dict(cast(dict[str, str], saved)) if isinstance(saved, dict) else {}
            for conversation_id, text in drafts.items():
                merged.pop(conversation_id, None)
                if text.strip():
                    merged[conversation_id] = text
            state["drafts"] = dict(list(merged.items())[-keep:])

        try:
            self._store.update_state(change)
        except StoreError:
            log.warning("could not save drafts", exc_info=True)

    def state(self) -> dict[str, object]:
        return dict(self._store.load_state())

    def secrets(self) -> list[str]:
        """Every profile's key and header values, so the log can mask them should one ever
        reach a record (not only the default profile's: a conversation may use another)."""
        names = self._providers.profile_names or (None,)
        return sorted({s for name in names for s in self._providers.profile(name).secrets})

    # Estimates and totals ---------------------------------------------------------------

    @property
    def base_url(self) -> str | None:
        """The default profile's URL."""
        return self._providers.settings.base_url

    def base_url_for(self, params: Params) -> str | None:
        """The URL a conversation's requests go to (its profile's), for pricing."""
        try:
            return self._providers.profile(params.profile).url
        except ProviderError:
            return self.base_url

    def profile_names(self) -> tuple[str, ...]:
        return self._providers.profile_names

    async def models_for(self, profile: str | None) -> list[str]:
        """Model names to offer for ``profile``: configured ones, then the server's list."""
        try:
            listing = await self._providers.list_models(profile)
        except ProviderError:
            return []
        return list(listing.models)

    def estimate(
        self, conversation: Conversation, draft: str, editing: str | None = None
    ) -> RequestEstimate:
        """Tokens, context use and maximum cost of sending ``draft`` now (in place of the
        past prompt ``editing``, when one is being edited)."""
        history = self._history(conversation)
        if editing is not None and editing in conversation.tree:
            parent = conversation.tree.parent_id(editing)
            history = [] if parent is None else conversation.tree.path_to(parent)
        return self.planner.estimate(
            conversation.params, history, draft, self.base_url_for(conversation.params)
        )

    def refusal(self, conversation: Conversation, prompt: str | None) -> str | None:
        """Why sending ``prompt`` now (None: the last prompt again) would be refused."""
        plan = TurnPlan.retry() if prompt is None else TurnPlan.send(prompt)
        return self.refusal_for(conversation, plan)

    def refusal_for(self, conversation: Conversation, plan: TurnPlan) -> str | None:
        """Why this turn would be refused before anything goes out, or None."""
        if conversation.id in self._streaming:
            return "A reply is still streaming here: wait, or press Esc to stop it."
        problem = self._plan_problem(conversation, plan)
        if problem is not None:
            return problem
        history = self._planned_history(conversation, plan)
        params = conversation.params
        base_url = self.base_url_for(params)
        selection = self.planner.select(params, history, base_url)
        if selection.over_by > 0 and self.planner.counter.is_ready(params.model):
            window = self.planner.info(params.model, base_url)
            size = f" of {window.context_window:,}" if window and window.context_window else ""
            return (
                f"This request is {selection.over_by:,} tokens over the context window{size} "
                "(prompt + max_tokens). Shorten the prompt, lower max_tokens, or choose "
                "'fit' / 'last turns' in the panel."
            )
        return None

    def load_tokenizer(self, model: str) -> None:
        """Load the model's encoder (blocking: run it in a worker thread)."""
        self.planner.counter.load(model)

    def load_prices(self) -> None:
        """Load the price data (blocking: run it in a worker thread)."""
        self.planner.prices.load()

    @staticmethod
    def conversation_totals(conversation: Conversation) -> Totals:
        """Tokens and cost of every reply in the conversation, on every branch (each was
        paid for, whichever branch is shown)."""
        total = Totals()
        for message in conversation.tree.all():
            if message.usage is not None:
                total = total.plus(message.usage.total_tokens, message.cost)
        return total

    def day_totals(self) -> Totals:
        if self._ledger is None:
            return Totals()
        return self._ledger.day(self._time().astimezone().date())

    def all_time_totals(self) -> Totals:
        return Totals() if self._ledger is None else self._ledger.all_time()

    def _history(self, conversation: Conversation) -> list[Message]:
        return list(conversation.messages)

    def request_code(self, conversation: Conversation, draft: str) -> RequestCode:
        """The next request — the history and ``draft`` as the prompt — as Python and curl,
        built by the same planner as a real send, key redacted (see
        :mod:`gpt_tui.core.planning.request_code`)."""
        from gpt_tui.core.planning.request_code import request_code

        params = conversation.params
        history = self._history(conversation)
        if draft.strip():
            history.append(Message(role="user", content=draft, id="draft"))
        request, _selection = self.planner.request(params, history, self.base_url_for(params))
        try:
            profile = self._providers.profile(params.profile)
            rejected = self._providers.rejected_params(params.model, params.profile)
        except ProviderError:  # a profile removed from config.toml: show the default one
            profile, rejected = self._providers.settings, {}
        return request_code(request, profile, rejected)

    def _plan_problem(self, conversation: Conversation, plan: TurnPlan) -> str | None:
        """Why ``plan`` makes no sense for this conversation (before counting tokens)."""
        tree = conversation.tree
        if plan.kind == "retry":
            return (
                None
                if self.can_retry(conversation)
                else ("There is no unanswered prompt to send again.")
            )
        if plan.kind == "send":
            return None
        target = tree.get(plan.target or "")
        if target is None:
            return "That message is no longer in this conversation."
        if plan.kind == "edit" and target.role != "user":
            return "Only your own messages can be edited and sent again."
        if plan.kind == "regenerate" and self._anchor(conversation, target) is None:
            return "There is no prompt before this message to answer again."
        if plan.kind == "continue":
            if target.role != "assistant" or not target.content:
                return "Only a reply with some text can be continued."
            if tree.children(target.id):
                return "Only the last reply of a branch can be continued."
        return None

    @staticmethod
    def _anchor(conversation: Conversation, target: Message) -> str | None:
        """The message a new reply to ``target``'s prompt follows (for "regenerate")."""
        return target.id if target.role == "user" else conversation.tree.parent_id(target.id)

    def _planned_history(self, conversation: Conversation, plan: TurnPlan) -> list[Message]:
        """The history ``plan`` would send (a draft prompt stands in for a new one)."""
        tree = conversation.tree
        target = tree.get(plan.target or "")
        if plan.kind in ("send", "retry"):
            history = self._history(conversation)
        elif plan.kind == "edit" and target is not None:
            parent = tree.parent_id(target.id)
            history = [] if parent is None else tree.path_to(parent)
        elif plan.kind == "regenerate" and target is not None:
            anchor = self._anchor(conversation, target)
            history = [] if anchor is None else tree.path_to(anchor)
        elif plan.kind == "continue" and target is not None:
            history = _continue_history(tree.path_to(target.id))
        else:
            history = []
        if plan.prompt is not None:
            history.append(Message(role="user", content=plan.prompt, id="draft"))
        return history

    # Setup ---------------------------------------------------------------------------

    def save_setup(
        self,
        config_file: Path,
        env: Mapping[str, str],
        *,
        api_key: str | None = None,
        base_url: str | None = None,
    ) -> Settings:
        """Save the first-run choice to ``config_file`` and read the settings back.

        Blocking — reading runs each profile's ``api_key_cmd`` (up to 10 s): call it from a
        worker thread, then hand the result to :meth:`use_settings` on the event loop.
        Raises :class:`~gpt_tui.core.config.types.ConfigWriteError` (the file is left as it was)
        when the existing file cannot be safely updated.
        """
        save_setup(config_file, api_key=api_key, base_url=base_url)
        settings, _problems = load_settings(config_file, env)
        return settings

    async def use_settings(self, settings: Settings) -> None:
        """Use freshly loaded settings from now on (profiles, presets, the default model)."""
        await self._providers.reconfigure(settings.provider)
        self._presets = dict(settings.presets)
        self._titles = settings.titles
        if self.default_params.model == DEMO_MODEL:
            model = choose_default_model(None, settings)
            self.default_params = self.default_params.with_changes(model=model)

    # Presets -------------------------------------------------------------------------

    def preset_names(self) -> tuple[str, ...]:
        return tuple(self._presets)

    def preset(self, name: str) -> Preset:
        """The preset ``name``; raises :class:`KeyError` when there is none."""
        return self._presets[name]

    def apply_preset(self, conversation: Conversation, name: str) -> Params:
        """Give ``conversation`` the preset's system prompt and parameters (see
        :meth:`Preset.apply <gpt_tui.core.config.presets.Preset.apply>`); returns them."""
        params = self._presets[name].apply(conversation.params, self.default_params)
        self.update_params(conversation, params)
        return params

    def save_preset(self, name: str, params: Params) -> Path:
        """Save ``params`` as the preset ``name`` in the presets file; returns the file.

        Raises :class:`~gpt_tui.core.config.presets.PresetError` for a bad name, a name written
        by hand in config.toml (which the app never rewrites), or a file that cannot be
        written.
        """
        problem = preset_name_problem(name)
        if problem is not None:
            raise PresetError(problem[0].upper() + problem[1:] + ".")
        if self._presets_file is None:
            raise PresetError("There is no presets file to save to.")
        preset = preset_from_params(name, params)
        existing = self._presets.get(preset.name)
        if existing is not None and existing.source not in (None, self._presets_file):
            raise PresetError(
                f"'{preset.name}' is written in {existing.source}; edit it there or choose "
                "another name."
            )
        save_preset(self._presets_file, replace(preset, source=self._presets_file))
        self._presets[preset.name] = replace(preset, source=self._presets_file)
        return self._presets_file

    def import_role_file(self, path: Path) -> tuple[Preset, list[str]]:
        """Save a role JSON file (model + system message) as a preset named after the file;
        returns it and notes on what was left out. Raises
        :class:`~gpt_tui.core.config.presets.PresetError`."""
        preset, notes = preset_from_role_file(path)
        params = preset.apply(self.default_params, self.default_params)
        self.save_preset(preset.name, params)
        return self._presets[preset.name], notes

    # Turns ---------------------------------------------------------------------------

    def can_retry(self, conversation: Conversation) -> bool:
        """Whether the last prompt has no good reply yet (failed, interrupted or none)."""
        last = conversation.messages[-1] if conversation.messages else None
        if last is None or conversation.id in self._streaming:
            return False
        return last.role == "user" or last.status in (
            MessageStatus.ERROR,
            MessageStatus.INTERRUPTED,
        )

    async def run_turn(
        self, conversation: Conversation, prompt: str | None, emit: EventSink
    ) -> Message:
        """Send ``prompt`` (or, with None, ask again for the last prompt) and stream the reply.

        Returns the reply message in its final state. Cancelling the task that runs this
        (the user pressed Esc) stops the stream and keeps the partial reply as stopped.
        """
        plan = TurnPlan.retry() if prompt is None else TurnPlan.send(prompt)
        return await self.run(conversation, plan, emit)

    async def run(self, conversation: Conversation, plan: TurnPlan, emit: EventSink) -> Message:
        """Run any kind of turn (see :class:`TurnPlan`) and stream its reply.

        Raises :class:`TurnRefused` (nothing changed) when :meth:`refusal_for` objects.
        Returns the reply in its final state; cancelling stops it and keeps the text.
        """
        reason = self.refusal_for(conversation, plan)
        if reason is not None:
            raise TurnRefused(reason)
        self._streaming.add(conversation.id)
        self._open[conversation.id] = conversation
        try:
            with self._store.turn_lock(conversation.id):
                reply = await self._run_turn(conversation, plan, emit)
        finally:
            self._streaming.discard(conversation.id)
        if (
            self._titles.generate
            and reply.status is MessageStatus.COMPLETE
            and wants_title(conversation)
        ):
            await self._name(conversation, emit)
        return reply

    async def _name(self, conversation: Conversation, emit: EventSink) -> None:
        """Ask the model for a short title and use it, unless the user renamed the
        conversation meanwhile. Failures only leave the automatic title (and a log line)."""
        reasoning = capabilities_for(self._titles.model or conversation.params.model).reasoning
        params = title_params(conversation.params, self._titles, reasoning=reasoning)
        request, _ = self.planner.request(
            params, title_history(conversation), self.base_url_for(params)
        )
        parts: list[str] = []
        usage: Usage | None = None
        try:
            provider = self._providers.for_model(params.model, params.profile)
            async with asyncio.timeout(TITLE_TIMEOUT):
                async for event in provider.stream(request):
                    if isinstance(event, TextDelta):
                        parts.append(event.text)
                    elif isinstance(event, UsageReported):
                        usage = event.usage
        except Exception as exc:  # the automatic title stays; never fail the turn for this
            log.info("no generated title: %s", type(exc).__name__)
            return
        title = clean_title("".join(parts))
        if usage is not None:
            self._count(usage, self._cost(usage, params.model, params), self._time())
        if title is None or not has_automatic_title(conversation):
            return
        conversation.title = title
        self._save(conversation, update_index=True)
        emit(TitleChanged(conversation.id, title))

    def _begin_turn(
        self, conversation: Conversation, plan: TurnPlan, emit: EventSink
    ) -> tuple[ChatRequest, Message, _Earlier | None]:
        """Put the prompt and the reply in place, save both, and build the request.

        A new prompt goes at the end of the shown branch ("send") or beside the prompt it
        replaces ("edit"); a new, empty reply follows it (or the prompt being answered
        again). "continue" reuses the reply and remembers what it had before.
        """
        params = conversation.params
        tree = conversation.tree
        prompt_message: Message | None = None
        earlier: _Earlier | None = None
        if plan.prompt is not None:
            prompt_message = Message(role="user", content=plan.prompt, created_at=self._time())
            if plan.kind == "edit" and plan.target is not None:
                tree.add(prompt_message, tree.parent_id(plan.target))
            else:
                conversation.append(prompt_message)
            if not conversation.title:
                conversation.title = title_from_prompt(plan.prompt)
        if prompt_message is not None:
            history = tree.path_to(prompt_message.id)
        else:
            history = self._planned_history(conversation, plan)
        request, _selection = self.planner.request(params, history, self.base_url_for(params))
        existing = tree.get(plan.target or "") if plan.kind == "continue" else None
        if existing is not None:
            reply = existing
            earlier = _Earlier(reply.status, reply.usage, reply.cost, reply.timing)
            reply.status = MessageStatus.STREAMING
            reply.error = None
            tree.select(reply.id)
        else:
            reply = Message(
                role="assistant",
                content="",
                status=MessageStatus.STREAMING,
                model=params.model,
                created_at=self._time(),
            )
            target = tree.get(plan.target or "")
            if plan.kind == "regenerate" and target is not None:
                tree.add(reply, self._anchor(conversation, target))
            else:
                conversation.append(reply)
        conversation.updated_at = self._time()
        self._save(conversation, update_index=True)
        emit(TurnStarted(conversation.id, prompt_message, reply, plan.kind))
        log.info(
            "turn started: conversation=%s model=%s messages_sent=%d kind=%s",
            conversation.id,
            params.model,
            len(request.messages),
            plan.kind,
        )
        return request, reply, earlier

    async def _run_turn(
        self, conversation: Conversation, plan: TurnPlan, emit: EventSink
    ) -> Message:
        params = conversation.params
        request, reply, earlier = self._begin_turn(conversation, plan, emit)
        parts: list[str] = [reply.content] if reply.content else []
        kept = len(parts)
        self._live[reply.id] = parts
        started = last_save = self._timer()
        first_token: float | None = None
        usage: Usage | None = None
        batcher = DeltaBatcher(
            conversation.id, reply.id, emit, self._delta_interval, start=len(reply.content)
        )
        loop = asyncio.get_running_loop()
        next_yield = loop.time() + YIELD_INTERVAL
        try:
            provider = self._providers.for_model(params.model, params.profile)
            stream = self._guarded(provider.stream(request), lambda: len(parts) > kept)
            async for event in stream:
                if loop.time() >= next_yield:
                    # Chunks of a fast server are all buffered, so reading them never waits:
                    # step aside now and then, or the screen and the keyboard would stall.
                    await asyncio.sleep(0)
                    next_yield = loop.time() + YIELD_INTERVAL
                if isinstance(event, TextDelta):
                    if first_token is None:
                        first_token = self._timer() - started
                    parts.append(event.text)
                    batcher.add(event.text)
                    if self._timer() - last_save >= self._save_interval:
                        reply.content = "".join(parts)
                        self._save(conversation, update_index=False)
                        last_save = self._timer()
                elif isinstance(event, UsageReported):
                    usage = event.usage
                elif isinstance(event, ProviderNotice):
                    reply.notices.append(event.text)
            reply.status = MessageStatus.COMPLETE
        except asyncio.CancelledError:
            reply.status = MessageStatus.STOPPED
            raise
        except ProviderError as exc:
            reply.status = _failed_status(parts, kept, earlier)
            reply.error = exc.info
        except Exception as exc:  # a bug must not lose the reply or kill the app
            log.exception("turn failed")
            reply.status = _failed_status(parts, kept, earlier)
            reply.error = ErrorInfo(
                f"Unexpected error: {type(exc).__name__}",
                "Press ctrl+r to try again. If it persists, please report it.",
            )
        finally:  # stopped, failed or complete: save what came and say how it ended
            reply.timing = Timing(first_token, self._timer() - started)
            batcher.flush()
            self._finish(
                conversation,
                request,
                reply,
                parts=parts,
                kept=kept,
                usage=usage,
                earlier=earlier,
                emit=emit,
            )
        return reply

    def _finish(
        self,
        conversation: Conversation,
        request: ChatRequest,
        reply: Message,
        *,
        parts: list[str],
        kept: int,
        usage: Usage | None,
        earlier: _Earlier | None,
        emit: EventSink,
    ) -> None:
        """Settle the reply's text, usage and cost, save, record the totals, and tell the UI.

        A continued reply keeps its earlier text and adds this request's usage, cost and
        time to what it had; the day's totals get only this request's share.
        """
        self._live.pop(reply.id, None)
        reply.content = "".join(parts)
        new_text = "".join(parts[kept:])
        if usage is None and new_text:
            usage = self.planner.estimated_usage(request, new_text)
        cost = None if usage is None else self._cost(usage, request.model, conversation.params)
        reply.usage, reply.cost = usage, cost
        if earlier is not None:
            earlier.merge_into(reply)
        conversation.updated_at = self._time()
        self._save(conversation, update_index=True)
        _log_outcome(conversation.id, request.model, reply)
        if usage is not None:
            self._count(usage, cost, conversation.updated_at)
        emit(ReplyFinished(conversation.id, reply))

    def _cost(self, usage: Usage, model: str, params: Params) -> Decimal | None:
        """What a request cost at the prices for ``model`` behind ``params``' server."""
        return self.planner.prices.reply_cost(usage, model, self.base_url_for(params))

    def _count(self, usage: Usage, cost: Decimal | None, when: datetime) -> None:
        """Add a request to the day's and all-time totals (a failed write is a notice)."""
        if self._ledger is None:
            return
        try:
            self._ledger.record(when, usage.total_tokens, cost)
        except OSError as exc:
            self._notices.append(f"Could not save the usage totals: {exc}")

    # Search --------------------------------------------------------------------------

    def search(self, query: str, limit: int = 50) -> SearchResults:
        """Messages and titles of every conversation holding every word of ``query``,
        newest first (blocking, a few ms to a few hundred: call it from a worker thread)."""
        if self._search is None:
            return SearchResults(query, [])
        return self._search.search(query, limit)

    def ensure_search_index(self) -> int:
        """Index what the search index misses: everything the first time, then what
        changed on disk since (another process, an older version). Blocking, up to
        minutes for a million messages: run it in a worker thread. Returns how many
        conversations were indexed (0 also when a build is already running)."""
        if self._search is None:
            return 0
        return self._search.sync(self._store.list_summaries(), self._store.load_if_readable)

    def search_progress(self) -> tuple[int, int] | None:
        """(done, total) conversations while the search index is being built."""
        return None if self._search is None else self._search.progress()

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

    # Branches ------------------------------------------------------------------------

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

    async def _guarded(
        self, events: AsyncIterator[StreamEvent], started: Callable[[], bool]
    ) -> AsyncIterator[StreamEvent]:
        """The provider's events, failing when they stall after the reply has begun.

        Before the first token the SDK's own timeout applies (reasoning models may think
        for minutes); after it, ``idle_timeout`` seconds of silence end the stream.
        """
        iterator = aiter(events)
        try:
            while True:
                limit = self._idle_timeout if started() else None
                try:
                    # asyncio.timeout, not wait_for: wait_for wraps every chunk in a new
                    # task, which costs more than the rest of the chunk's handling.
                    async with asyncio.timeout(limit):
                        event = await anext(iterator)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise ProviderError(
                        ErrorInfo(
                            f"The stream stalled: nothing arrived for {self._idle_timeout:g} s",
                            "The server or a proxy stopped sending. The text so far is kept; "
                            "press ctrl+r to ask again.",
                        )
                    ) from None
                yield event
        finally:
            close = getattr(iterator, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()

    def _time(self) -> datetime:
        return self._now()

    def _save(self, conversation: Conversation, *, update_index: bool) -> None:
        try:
            self._store.save(conversation, update_index=update_index)
        except StoreError as exc:
            # The conversation stays in memory and the next save tries again.
            log.warning("could not save conversation %s: %s", conversation.id, exc)
            notice = f"Could not save this conversation: {exc}"
            if notice not in self._notices:
                self._notices.append(notice)


@dataclass(frozen=True, slots=True)
class _Earlier:
    """What a reply had before a "continue" turn added to it."""

    status: MessageStatus
    usage: Usage | None
    cost: Decimal | None
    timing: Timing | None

    def merge_into(self, reply: Message) -> None:
        """Add the earlier usage, cost and time to this request's (already on ``reply``)."""
        new_usage, new_cost = reply.usage, reply.cost
        if self.usage is not None and new_usage is not None:
            reply.usage = self.usage + new_usage
        elif new_usage is None:
            reply.usage = self.usage
        if new_usage is None:
            reply.cost = self.cost
        elif self.usage is not None:
            both = self.cost is not None and new_cost is not None
            reply.cost = (self.cost or Decimal(0)) + (new_cost or Decimal(0)) if both else None
        if self.timing is not None and reply.timing is not None:
            reply.timing = Timing(
                self.timing.first_token_s, self.timing.total_s + reply.timing.total_s
            )


def _failed_status(parts: list[str], kept: int, earlier: _Earlier | None) -> MessageStatus:
    """How a reply that failed ends: a continued reply that got nothing new keeps its old
    status (its text is as good as before); otherwise interrupted if it has text."""
    if earlier is not None and len(parts) == kept:
        return earlier.status
    return MessageStatus.INTERRUPTED if parts else MessageStatus.ERROR


def _continue_history(path: list[Message]) -> list[Message]:
    """The history of a "continue" turn: the path down to the reply, whose partial text is
    sent as the last (assistant) message whatever its status, so the model goes on from it.
    OpenAI-compatible servers answer a request ending in an assistant message with more
    text; servers that support prefill continue the very same sentence."""
    *before, reply = path
    return [*before, replace(reply, status=MessageStatus.COMPLETE)]


def _log_outcome(conversation_id: str, model: str, reply: Message) -> None:
    """One line per reply: how it ended, timings, token counts; never the text."""
    timing = reply.timing
    usage = reply.usage
    error = reply.error
    log.info(
        "turn ended: conversation=%s model=%s status=%s first_token_s=%s total_s=%s "
        "prompt_tokens=%s completion_tokens=%s estimated=%s chars=%d%s",
        conversation_id,
        model,
        reply.status.value,
        None if timing is None or timing.first_token_s is None else f"{timing.first_token_s:.3f}",
        None if timing is None else f"{timing.total_s:.3f}",
        None if usage is None else usage.prompt_tokens,
        None if usage is None else usage.completion_tokens,
        None if usage is None else usage.estimated,
        len(reply.content),
        ""
        if error is None
        else f" error_status={error.status} request_id={error.request_id} "
        f"error={error.title.split(':')[0]!r}",
    )
