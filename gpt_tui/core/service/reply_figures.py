"""What a stream says about a reply besides its text and reasoning.

Usage, the server's own cost, notices, why it ended, retries, a refusal, token
probabilities and the functions the model calls arrive as events between the text;
:class:`ServerFigures` keeps each where it belongs, so the turn engine's loop only sorts
text from everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from gpt_tui.core.domain.message import Message, Usage
from gpt_tui.core.providers.base import (
    CostReported,
    FinishReported,
    LogprobsDelta,
    ProviderNotice,
    RefusalDelta,
    RetryScheduled,
    StreamEvent,
    ToolCallsReported,
    UsageReported,
)
from gpt_tui.core.providers.retries import retried_notice
from gpt_tui.core.service.events import EventSink, TurnRetrying


@dataclass(slots=True)
class ServerFigures:
    """Usage and cost as the server reported them (applied when the reply ends); the rest
    goes on the reply at once."""

    conversation_id: str
    emit: EventSink
    usage: Usage | None = None
    cost: Decimal | None = None

    def note(self, event: StreamEvent, reply: Message) -> None:
        if isinstance(event, UsageReported):
            self.usage = event.usage
        elif isinstance(event, CostReported):
            self.cost = event.usd
        elif isinstance(event, ProviderNotice):
            reply.notices.append(event.text)
        elif isinstance(event, FinishReported):
            reply.finish_reason = event.reason
        elif isinstance(event, RetryScheduled):
            reply.notices.append(
                retried_notice(event.attempt, event.of, event.reason, event.wait_s)
            )
            self.emit(
                TurnRetrying(
                    self.conversation_id,
                    reply.id,
                    event.attempt,
                    event.of,
                    event.reason,
                    event.wait_s,
                )
            )
        elif isinstance(event, LogprobsDelta):
            if reply.logprobs is None:
                reply.logprobs = []
            reply.logprobs.extend(event.tokens)
        elif isinstance(event, RefusalDelta):
            reply.refusal = (reply.refusal or "") + event.text
        elif isinstance(event, ToolCallsReported):
            reply.tool_calls = event.calls
