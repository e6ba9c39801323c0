"""Plain data for conversations: what is saved to disk and what a request is built from.

Every type converts to and from JSON-ready dicts. ``from_dict`` is lenient about missing
optional fields (older files) and strict about types, raising :class:`SchemaError` with the
path of the offending field so a broken file can be reported precisely.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from gpt_tui.core.domain.message import Message
from gpt_tui.core.domain.message_tree import MessageTree
from gpt_tui.core.domain.schema import (
    SchemaError,
    as_dict,
    iso,
    new_id,
    opt,
    parse_time,
    req,
    utc_now,
)
from gpt_tui.core.params.extra import EXTRA_FIELDS, ExtraParams, ParamError
from gpt_tui.core.params.spec import CONTEXT_STRATEGIES, ContextStrategy, spec_for

SCHEMA_VERSION = 3
"""Version written into every conversation file; bumped when the layout changes.

1: one linear list of messages. 2: messages form a tree (each names its ``parent_id``)
and ``selected`` names the branch shown at each fork; schema-1 files are read as one branch
and written as 2 when next saved. 3: a message may also carry tool calls (and role ``tool``
messages answer them), attachments by hash, reasoning, token probabilities, a structured
output's verdict, a refusal, its finish reason, a label and a server-reported cost, each
written only when set; older files read as they are. An older gpt-tui refuses a schema-3
file rather than rewriting it without what it does not know.
"""

DEMO_MODEL = "demo"
"""The built-in offline model: needs no key and streams canned Markdown."""


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
        data = as_dict(raw, where)
        temperature = opt(data, "temperature", (int, float), where)
        top_p = opt(data, "top_p", (int, float), where)
        context = opt(data, "context", str, where) or "all"
        if context not in CONTEXT_STRATEGIES:
            raise SchemaError(f"{where}.context", f"unknown strategy {context!r}")
        turns = opt(data, "context_turns", int, where)
        if turns is not None and turns < 1:
            raise SchemaError(f"{where}.context_turns", "must be at least 1")
        return cls(
            model=req(data, "model", str, where),
            temperature=None if temperature is None else float(temperature),
            top_p=None if top_p is None else float(top_p),
            max_tokens=opt(data, "max_tokens", int, where),
            system_prompt=opt(data, "system_prompt", str, where) or "",
            context=cast(ContextStrategy, context),
            context_turns=turns or 10,
            profile=opt(data, "profile", str, where),
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
        value = opt(data, name, spec_for(name).json_types, where)
        if value is None:
            continue
        try:
            values[name] = spec_for(name).check(value)
        except ParamError as exc:
            raise SchemaError(f"{where}.{name}", str(exc)) from None
    return ExtraParams(**values)


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
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
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
        data = as_dict(raw, where)
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
            id=req(data, "id", str, where),
            title=opt(data, "title", str, where) or "",
            created_at=parse_time(data, "created_at", where),
            updated_at=parse_time(data, "updated_at", where),
            pinned=bool(opt(data, "pinned", bool, where)),
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
        parent = opt(as_dict(item, here), "parent_id", str, here)
        if message.id in tree:
            raise SchemaError(f"{here}.id", f"repeats the id {message.id!r}")
        if parent is not None and parent not in tree:
            raise SchemaError(f"{here}.parent_id", f"no earlier message has the id {parent!r}")
        tree.add(message, parent)


def _selections(raw: object, where: str) -> dict[str | None, str]:
    if raw is None:
        return {}
    data = as_dict(raw, f"{where}.selected")
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
            "updated_at": iso(self.updated_at),
            "model": self.model,
            "message_count": self.message_count,
            "pinned": self.pinned,
        }

    @classmethod
    def from_dict(cls, raw: object, where: str = "summary") -> ConversationSummary:
        data = as_dict(raw, where)
        return cls(
            id=req(data, "id", str, where),
            title=opt(data, "title", str, where) or "",
            updated_at=parse_time(data, "updated_at", where),
            model=opt(data, "model", str, where) or "",
            message_count=opt(data, "message_count", int, where) or 0,
            pinned=bool(opt(data, "pinned", bool, where)),
        )


TITLE_LENGTH = 48


def title_from_prompt(prompt: str) -> str:
    """The default title: the start of the first prompt, on one line."""
    words = " ".join(prompt.split())
    if len(words) <= TITLE_LENGTH:
        return words or "New chat"
    return words[: TITLE_LENGTH - 1].rstrip() + "…"
