"""One chat message and what a reply carries: status, usage, error, cost and timing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal, cast

from gpt_tui.core.domain.attachments import Attachment, attachments_from
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

Role = Literal["system", "user", "assistant"]


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
        if self.attachments:
            data["attachments"] = [a.to_dict() for a in self.attachments]
        return data

    @classmethod
    def from_dict(cls, raw: object, where: str = "message") -> Message:
        data = as_dict(raw, where)
        role = req(data, "role", str, where)
        if role not in ("system", "user", "assistant"):
            raise SchemaError(f"{where}.role", f"unknown role {role!r}")
        status_raw = opt(data, "status", str, where) or MessageStatus.COMPLETE.value
        try:
            status = MessageStatus(status_raw)
        except ValueError as exc:
            raise SchemaError(f"{where}.status", f"unknown status {status_raw!r}") from exc
        usage = data.get("usage")
        error = data.get("error")
        timing = data.get("timing")
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
        return self.status in (MessageStatus.COMPLETE, MessageStatus.STOPPED) and bool(self.content)
