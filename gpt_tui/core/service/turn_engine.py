"""The streaming part of a turn: the prompt and the reply put in place and saved, the
reply's text streamed into it (saved every ``save_interval`` seconds, sent to the UI in
batches), and how it ended saved, priced and counted, whatever happens."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from gpt_tui.core.domain.conversation import Conversation, title_from_prompt
from gpt_tui.core.domain.message import ErrorInfo, Message, MessageStatus, Timing, Usage
from gpt_tui.core.providers.base import (
    ChatRequest,
    ProviderError,
    ProviderNotice,
    TextDelta,
    UsageReported,
)
from gpt_tui.core.service.connections import Connections
from gpt_tui.core.service.events import EventSink, ReplyFinished, TurnPlan, TurnStarted
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

    def _begin_turn(
        self, conversation: Conversation, plan: TurnPlan, emit: EventSink
    ) -> tuple[ChatRequest, Message, Earlier | None]:
        """Put the prompt and the reply in place, save both, and build the request.

        A new prompt goes at the end of the shown branch ("send") or beside the prompt it
        replaces ("edit"); a new, empty reply follows it (or the prompt being answered
        again). "continue" reuses the reply and remembers what it had before.
        """
        params = conversation.params
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
            tree.select(reply.id)
        else:
            reply = Message(
                role="assistant",
                content="",
                status=MessageStatus.STREAMING,
                model=params.model,
                created_at=self._now(),
            )
            target = tree.get(plan.target or "")
            if plan.kind == "regenerate" and target is not None:
                tree.add(reply, anchor(conversation, target))
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
        return request, reply, earlier

    async def stream(self, conversation: Conversation, plan: TurnPlan, emit: EventSink) -> Message:
        """Put the prompt and an empty reply in place, stream the reply into it, and save
        how it ended. Returns the reply in its final state."""
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
            provider = self._connections.provider_for(params)
            stream = guarded(
                provider.stream(request), lambda: len(parts) > kept, self._idle_timeout
            )
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
            reply.status = failed_status(parts, kept, earlier)
            reply.error = exc.info
        except Exception as exc:  # a bug must not lose the reply or kill the app
            log.exception("turn failed")
            reply.status = failed_status(parts, kept, earlier)
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
        earlier: Earlier | None,
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
            usage = self._planning.estimated_usage(request, new_text)
        cost = (
            None if usage is None else self._usage.cost(usage, request.model, conversation.params)
        )
        reply.usage, reply.cost = usage, cost
        if earlier is not None:
            earlier.merge_into(reply)
        conversation.updated_at = self._now()
        self._save(conversation, update_index=True)
        log_outcome(conversation.id, request.model, reply)
        if usage is not None:
            self._usage.record(usage, cost, conversation.updated_at)
        emit(ReplyFinished(conversation.id, reply))
