"""Plain data for conversations: what is saved to disk and what a request is built from.

Every type converts to and from JSON-ready dicts. ``from_dict`` is lenient about missing
optional fields (older files) and strict about types, raising :class:`SchemaError` with the
path of the offending field so a broken file can be reported precisely.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Literal, cast

from gpt_tui.core.domain.message_tree import MessageTree
from gpt_tui.core.params.extra import EXTRA_FIELDS, ExtraParams, ParamError
from gpt_tui.core.params.spec import CONTEXT_STRATEGIES, ContextStrategy, spec_for

SCHEMA_VERSION = 2
"""Version written into every conversation file; bumped when the layout changes.

1: one linear list of messages. 2: messages form a tree (each names its ``parent_id``)
and ``selected`` names the branch shown at each fork; schema-1 files are read as one branch
and written as 2 when next saved.
"""

DEMO_MODEL = "demo"
"""The built-in offline model: needs no key and streams canned Markdown."""

Role = Literal["system", "user", "assistant"]


class SchemaError(ValueError):
    """A stored document does not have the expected shape; ``where`` names the field."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


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


def new_id() -> str:
    """A short random identifier, safe in file names."""
    return uuid.uuid4().hex[:16]


def utc_now() -> datetime:
    """The current time, timezone-aware (the default clock)."""
    return datetime.now(UTC)


def _iso(value: datetime) -> str:
    return value.isoformat()


def _parse_time(data: dict[str, Any], key: str, where: str) -> datetime:
    raw = data.get(key)
    if not isinstance(raw, str):
        raise SchemaError(f"{where}.{key}", "expected an ISO 8601 timestamp string")
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise SchemaError(f"{where}.{key}", f"not a timestamp: {raw!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _opt(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise SchemaError(f"{where}.{key}", f"expected {_kind_name(kind)}, got a boolean")
    if not isinstance(value, kind):
        raise SchemaError(
            f"{where}.{key}", f"expected {_kind_name(kind)}, got {type(value).__name__}"
        )
    return value


def _req(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = _opt(data, key, kind, where)
    if value is None:
        raise SchemaError(f"{where}.{key}", "missing")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def _as_dict(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SchemaError(where, f"expected an object, got {type(value).__name__}")
    return cast(dict[str, Any], value)


@dataclass(frozen=True, slots=True)
class Params:
    """Request parameters of one conversation; ``None`` means "not set, not sent"."""

    model: str
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    system_prompt: str = ""
    context: ContextStrategy = "all"
    context_turns: int = 10
    """How many recent turns "last_turns" keeps (a turn is a prompt and its replies)."""
    profile: str | None = None
    """The config profile requests go through; None: the default profile."""
    extra: ExtraParams = field(default_factory=ExtraParams)
    """Penalties, stop, seed, response format, reasoning effort (each None: not sent)."""

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON; ``extra``'s set fields sit next to the others (unset ones are
        left out, so files of conversations that never set them stay as they were)."""
        return {
            "model": self.model,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "system_prompt": self.system_prompt,
            "context": self.context,
            "context_turns": self.context_turns,
            "profile": self.profile,
            **self.extra.to_dict(),
        }

    @classmethod
    def from_dict(cls, raw: object, where: str = "params") -> Params:
        data = _as_dict(raw, where)
        temperature = _opt(data, "temperature", (int, float), where)
        top_p = _opt(data, "top_p", (int, float), where)
        context = _opt(data, "context", str, where) or "all"
        if context not in CONTEXT_STRATEGIES:
            raise SchemaError(f"{where}.context", f"unknown strategy {context!r}")
        turns = _opt(data, "context_turns", int, where)
        if turns is not None and turns < 1:
            raise SchemaError(f"{where}.context_turns", "must be at least 1")
        return cls(
            model=_req(data, "model", str, where),
            temperature=None if temperature is None else float(temperature),
            top_p=None if top_p is None else float(top_p),
            max_tokens=_opt(data, "max_tokens", int, where),
            system_prompt=_opt(data, "system_prompt", str, where) or "",
            context=cast(ContextStrategy, context),
            context_turns=turns or 10,
            profile=_opt(data, "profile", str, where),
            extra=_extra_params(data, where),
        )

    def with_changes(self, **changes: Any) -> Params:
        """A copy with some fields replaced."""
        return replace(self, **changes)


def _extra_params(data: dict[str, Any], where: str) -> ExtraParams:
    """The optional parameters stored next to the others; each one is checked on its own so
    the error names the field."""
    values: dict[str, Any] = {}
    for name in EXTRA_FIELDS:
        value = _opt(data, name, spec_for(name).json_types, where)
        if value is None:
            continue
        try:
            values[name] = spec_for(name).check(value)
        except ParamError as exc:
            raise SchemaError(f"{where}.{name}", str(exc)) from None
    return ExtraParams(**values)


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
        data = _as_dict(raw, where)
        return cls(
            prompt_tokens=_req(data, "prompt_tokens", int, where),
            completion_tokens=_req(data, "completion_tokens", int, where),
            cached_tokens=_opt(data, "cached_tokens", int, where) or 0,
            reasoning_tokens=_opt(data, "reasoning_tokens", int, where) or 0,
            estimated=bool(_opt(data, "estimated", bool, where)),
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
        data = _as_dict(raw, where)
        return cls(
            title=_req(data, "title", str, where),
            hint=_opt(data, "hint", str, where) or "",
            status=_opt(data, "status", int, where),
            request_id=_opt(data, "request_id", str, where),
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
        data = _as_dict(raw, where)
        first = _opt(data, "first_token_s", (int, float), where)
        return cls(
            first_token_s=None if first is None else float(first),
            total_s=float(_req(data, "total_s", (int, float), where)),
        )


def _decimal(raw: object, where: str) -> Decimal | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise SchemaError(where, "expected a decimal number as a string")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise SchemaError(where, f"not a decimal number: {raw!r}") from exc
    if not value.is_finite():
        raise SchemaError(where, f"not a finite number: {raw!r}")
    return value


def _notices(raw: object, where: str) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        raise SchemaError(where, "expected a list of strings")
    return list(cast(list[str], raw))


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "content": self.content,
            "created_at": _iso(self.created_at),
            "status": self.status.value,
            "model": self.model,
            "usage": None if self.usage is None else self.usage.to_dict(),
            "error": None if self.error is None else self.error.to_dict(),
            "cost": None if self.cost is None else str(self.cost),
            "timing": None if self.timing is None else self.timing.to_dict(),
            "notices": list(self.notices),
        }

    @classmethod
    def from_dict(cls, raw: object, where: str = "message") -> Message:
        data = _as_dict(raw, where)
        role = _req(data, "role", str, where)
        if role not in ("system", "user", "assistant"):
            raise SchemaError(f"{where}.role", f"unknown role {role!r}")
        status_raw = _opt(data, "status", str, where) or MessageStatus.COMPLETE.value
        try:
            status = MessageStatus(status_raw)
        except ValueError as exc:
            raise SchemaError(f"{where}.status", f"unknown status {status_raw!r}") from exc
        usage = data.get("usage")
        error = data.get("error")
        timing = data.get("timing")
        return cls(
            role=cast(Role, role),
            content=_opt(data, "content", str, where) or "",
            id=_opt(data, "id", str, where) or new_id(),
            created_at=_parse_time(data, "created_at", where)
            if "created_at" in data
            else utc_now(),
            status=status,
            model=_opt(data, "model", str, where),
            usage=None if usage is None else Usage.from_dict(usage, f"{where}.usage"),
            error=None if error is None else ErrorInfo.from_dict(error, f"{where}.error"),
            cost=_decimal(data.get("cost"), f"{where}.cost"),
            timing=None if timing is None else Timing.from_dict(timing, f"{where}.timing"),
            notices=_notices(data.get("notices"), f"{where}.notices"),
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


class Conversation:
    """A titled tree of messages with the parameters its next request will use.

    ``messages`` is the active path (see :mod:`gpt_tui.core.domain.message_tree`): what the chat
    shows and the next request sends. ``tree`` holds every branch; changes to the messages
    go through it (or :meth:`append`), never through ``messages``, which is read-only.
    """

    __slots__ = ("created_at", "id", "params", "pinned", "title", "tree", "updated_at")

    def __init__(
        self,
        params: Params,
        *,
        id: str | None = None,
        title: str = "",
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        messages: Iterable[Message] = (),
        pinned: bool = False,
    ) -> None:
        """``messages`` (oldest first) become one linear branch."""
        self.params = params
        self.id = id if id is not None else new_id()
        self.title = title
        self.created_at = created_at if created_at is not None else utc_now()
        self.updated_at = updated_at if updated_at is not None else utc_now()
        self.tree = MessageTree(messages)
        self.pinned = pinned

    @property
    def messages(self) -> tuple[Message, ...]:
        """The active path, first message first."""
        return self.tree.path

    def append(self, message: Message) -> None:
        """Add ``message`` at the end of the active path."""
        self.tree.append(message)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Conversation):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable: compared by value, not hashable

    def __repr__(self) -> str:
        return (
            f"Conversation(id={self.id!r}, title={self.title!r}, "
            f"messages={len(self.messages)}/{len(self.tree)})"
        )

    def to_dict(self) -> dict[str, Any]:
        """Every message of every branch with its parent, and the selection at each fork."""
        tree = self.tree
        return {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "title": self.title,
            "pinned": self.pinned,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "params": self.params.to_dict(),
            "messages": [{**m.to_dict(), "parent_id": tree.parent_id(m.id)} for m in tree.all()],
            "selected": {parent or "": child for parent, child in tree.selections().items()},
        }

    @classmethod
    def from_dict(cls, raw: object, where: str = "conversation") -> Conversation:
        """Read any schema up to :data:`SCHEMA_VERSION`.

        Schema 1 kept one linear list of messages: it becomes a single branch (a repeated
        message id gets a new one). Schema 2 links every message to its parent, which must
        come earlier in the list.
        """
        data = _as_dict(raw, where)
        version = data.get("schema_version", 1)
        if not isinstance(version, int) or isinstance(version, bool):
            raise SchemaError(f"{where}.schema_version", "expected an integer")
        if version > SCHEMA_VERSION:
            raise SchemaError(
                f"{where}.schema_version",
                f"written by a newer gpt-tui (schema {version}, this one reads {SCHEMA_VERSION})",
            )
        raw_messages = data.get("messages", [])
        if not isinstance(raw_messages, list):
            raise SchemaError(f"{where}.messages", "expected a list")
        conversation = cls(
            params=Params.from_dict(data.get("params"), f"{where}.params"),
            id=_req(data, "id", str, where),
            title=_opt(data, "title", str, where) or "",
            created_at=_parse_time(data, "created_at", where),
            updated_at=_parse_time(data, "updated_at", where),
            pinned=bool(_opt(data, "pinned", bool, where)),
        )
        items = cast(list[object], raw_messages)
        if version < 2:
            _read_linear(conversation.tree, items, f"{where}.messages")
        else:
            _read_tree(conversation.tree, items, f"{where}.messages")
            conversation.tree.restore_selections(_selections(data.get("selected"), where))
        return conversation

    def summary(self) -> ConversationSummary:
        return ConversationSummary(
            id=self.id,
            title=self.title,
            updated_at=self.updated_at,
            model=self.params.model,
            message_count=len(self.messages),
            pinned=self.pinned,
        )


def _read_linear(tree: MessageTree, items: list[object], where: str) -> None:
    for i, item in enumerate(items):
        message = Message.from_dict(item, f"{where}[{i}]")
        while message.id in tree:
            message.id = new_id()
        tree.append(message)


def _read_tree(tree: MessageTree, items: list[object], where: str) -> None:
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        message = Message.from_dict(item, here)
        parent = _opt(_as_dict(item, here), "parent_id", str, here)
        if message.id in tree:
            raise SchemaError(f"{here}.id", f"repeats the id {message.id!r}")
        if parent is not None and parent not in tree:
            raise SchemaError(f"{here}.parent_id", f"no earlier message has the id {parent!r}")
        tree.add(message, parent)


def _selections(raw: object, where: str) -> dict[str | None, str]:
    if raw is None:
        return {}
    data = _as_dict(raw, f"{where}.selected")
    if not all(isinstance(v, str) for v in data.values()):
        raise SchemaError(f"{where}.selected", "expected message ids")
    return {key or None: cast(str, child) for key, child in data.items()}


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """What the sidebar needs of a conversation, kept in the index so no file is opened."""

    id: str
    title: str
    updated_at: datetime
    model: str
    message_count: int
    pinned: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "updated_at": _iso(self.updated_at),
            "model": self.model,
            "message_count": self.message_count,
            "pinned": self.pinned,
        }

    @classmethod
    def from_dict(cls, raw: object, where: str = "summary") -> ConversationSummary:
        data = _as_dict(raw, where)
        return cls(
            id=_req(data, "id", str, where),
            title=_opt(data, "title", str, where) or "",
            updated_at=_parse_time(data, "updated_at", where),
            model=_opt(data, "model", str, where) or "",
            message_count=_opt(data, "message_count", int, where) or 0,
            pinned=bool(_opt(data, "pinned", bool, where)),
        )


TITLE_LENGTH = 48


def title_from_prompt(prompt: str) -> str:
    """The default title: the start of the first prompt, on one line."""
    words = " ".join(prompt.split())
    if len(words) <= TITLE_LENGTH:
        return words or "New chat"
    return words[: TITLE_LENGTH - 1].rstrip() + "…"
