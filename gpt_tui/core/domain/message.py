"""One chat message and what a reply carries: status, usage, error, cost and timing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal, cast

from gpt_tui.core.domain.attachments import Attachment, attachments_from
from gpt_tui.core.domain.logprobs import TokenLogprob, logprobs_from_json, logprobs_to_json
from gpt_tui.core.domain.reasoning import Reasoning
from gpt_tui.core.domain.schema import (
    SchemaError,
    as_dict,
    decimal_field,
    iso,
    new_id,
    opt,
    parse_time,
    req,
    string_list,
    utc_now,
)
from gpt_tui.core.domain.structured import StructuredCheck
from gpt_tui.core.domain.tools import ToolCall, tool_calls_from

Role = Literal["system", "user", "assistant", "tool"]
"""``tool``: the result of one of the previous reply's tool calls (see ``tool_call_id``)."""
ROLES: tuple[Role, ...] = ("system", "user", "assistant", "tool")


class MessageStatus(StrEnum):
    """How an assistant reply ended (user messages are always ``COMPLETE``)."""

    COMPLETE = "complete"
    STREAMING = "streaming"
    """Still arriving; a file that still says this after a restart was cut off by a crash."""
    STOPPED = "stopped"
    """The user pressed Esc; the partial text is kept and is part of later requests."""
    INTERRUPTED = "interrupted"
    """The stream broke (network, crash); the partial text is kept but not re-sent."""
    ERROR = "error"
    """The request failed before any text arrived; ``error`` says why."""


@dataclass(frozen=True, slots=True)
class Usage:
    """Token usage as the server reported it for one reply (``estimated`` if counted locally)."""

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        """Both requests' tokens (a reply continued by a second request)."""
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
            estimated=self.estimated or other.estimated,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cached_tokens": self.cached_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "estimated": self.estimated,
        }

    @classmethod
    def from_dict(cls, raw: object, where: str = "usage") -> Usage:
        data = as_dict(raw, where)
        return cls(
            prompt_tokens=req(data, "prompt_tokens", int, where),
            completion_tokens=req(data, "completion_tokens", int, where),
            cached_tokens=opt(data, "cached_tokens", int, where) or 0,
            reasoning_tokens=opt(data, "reasoning_tokens", int, where) or 0,
            estimated=bool(opt(data, "estimated", bool, where)),
        )


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """Why a request failed, in words a user can act on."""

    title: str
    """One line naming the cause, e.g. "The server rejected the API key (HTTP 401)"."""
    hint: str = ""
    """What to try next."""
    status: int | None = None
    request_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "hint": self.hint,
            "status": self.status,
            "request_id": self.request_id,
        }

    @classmethod
    def from_dict(cls, raw: object, where: str = "error") -> ErrorInfo:
        data = as_dict(raw, where)
        return cls(
            title=req(data, "title", str, where),
            hint=opt(data, "hint", str, where) or "",
            status=opt(data, "status", int, where),
            request_id=opt(data, "request_id", str, where),
        )


@dataclass(frozen=True, slots=True)
class Timing:
    """How fast a reply came: seconds to the first token and to the end."""

    first_token_s: float | None
    total_s: float

    def tokens_per_second(self, completion_tokens: int) -> float | None:
        """Generation speed after the first token (None when too short to tell)."""
        start = self.first_token_s or 0.0
        span = self.total_s - start
        return completion_tokens / span if span > 0.05 and completion_tokens else None

    def to_dict(self) -> dict[str, Any]:
        return {"first_token_s": self.first_token_s, "total_s": self.total_s}

    @classmethod
    def from_dict(cls, raw: object, where: str = "timing") -> Timing:
        data = as_dict(raw, where)
        first = opt(data, "first_token_s", (int, float), where)
        return cls(
            first_token_s=None if first is None else float(first),
            total_s=float(req(data, "total_s", (int, float), where)),
        )


@dataclass(slots=True)
class Message:
    """One chat message. Assistant replies also carry how they ended, usage, cost and timing."""

    role: Role
    content: str
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utc_now)
    status: MessageStatus = MessageStatus.COMPLETE
    model: str | None = None
    usage: Usage | None = None
    error: ErrorInfo | None = None
    cost: Decimal | None = None
    """USD for this reply from ``usage`` and the model's price; None when the price is unknown."""
    timing: Timing | None = None
    notices: list[str] = field(default_factory=list)
    """What the provider adjusted on the way (e.g. a parameter the server rejected)."""
    cost_reported: bool = False
    """``cost`` is what the server said the request cost, not worked out from a price."""
    finish_reason: str | None = None
    """Why the server ended the reply, in its own word ("stop", "length",
    "content_filter"…); None when it did not say (and for prompts)."""
    reasoning: Reasoning | None = None
    """What the model thought before answering (never part of ``content``)."""
    structured: StructuredCheck | None = None
    """For a reply that had to be JSON: whether it is, and matches the schema."""
    refusal: str | None = None
    """The model's refusal of a structured output (``delta.refusal``), kept apart."""
    logprobs: list[TokenLogprob] | None = None
    """Each token's probability and top alternatives, when the request asked for them."""
    label: str | None = None
    """For a reply that is one of several to the same prompt: the model and settings that
    made it ("gpt-4o-mini · temperature 0.2"), shown beside it. None: the model alone."""
    tool_calls: tuple[ToolCall, ...] = ()
    """The functions an assistant reply asked for (``finish_reason: "tool_calls"``)."""
    tool_call_id: str | None = None
    """The call a role ``tool`` message answers."""
    attachments: tuple[Attachment, ...] = ()
    """Files and images sent with a prompt, by hash and name (their bytes are stored apart)."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "role": self.role,
            "content": self.content,
            "created_at": iso(self.created_at),
            "status": self.status.value,
            "model": self.model,
            "usage": None if self.usage is None else self.usage.to_dict(),
            "error": None if self.error is None else self.error.to_dict(),
            "cost": None if self.cost is None else str(self.cost),
            "timing": None if self.timing is None else self.timing.to_dict(),
            "notices": list(self.notices),
        }
        if self.cost_reported:
            data["cost_reported"] = True
        if self.finish_reason is not None:
            data["finish_reason"] = self.finish_reason
        if self.reasoning is not None:
            data["reasoning"] = self.reasoning.to_dict()
        if self.structured is not None:
            data["structured"] = self.structured.to_dict()
        if self.refusal is not None:
            data["refusal"] = self.refusal
        if self.logprobs is not None:
            data["logprobs"] = logprobs_to_json(self.logprobs)
        if self.label is not None:
            data["label"] = self.label
        # Written only when set, so files of conversations without tools stay as they were.
        if self.tool_calls:
            data["tool_calls"] = [call.to_dict() for call in self.tool_calls]
        if self.tool_call_id is not None:
            data["tool_call_id"] = self.tool_call_id
        if self.attachments:
            data["attachments"] = [a.to_dict() for a in self.attachments]
        return data

    @classmethod
    def from_dict(cls, raw: object, where: str = "message") -> Message:
        data = as_dict(raw, where)
        role = req(data, "role", str, where)
        if role not in ROLES:
            raise SchemaError(f"{where}.role", f"unknown role {role!r}")
        status_raw = opt(data, "status", str, where) or MessageStatus.COMPLETE.value
        try:
            status = MessageStatus(status_raw)
        except ValueError as exc:
            raise SchemaError(f"{where}.status", f"unknown status {status_raw!r}") from exc
        usage = data.get("usage")
        error = data.get("error")
        timing = data.get("timing")
        reasoning = data.get("reasoning")
        structured = data.get("structured")
        logprobs = data.get("logprobs")
        return cls(
            role=cast(Role, role),
            content=opt(data, "content", str, where) or "",
            id=opt(data, "id", str, where) or new_id(),
            created_at=parse_time(data, "created_at", where) if "created_at" in data else utc_now(),
            status=status,
            model=opt(data, "model", str, where),
            usage=None if usage is None else Usage.from_dict(usage, f"{where}.usage"),
            error=None if error is None else ErrorInfo.from_dict(error, f"{where}.error"),
            cost=decimal_field(data.get("cost"), f"{where}.cost"),
            timing=None if timing is None else Timing.from_dict(timing, f"{where}.timing"),
            notices=string_list(data.get("notices"), f"{where}.notices"),
            cost_reported=data.get("cost_reported") is True,
            finish_reason=_lenient_str(data.get("finish_reason")),
            reasoning=None
            if reasoning is None
            else Reasoning.from_dict(reasoning, f"{where}.reasoning"),
            structured=None
            if structured is None
            else StructuredCheck.from_dict(structured, f"{where}.structured"),
            refusal=opt(data, "refusal", str, where),
            logprobs=None
            if logprobs is None
            else logprobs_from_json(logprobs, f"{where}.logprobs"),
            label=data["label"] if isinstance(data.get("label"), str) else None,
            tool_calls=tool_calls_from(data.get("tool_calls"), f"{where}.tool_calls"),
            tool_call_id=opt(data, "tool_call_id", str, where),
            attachments=attachments_from(data.get("attachments"), f"{where}.attachments"),
        )

    @property
    def sent_in_history(self) -> bool:
        """Whether later requests include this message.

        Interrupted and failed replies stay visible but are not sent: the user can re-send
        the prompt and the model sees a clean history.
        """
        if self.role != "assistant":
            return True
        if self.tool_calls:
            # The tool results that follow need the calls they answer.
            return self.status is MessageStatus.COMPLETE
        return self.status in (MessageStatus.COMPLETE, MessageStatus.STOPPED) and bool(self.content)

    def wire(self) -> dict[str, Any]:
        """The message as a request's ``messages`` entry."""
        entry: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            entry["tool_calls"] = [call.wire() for call in self.tool_calls]
            if not self.content:
                entry["content"] = None
        if self.tool_call_id is not None:
            entry["tool_call_id"] = self.tool_call_id
        return entry


def _lenient_str(value: object) -> str | None:
    """A string field added after files were written: anything else reads as absent."""
    return value if isinstance(value, str) and value else None
