"""The streaming part of a turn: the prompt and the reply put in place and saved, the
reply's text streamed into it (saved every ``save_interval`` seconds, sent to the UI in
batches), and how it ended saved, priced and counted, whatever happens."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from gpt_tui.core.domain.conversation import Conversation, Params, title_from_prompt
from gpt_tui.core.domain.finish import CUT_OFF_PREFIX, LENGTH, cut_off_notice
from gpt_tui.core.domain.labels import settings_label as label_of
from gpt_tui.core.domain.message import ErrorInfo, Message, MessageStatus, Timing, Usage
from gpt_tui.core.domain.tools import text_with_calls
from gpt_tui.core.planning.structured import check_structured
from gpt_tui.core.providers.base import (
    ChatRequest,
    ProviderError,
    ReasoningDelta,
    TextDelta,
)
from gpt_tui.core.providers.tool_stream import with_tools_hint
from gpt_tui.core.service.connections import Connections
from gpt_tui.core.service.events import EventSink, ReplyFinished, TurnPlan, TurnStarted
from gpt_tui.core.service.reasoning_stream import ReasoningStream
from gpt_tui.core.service.reply_figures import ServerFigures
from gpt_tui.core.service.streaming import (
    YIELD_INTERVAL,
    DeltaBatcher,
    Earlier,
    failed_status,
    guarded,
    log_outcome,
)
from gpt_tui.core.service.turn_planning import TurnPlanning, anchor
from gpt_tui.core.service.usage import UsageAccounts

log = logging.getLogger("gpt_tui.core.service.chat")


@dataclass(frozen=True, slots=True)
class Turn:
    """A turn whose prompt and empty reply are in place: what :meth:`TurnEngine.stream_reply`
    needs to stream the reply."""

    request: ChatRequest
    reply: Message
    params: Params
    earlier: Earlier | None = None


class Save(Protocol):
    """The service's save, which never raises (a failure becomes a notice)."""

    def __call__(self, conversation: Conversation, *, update_index: bool) -> None: ...


class TurnEngine:
    """Runs the streaming part of turns for :class:`~gpt_tui.core.service.chat.ChatService`
    (which checks, locks and names around it)."""

    def __init__(
        self,
        connections: Connections,
        planning: TurnPlanning,
        usage: UsageAccounts,
        save: Save,
        live: dict[str, list[str]],
        *,
        now: Callable[[], datetime],
        timer: Callable[[], float],
        save_interval: float,
        idle_timeout: float,
        delta_interval: float,
    ) -> None:
        """``live``: the text received so far of each reply streaming (by message id),
        shared with the service, which shows it to the UI."""
        self._connections = connections
        self._planning = planning
        self._usage = usage
        self._save = save
        self._live = live
        self._now = now
        self._timer = timer
        self._save_interval = save_interval
        self._idle_timeout = idle_timeout
        self._delta_interval = delta_interval

    def begin(self, conversation: Conversation, plan: TurnPlan, emit: EventSink) -> Turn:
        """Put the prompt and the reply in place, save both, and build the request.

        A new prompt goes at the end of the shown branch ("send") or beside the prompt it
        replaces ("edit"); a new, empty reply follows it (or the prompt being answered
        again). "continue" reuses the reply and remembers what it had before.
        """
        params = plan.params or conversation.params
        tree = conversation.tree
        prompt_message: Message | None = None
        earlier: Earlier | None = None
        if plan.prompt is not None:
            prompt_message = Message(
                role="user",
                content=plan.prompt,
                created_at=self._now(),
                attachments=plan.attachments,
            )
            if plan.kind == "edit" and plan.target is not None:
                tree.add(prompt_message, tree.parent_id(plan.target))
            else:
                conversation.append(prompt_message)
            if not conversation.title:
                conversation.title = title_from_prompt(plan.prompt)
        if prompt_message is not None:
            history = tree.path_to(prompt_message.id)
        else:
            history = self._planning.history(conversation, plan)
        request = self._planning.request(params, history)
        existing = tree.get(plan.target or "") if plan.kind == "continue" else None
        if existing is not None:
            reply = existing
            earlier = Earlier(reply.status, reply.usage, reply.cost, reply.timing)
            reply.status = MessageStatus.STREAMING
            reply.error = None
            reply.finish_reason = None
            reply.notices = [n for n in reply.notices if not n.startswith(CUT_OFF_PREFIX)]
            tree.select(reply.id)
        else:
            reply = Message(
                role="assistant",
                content="",
                status=MessageStatus.STREAMING,
                model=params.model,
                created_at=self._now(),
                label=plan.label if plan.kind != "regenerate" else plan.label or label_of(params),
            )
            target = tree.get(plan.target or "")
            if plan.kind == "regenerate" and target is not None:
                tree.add(reply, anchor(conversation, target))
            elif plan.kind == "retry":
                tree.add(reply, _retry_anchor(conversation))
            else:
                conversation.append(reply)
        conversation.updated_at = self._now()
        self._save(conversation, update_index=True)
        emit(TurnStarted(conversation.id, prompt_message, reply, plan.kind))
        log.info(
            "turn started: conversation=%s model=%s messages_sent=%d kind=%s",
            conversation.id,
            params.model,
            len(request.messages),
            plan.kind,
        )
        return Turn(request, reply, params, earlier)

    async def stream(self, conversation: Conversation, plan: TurnPlan, emit: EventSink) -> Message:
        """Put the prompt and an empty reply in place, stream the reply into it, and save
        how it ended. Returns the reply in its final state."""
        return await self.stream_reply(conversation, self.begin(conversation, plan, emit), emit)

    async def stream_reply(
        self, conversation: Conversation, turn: Turn, emit: EventSink
    ) -> Message:
        """Stream the reply of a turn that :meth:`begin` put in place, and save how it
        ended (several may stream at once into one conversation: a comparison)."""
        params, request, reply, earlier = turn.params, turn.request, turn.reply, turn.earlier
        parts: list[str] = [reply.content] if reply.content else []
        kept = len(parts)
        self._live[reply.id] = parts
        started = last_save = self._timer()
        first_token: float | None = None
        figures = ServerFigures(conversation.id, emit)
        batcher = DeltaBatcher(
            conversation.id, reply.id, emit, self._delta_interval, start=len(reply.content)
        )
        thinking = self._reasoning_stream(conversation.id, reply, emit, parts, batcher)
        loop = asyncio.get_running_loop()
        next_yield = loop.time() + YIELD_INTERVAL
        try:
            provider = self._connections.provider_for(params)
            stream = guarded(
                provider.stream(request),
                lambda: len(parts) > kept or thinking.started,
                self._idle_timeout,
            )
            async for event in stream:
                if loop.time() >= next_yield:
                    # Chunks of a fast server are all buffered, so reading them never waits:
                    # step aside now and then, or the screen and the keyboard would stall.
                    await asyncio.sleep(0)
                    next_yield = loop.time() + YIELD_INTERVAL
                if isinstance(event, TextDelta | ReasoningDelta):
                    if first_token is None:
                        first_token = self._timer() - started
                    thinking.take(event)
                    if self._timer() - last_save >= self._save_interval:
                        reply.content = "".join(parts)
                        reply.reasoning = thinking.result()
                        self._save(conversation, update_index=False)
                        last_save = self._timer()
                else:
                    figures.note(event, reply)
            reply.status = MessageStatus.COMPLETE
        except asyncio.CancelledError:
            reply.status = MessageStatus.STOPPED
            raise
        except ProviderError as exc:
            reply.status = failed_status(parts, kept, earlier)
            reply.error = with_tools_hint(exc.info, request)
        except Exception as exc:  # a bug must not lose the reply or kill the app
            log.exception("turn failed")
            reply.status = failed_status(parts, kept, earlier)
            reply.error = ErrorInfo(
                f"Unexpected error: {type(exc).__name__}",
                "Press ctrl+r to try again. If it persists, please report it.",
            )
        finally:  # stopped, failed or complete: save what came and say how it ended
            reply.timing = Timing(first_token, self._timer() - started)
            reply.reasoning = thinking.finish()
            self._finish(
                conversation,
                request,
                params,
                reply,
                parts=parts,
                kept=kept,
                usage=figures.usage,
                earlier=earlier,
                emit=emit,
                reported=figures.cost,
            )
        return reply

    def _reasoning_stream(
        self,
        conversation_id: str,
        reply: Message,
        emit: EventSink,
        parts: list[str],
        answer: DeltaBatcher,
    ) -> ReasoningStream:
        """What sorts the reply's stream into answer (``parts``, ``answer``) and reasoning."""
        earlier = reply.reasoning
        reasoning = DeltaBatcher(
            conversation_id,
            reply.id,
            emit,
            self._delta_interval,
            start=len(earlier.text) if earlier is not None else 0,
            reasoning=True,
        )
        return ReasoningStream(parts, answer, reasoning, self._timer, earlier)

    def _finish(
        self,
        conversation: Conversation,
        request: ChatRequest,
        params: Params,
        reply: Message,
        *,
        parts: list[str],
        kept: int,
        usage: Usage | None,
        earlier: Earlier | None,
        emit: EventSink,
        reported: Decimal | None = None,
    ) -> None:
        """Settle the reply's text, usage and cost, save, record the totals, and tell the UI.

        A continued reply keeps its earlier text and adds this request's usage, cost and
        time to what it had; the day's totals get only this request's share.
        """
        self._live.pop(reply.id, None)
        reply.content = "".join(parts)
        new_text = "".join(parts[kept:])
        if usage is None and (new_text or reply.tool_calls):
            counted = text_with_calls(new_text, reply.tool_calls)
            usage = self._planning.estimated_usage(request, counted)
        cost = None if usage is None else self._usage.cost(usage, request.model, params)
        if reported is not None:  # what the server charged wins over a computed price
            cost = reported
        reply.usage, reply.cost, reply.cost_reported = usage, cost, reported is not None
        if reply.finish_reason == LENGTH:
            completion = None if usage is None else usage.completion_tokens
            reply.notices.append(cut_off_notice(request_max_tokens(request), completion))
        if reply.content and reply.refusal is None:
            reply.structured = check_structured(request.extra.get("response_format"), reply.content)
        if earlier is not None:
            earlier.merge_into(reply)
        conversation.updated_at = self._now()
        self._save(conversation, update_index=True)
        log_outcome(conversation.id, request.model, reply)
        if usage is not None:
            when = conversation.updated_at
            record = self._usage.reply_record(conversation, reply, when)
            self._usage.record(usage, cost, when, reply=record)
        emit(ReplyFinished(conversation.id, reply))


def request_max_tokens(request: ChatRequest) -> int | None:
    """The reply's token limit the request set, under either of its names."""
    for value in (request.max_tokens, request.extra.get("max_completion_tokens")):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _retry_anchor(conversation: Conversation) -> str | None:
    """Where the new reply of a "retry" goes: after the last message shown.

    A failed reply with no text is replaced (removed first), so pressing ctrl+r after a
    401 never stacks a second "failed" box; an interrupted reply's text stays visible.
    """
    last = conversation.messages[-1] if conversation.messages else None
    if last is not None and last.status is MessageStatus.ERROR and not last.content:
        parent = conversation.tree.parent_id(last.id)
        conversation.tree.remove(last.id)
        return parent
    return None if last is None else last.id
