"""The one owner of conversations while the app runs: opening, parameters and turns.

The UI never touches the store or a provider. It asks this service to open a
conversation or run a turn and hears back through events. A turn saves the prompt before
the request goes out, saves the growing reply at most every ``save_interval`` seconds, and
saves how it ended (complete, stopped by the user, interrupted, failed), so a crash loses
at most about a second of text and a failure never loses the prompt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from gpt_tui.core.config import Defaults, Settings, load_settings, save_setup
from gpt_tui.core.fsutil import atomic_write_text
from gpt_tui.core.ledger import Totals, UsageLedger
from gpt_tui.core.models import (
    DEMO_MODEL,
    Conversation,
    ConversationSummary,
    ErrorInfo,
    Message,
    MessageStatus,
    Params,
    Timing,
    new_id,
    title_from_prompt,
    utc_now,
)
from gpt_tui.core.planner import RequestEstimate, RequestPlanner
from gpt_tui.core.presets import (
    Preset,
    PresetError,
    preset_from_params,
    preset_from_role_file,
    preset_name_problem,
    save_preset,
)
from gpt_tui.core.providers.base import (
    ChatRequest,
    ProviderError,
    ProviderNotice,
    StreamEvent,
    TextDelta,
    UsageReported,
)
from gpt_tui.core.providers.registry import ProviderRegistry
from gpt_tui.core.request_code import RequestCode
from gpt_tui.core.storage import ConversationStore, StoreError

log = logging.getLogger(__name__)

DEFAULT_IDLE_TIMEOUT = 60.0
"""Seconds without a chunk, once a reply has started, before the stream counts as stalled."""

FALLBACK_MODEL = "gpt-4o-mini"
"""The model of new conversations when a server is set up but no model is named."""


def choose_default_model(cli_model: str | None, settings: Settings) -> str:
    """``--model``, else config's ``model``, else a common model, else the offline demo."""
    if cli_model:
        return cli_model
    if settings.model:
        return settings.model
    return FALLBACK_MODEL if settings.provider.configured else DEMO_MODEL


@dataclass(frozen=True, slots=True)
class TurnStarted:
    """A turn began: the prompt (if new) is saved and an empty reply is in place."""

    conversation_id: str
    prompt: Message | None
    reply: Message


@dataclass(frozen=True, slots=True)
class ReplyDelta:
    """More text for a streaming reply (``chunks`` stream chunks merged into one event)."""

    conversation_id: str
    message_id: str
    text: str
    chunks: int = 1


@dataclass(frozen=True, slots=True)
class ReplyFinished:
    """A reply ended; ``reply.status`` says how and ``reply.error`` why it failed."""

    conversation_id: str
    reply: Message


TurnEvent = TurnStarted | ReplyDelta | ReplyFinished
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
        self, conversation_id: str, message_id: str, emit: EventSink, interval: float
    ) -> None:
        self._ids = (conversation_id, message_id)
        self._emit = emit
        self._interval = interval
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
            self._emit(ReplyDelta(*self._ids, text, chunks))


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
    ) -> None:
        self._store = store
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
        return Params(
            model=model,
            temperature=defaults.temperature,
            top_p=defaults.top_p,
            max_tokens=defaults.max_tokens,
            system_prompt=defaults.system_prompt,
        )

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
        kill: it is marked interrupted (its text is kept).
        """
        if conversation_id in self._open:
            return self._open[conversation_id]
        conversation = self._store.load(conversation_id)
        repaired = False
        for message in conversation.messages:
            if message.status is MessageStatus.STREAMING:
                message.status = MessageStatus.INTERRUPTED
                message.error = ErrorInfo(
                    "The reply was cut off when gpt-tui stopped",
                    "Press ctrl+r to ask again; the text above is kept.",
                )
                repaired = True
        if repaired:
            self._save(conversation, update_index=False)
        self._open[conversation_id] = conversation
        return conversation

    def export(self, conversation: Conversation, fmt: str, directory: Path) -> Path:
        """Write the conversation to ``directory`` as Markdown ("md") or JSON; returns the file.

        Raises :class:`OSError` when the file cannot be written.
        """
        from gpt_tui.core.exporting import export_filename, to_json, to_markdown

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
        """Persist small UI state (last conversation, setup dismissed…)."""
        state = dict(self._store.load_state())
        if all(state.get(k) == v for k, v in values.items()):
            return
        state.update(values)
        try:
            self._store.save_state(state)
        except StoreError:
            log.warning("could not save UI state", exc_info=True)

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

    def estimate(self, conversation: Conversation, draft: str) -> RequestEstimate:
        """Tokens, context use and maximum cost of sending ``draft`` now."""
        return self.planner.estimate(
            conversation.params,
            self._history(conversation),
            draft,
            self.base_url_for(conversation.params),
        )

    def refusal(self, conversation: Conversation, prompt: str | None) -> str | None:
        """Why sending now would be refused before anything goes out, or None."""
        if conversation.id in self._streaming:
            return "A reply is still streaming here: wait, or press Esc to stop it."
        if prompt is None and not self.can_retry(conversation):
            return "There is no unanswered prompt to send again."
        history = self._history(conversation)
        if prompt is not None:
            history.append(Message(role="user", content=prompt, id="draft"))
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
        """Tokens and cost of every reply in the conversation."""
        total = Totals()
        for message in conversation.messages:
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
        :mod:`gpt_tui.core.request_code`)."""
        from gpt_tui.core.request_code import request_code

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
        Raises :class:`~gpt_tui.core.config.ConfigWriteError` (the file is left as it was)
        when the existing file cannot be safely updated.
        """
        save_setup(config_file, api_key=api_key, base_url=base_url)
        settings, _problems = load_settings(config_file, env)
        return settings

    async def use_settings(self, settings: Settings) -> None:
        """Use freshly loaded settings from now on (profiles, presets, the default model)."""
        await self._providers.reconfigure(settings.provider)
        self._presets = dict(settings.presets)
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
        :meth:`Preset.apply <gpt_tui.core.presets.Preset.apply>`); returns them."""
        params = self._presets[name].apply(conversation.params, self.default_params)
        self.update_params(conversation, params)
        return params

    def save_preset(self, name: str, params: Params) -> Path:
        """Save ``params`` as the preset ``name`` in the presets file; returns the file.

        Raises :class:`~gpt_tui.core.presets.PresetError` for a bad name, a name written
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
        :class:`~gpt_tui.core.presets.PresetError`."""
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
        reason = self.refusal(conversation, prompt)
        if reason is not None:
            raise TurnRefused(reason)
        self._streaming.add(conversation.id)
        self._open[conversation.id] = conversation
        try:
            return await self._run_turn(conversation, prompt, emit)
        finally:
            self._streaming.discard(conversation.id)

    def _begin_turn(
        self, conversation: Conversation, prompt: str | None, emit: EventSink
    ) -> tuple[ChatRequest, Message]:
        """Add the prompt and an empty reply, save both, and build the request."""
        params = conversation.params
        prompt_message: Message | None = None
        if prompt is not None:
            prompt_message = Message(role="user", content=prompt, created_at=self._time())
            conversation.messages.append(prompt_message)
            if not conversation.title:
                conversation.title = title_from_prompt(prompt)
        history = list(conversation.messages)
        request, _selection = self.planner.request(params, history, self.base_url_for(params))
        reply = Message(
            role="assistant",
            content="",
            status=MessageStatus.STREAMING,
            model=params.model,
            created_at=self._time(),
        )
        conversation.messages.append(reply)
        conversation.updated_at = reply.created_at
        self._save(conversation, update_index=True)
        emit(TurnStarted(conversation.id, prompt_message, reply))
        log.info(
            "turn started: conversation=%s model=%s messages_sent=%d retry=%s",
            conversation.id,
            params.model,
            len(request.messages),
            prompt is None,
        )
        return request, reply

    async def _run_turn(
        self, conversation: Conversation, prompt: str | None, emit: EventSink
    ) -> Message:
        params = conversation.params
        request, reply = self._begin_turn(conversation, prompt, emit)
        parts: list[str] = []
        self._live[reply.id] = parts
        started = last_save = self._timer()
        first_token: float | None = None
        batcher = DeltaBatcher(conversation.id, reply.id, emit, self._delta_interval)
        loop = asyncio.get_running_loop()
        next_yield = loop.time() + YIELD_INTERVAL
        try:
            provider = self._providers.for_model(params.model, params.profile)
            async for event in self._guarded(provider.stream(request), lambda: bool(parts)):
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
                    reply.usage = event.usage
                elif isinstance(event, ProviderNotice):
                    reply.notices.append(event.text)
            reply.status = MessageStatus.COMPLETE
        except asyncio.CancelledError:
            reply.status = MessageStatus.STOPPED
            reply.timing = Timing(first_token, self._timer() - started)
            batcher.flush()
            self._finish(conversation, request, reply, parts, emit)
            raise
        except ProviderError as exc:
            reply.status = MessageStatus.INTERRUPTED if parts else MessageStatus.ERROR
            reply.error = exc.info
        except Exception as exc:  # a bug must not lose the reply or kill the app
            log.exception("turn failed")
            reply.status = MessageStatus.INTERRUPTED if parts else MessageStatus.ERROR
            reply.error = ErrorInfo(
                f"Unexpected error: {type(exc).__name__}",
                "Press ctrl+r to try again. If it persists, please report it.",
            )
        reply.timing = Timing(first_token, self._timer() - started)
        batcher.flush()
        self._finish(conversation, request, reply, parts, emit)
        return reply

    def _finish(
        self,
        conversation: Conversation,
        request: ChatRequest,
        reply: Message,
        parts: list[str],
        emit: EventSink,
    ) -> None:
        """Settle the reply's text, usage and cost, save, record the totals, and tell the UI."""
        self._live.pop(reply.id, None)
        reply.content = "".join(parts)
        if reply.usage is None and reply.content:
            reply.usage = self.planner.estimated_usage(request, reply.content)
        if reply.usage is not None:
            reply.cost = self.planner.prices.reply_cost(
                reply.usage, request.model, self.base_url_for(conversation.params)
            )
        conversation.updated_at = self._time()
        self._save(conversation, update_index=True)
        _log_outcome(conversation.id, request.model, reply)
        if self._ledger is not None and reply.usage is not None:
            try:
                self._ledger.record(conversation.updated_at, reply.usage.total_tokens, reply.cost)
            except OSError as exc:
                self._notices.append(f"Could not save the usage totals: {exc}")
        emit(ReplyFinished(conversation.id, reply))

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
