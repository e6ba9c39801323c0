"""ChatGPT's data export (``conversations.json``) into conversations: every branch of each
conversation's ``mapping`` tree, showing the one that ends at ``current_node``.

Images keep their place where the export has their files: an ``image_asset_pointer`` part
names a file id (``file-service://file-AbC…`` or ``sediment://file_…``), and the export's
folder holds ``file-AbC…-photo.png``; ``assets`` looks the id up (the command reads the
folder) and the image becomes an attachment of the message, its bytes returned with the
result to be stored. Images whose file is not there are left out, and counted."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from gpt_tui.core.domain.attachments import IMAGE_SIGNATURES, Attachment
from gpt_tui.core.domain.conversation import Conversation, Params, title_from_prompt
from gpt_tui.core.domain.message import Message, Role
from gpt_tui.core.domain.message_tree import MessageTree
from gpt_tui.core.interchange.imported import (
    IMPORTED_MODEL,
    ImportResult,
    clean_title,
    count_of,
    entry_label,
    type_name,
)


def _epoch(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC) if math.isfinite(value) else None
    except (OverflowError, OSError, ValueError):  # out of range, or an int too big for a float
        return None


AssetLookup = Callable[[str], tuple[str, bytes] | None]
"""A ChatGPT file id → (the file's name, its bytes), or None when the export lacks it."""


def import_chatgpt(
    items: list[object], now: datetime, *, single: bool, assets: AssetLookup | None = None
) -> ImportResult:
    result = ImportResult([], format="ChatGPT export")
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            result.skipped.append(
                f"conversation {number}: expected an object, got {type_name(item)}"
            )
            continue
        data = cast(dict[str, Any], item)
        label = entry_label(number, data.get("title"))
        conversation, notes = _chatgpt_conversation(data, label, now, assets, result.attachments)
        result.skipped.extend(notes)
        if conversation is not None:
            result.conversations.append(conversation)
    if single:
        result.format = "ChatGPT conversation"
    return result


def _chatgpt_branch(mapping: dict[str, Any], current: object) -> list[str]:
    """The node ids from the root to ``current`` (or, without a valid ``current_node``, to
    the newest leaf), each visited once even if the parents form a loop."""
    if not isinstance(current, str) or not isinstance(mapping.get(current), dict):
        current = _newest_leaf(mapping)
    branch: list[str] = []
    seen: set[str] = set()
    node_id = current
    while isinstance(node_id, str) and node_id not in seen:
        node = mapping.get(node_id)
        if not isinstance(node, dict):
            break
        seen.add(node_id)
        branch.append(node_id)
        node_id = cast(dict[str, Any], node).get("parent")
    branch.reverse()
    return branch


def _newest_leaf(mapping: dict[str, Any]) -> str | None:
    best: tuple[float, str] | None = None
    for node_id, node in mapping.items():
        if not isinstance(node, dict) or node.get("children"):
            continue
        message = node.get("message")
        created = _epoch(message.get("create_time")) if isinstance(message, dict) else None
        stamp = created.timestamp() if created is not None else 0.0
        if best is None or stamp >= best[0]:
            best = (stamp, node_id)
    return None if best is None else best[1]


@dataclass(slots=True)
class _ChatGPTNotes:
    """What one ChatGPT conversation left out: per-message notes and per-kind counts."""

    label: str
    notes: list[str] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)
    assets: AssetLookup | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    """The images found, by sha256 (shared by the whole import)."""

    def lines(self) -> list[str]:
        counted = [
            f"{self.label}: {count_of(n, kind)} left out (not supported)"
            for kind, n in sorted(self.left_out.items())
        ]
        return self.notes + counted


def _chatgpt_message(
    message: dict[str, Any], position: int, created: datetime, notes: _ChatGPTNotes
) -> Message | None:
    """One visible user or assistant message of a ChatGPT tree, or None (noting why when
    the user would miss it; system, hidden and empty messages are left out silently)."""
    author = message.get("author")
    role = author.get("role") if isinstance(author, dict) else None
    metadata = message.get("metadata")
    meta = cast(dict[str, Any], metadata) if isinstance(metadata, dict) else {}
    if role == "system" or meta.get("is_visually_hidden_from_conversation"):
        return None
    if role not in ("user", "assistant"):
        notes.left_out[
            f"{role} message" if isinstance(role, str) else "message without a role"
        ] += 1
        return None
    recipient = message.get("recipient")
    if isinstance(recipient, str) and recipient != "all":
        notes.left_out["tool call"] += 1  # the assistant addressing a tool, not the user
        return None
    content = message.get("content")
    text, dropped, images = _chatgpt_text(content, notes)
    if dropped:
        what = ", ".join(count_of(n, kind) for kind, n in sorted(dropped.items()))
        if (text is None or not text.strip()) and not images:
            notes.notes.append(f"{notes.label}: a {role} message with only {what} left out")
            return None
        notes.notes.append(
            f"{notes.label}, message {position}: {what} left out (only text is imported)"
        )
    if text is None:
        kind = content.get("content_type") if isinstance(content, dict) else None
        notes.left_out[f"{kind} message" if isinstance(kind, str) else "message without text"] += 1
        return None
    if not text.strip() and not images:
        return None  # empty placeholders are part of how ChatGPT stores a turn
    model = meta.get("model_slug")
    return Message(
        role=cast(Role, role),
        content=text,
        created_at=_epoch(message.get("create_time")) or created,
        model=model if role == "assistant" and isinstance(model, str) and model else None,
        attachments=tuple(images),
    )


def _chatgpt_conversation(
    data: dict[str, Any],
    label: str,
    now: datetime,
    assets: AssetLookup | None = None,
    files: dict[str, bytes] | None = None,
) -> tuple[Conversation | None, list[str]]:
    mapping = data.get("mapping")
    if not isinstance(mapping, dict):
        return None, [f"{label}: 'mapping' should be an object, got {type_name(mapping)}"]
    created = _epoch(data.get("create_time")) or now
    updated = _epoch(data.get("update_time")) or created
    notes = _ChatGPTNotes(label, assets=assets, files=files if files is not None else {})
    tree, current = _chatgpt_tree(
        cast(dict[str, Any], mapping), data.get("current_node"), created, notes
    )
    if current is not None:
        tree.select(current)
    messages = list(tree.path)
    if not messages:
        return None, [*notes.lines(), f"{label}: no messages"]
    default_model = data.get("default_model_slug")
    models = [m.model for m in messages if m.model]
    model = models[-1] if models else default_model if isinstance(default_model, str) else None
    title = data.get("title")
    title = clean_title(title) if isinstance(title, str) else ""
    first_prompt = next((m.content for m in messages if m.role == "user"), messages[0].content)
    conversation = Conversation(
        params=Params(model=model or IMPORTED_MODEL),
        title=title or title_from_prompt(first_prompt),
        created_at=created,
        updated_at=max(updated, created),
    )
    conversation.tree = tree
    return conversation, notes.lines()


def _chatgpt_tree(
    mapping: dict[str, Any], current: object, created: datetime, notes: _ChatGPTNotes
) -> tuple[MessageTree, str | None]:
    """Every visible message of a ChatGPT tree, on every branch (an edited prompt or a
    regenerated reply is a fork there as here), and the id of the last one on the branch
    ``current_node`` ends at. A message left out (system, tool, hidden) passes its place to
    its children; nodes are visited once even if the parents form a loop."""
    tree = MessageTree()
    kept: dict[str, str | None] = {}
    """Node id → id of the message it or its nearest kept ancestor became (None: none)."""

    def visit(node_id: str, parent: str | None) -> None:
        node = cast(dict[str, Any], mapping[node_id])
        raw = node.get("message")
        message = (
            _chatgpt_message(cast(dict[str, Any], raw), len(tree) + 1, created, notes)
            if isinstance(raw, dict)
            else None  # the root of every tree has no message
        )
        if message is not None:
            tree.add(message, parent)
        kept[node_id] = message.id if message is not None else parent

    def is_node(node_id: object) -> bool:
        return isinstance(node_id, str) and isinstance(mapping.get(node_id), dict)

    roots = [
        node_id
        for node_id, node in mapping.items()
        if is_node(node_id) and not is_node(cast(dict[str, Any], node).get("parent"))
    ]
    stack: list[tuple[str, str | None]] = [(root, None) for root in reversed(roots)]
    while stack:
        node_id, parent = stack.pop()
        if node_id in kept:
            continue
        visit(node_id, parent)
        children = cast(dict[str, Any], mapping[node_id]).get("children")
        if isinstance(children, list):
            for child in reversed(cast(list[object], children)):
                if is_node(child) and cast(str, child) not in kept:
                    stack.append((cast(str, child), kept[node_id]))
    last: str | None = None
    for node_id in _chatgpt_branch(mapping, current):
        if node_id not in kept:  # not reachable from a root: a loop in the parents
            visit(node_id, last)
        last = kept[node_id] or last
    return tree, last


def _chatgpt_text(
    content: object, notes: _ChatGPTNotes | None = None
) -> tuple[str | None, Counter[str], list[Attachment]]:
    """The text of a ChatGPT message content, what non-text parts it dropped, and the
    images found in the export (see the module's description).

    None when the content has no ``parts`` (code, browsing results, reasoning…).
    """
    dropped: Counter[str] = Counter()
    images: list[Attachment] = []
    if not isinstance(content, dict):
        return None, dropped, images
    parts = content.get("parts")
    if not isinstance(parts, list):
        text = content.get("text")
        if content.get("content_type") == "text" and isinstance(text, str):
            return text, dropped, images
        return None, dropped, images
    texts: list[str] = []
    for part in cast(list[object], parts):
        if isinstance(part, str):
            if part:
                texts.append(part)
            continue
        kind = cast(dict[str, Any], part).get("content_type") if isinstance(part, dict) else None
        if kind == "image_asset_pointer":
            image = _image(cast(dict[str, Any], part), notes)
            if image is None:
                dropped["image"] += 1
            else:
                images.append(image)
        elif isinstance(kind, str):
            dropped[f"{kind} part"] += 1
        else:
            dropped[f"{type_name(part)} part"] += 1
    return "\n\n".join(texts), dropped, images


def _image(part: dict[str, Any], notes: _ChatGPTNotes | None) -> Attachment | None:
    """The image an ``image_asset_pointer`` part points at, if the export holds its file."""
    pointer = part.get("asset_pointer")
    if notes is None or notes.assets is None or not isinstance(pointer, str):
        return None
    found = notes.assets(pointer.split("://", 1)[-1])
    if found is None:
        return None
    name, data = found
    mime = next((m for sig, m in IMAGE_SIGNATURES if data.startswith(sig)), None)
    if mime is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        mime = "image/webp"
    if mime is None:
        return None
    digest = hashlib.sha256(data).hexdigest()
    notes.files[digest] = data
    width, height = part.get("width"), part.get("height")
    sized = all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (width, height))
    return Attachment(
        kind="image",
        name=name,
        sha256=digest,
        size=len(data),
        mime=mime,
        width=cast(int, width) if sized else None,
        height=cast(int, height) if sized else None,
    )
