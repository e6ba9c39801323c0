"""What the chat service needs of a backend: turn a request into a stream of events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from gpt_tui.core.domain.logprobs import TokenLogprob
from gpt_tui.core.domain.message import ErrorInfo, Usage
from gpt_tui.core.domain.tools import ToolCall


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """One chat-completions request, already reduced to what will go on the wire."""

    model: str
    messages: list[dict[str, Any]]
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def sdk_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``chat.completions.create``: only what the user set."""
        kwargs: dict[str, Any] = {"model": self.model, "messages": self.messages}
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        if self.top_p is not None:
            kwargs["top_p"] = self.top_p
        if self.max_tokens is not None:
            kwargs["max_tokens"] = self.max_tokens
        kwargs.update(self.extra)
        return kwargs


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the reply's text."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """A piece of the model's reasoning (``delta.reasoning_content`` or ``delta.reasoning``),
    kept apart from the reply's text."""

    text: str


@dataclass(frozen=True, slots=True)
class RefusalDelta:
    """A piece of a refusal (``delta.refusal``): the model declined a structured output."""

    text: str


@dataclass(frozen=True, slots=True)
class LogprobsDelta:
    """Token probabilities of the text just streamed (``choices[].logprobs.content``)."""

    tokens: tuple[TokenLogprob, ...]


@dataclass(frozen=True, slots=True)
class UsageReported:
    """The token usage the server reported (sent once, usually at the end)."""

    usage: Usage


@dataclass(frozen=True, slots=True)
class ProviderNotice:
    """Something the user should know about this request that is not part of the reply.

    For example: "The server rejected 'temperature' for o3-mini; sent again without it
    (remembered for this model)". Consumers that do not know it can ignore it.
    """

    text: str
    param: str | None = None
    """The request parameter the notice is about, if any."""


@dataclass(frozen=True, slots=True)
class CostReported:
    """What the server said the request cost (USD); used instead of the computed price.
    See :mod:`gpt_tui.core.providers.reported_cost`."""

    usd: Decimal


@dataclass(frozen=True, slots=True)
class FinishReported:
    """Why the server ended the reply: "stop", "length" (a token limit), "content_filter"…"""

    reason: str


@dataclass(frozen=True, slots=True)
class RetryScheduled:
    """The request failed and is sent again after ``wait_s`` seconds (retry ``attempt`` of
    ``of``); ``reason`` names the failure ("HTTP 500", "a timeout")."""

    attempt: int
    of: int
    reason: str
    wait_s: float


@dataclass(frozen=True, slots=True)
class ToolCallsReported:
    """The functions the reply asks for, whole (sent once, when the stream ends)."""

    calls: tuple[ToolCall, ...]


StreamEvent = (
    TextDelta
    | UsageReported
    | ProviderNotice
    | CostReported
    | FinishReported
    | RetryScheduled
    | ReasoningDelta
    | RefusalDelta
    | LogprobsDelta
    | ToolCallsReported
)


@dataclass(frozen=True, slots=True)
class ModelList:
    """The models one profile offers, for a model picker."""

    profile: str
    models: tuple[str, ...]
    """What to offer: the profile's ``models`` and Azure ``deployments`` first (as
    configured), then the ones the server lists (sorted), without duplicates."""
    served: tuple[str, ...] = ()
    """What ``GET /models`` returned (sorted); empty when it could not be asked."""
    reason: str | None = None
    """Why the server's list is missing, in words for the user; ``None`` when it came."""


class ProviderError(Exception):
    """A request failed; ``info`` says why in words a user can act on."""

    def __init__(self, info: ErrorInfo) -> None:
        super().__init__(info.title)
        self.info = info


class ChatProvider(Protocol):
    """A backend that streams replies. Implementations raise :class:`ProviderError`."""

    label: str
    """Shown to the user: "demo", "api.openai.com", "localhost:8000"…"""

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Send ``request`` and yield the reply as it arrives."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
