"""Merging two versions of one conversation saved by two gpt-tui processes.

Two terminals may have the same conversation open. When one saves over a file the other
changed since it last read or wrote it, the two versions are merged instead of one
replacing the other, so neither loses a message.

The merge is three-way: ``base`` is the version this process last read or wrote (the
common ancestor), ``ours`` what it holds now and ``theirs`` what is on disk now.

* Messages are matched by id. A message only one side added is kept, so two prompts
  sent at the same place become two branches of a fork.
* A message both sides have: the side that changed it since ``base`` wins; when both
  did (or there is no base), ours wins: this process owns the reply it streams.
* A message one side deleted and the other left as it was stays deleted; one the other
  side changed meanwhile is kept (a word is never lost to a deletion race).
* Title, parameters and pinning: the side that changed them wins, ours when both did.
* The shown branch is ours; forks only the other side made show its choice.
* Alternatives at a fork are ordered by when they were written, so ‹ 1/2 › names the
  same message in both windows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gpt_tui.core.domain.conversation import Conversation
from gpt_tui.core.domain.message import Message
from gpt_tui.core.domain.message_tree import MessageTree

ConversationData = Mapping[str, Any]
"""A conversation as :meth:`Conversation.to_dict` writes it (the merge base)."""


def merge_conversations(
    ours: Conversation, theirs: Conversation, base: ConversationData | None = None
) -> Conversation:
    """The union of ``ours`` and ``theirs`` (see the module docstring for the rules).

    Neither input is changed; the result shares their :class:`Message` objects (ours
    where ours is kept, so a reply streaming into one keeps streaming into the result).
    """
    ours_data = ours.to_dict()
    theirs_data = theirs.to_dict()
    base_data: ConversationData = base or {}
    base_messages = _by_id(base_data.get("messages", []))
    ours_messages = _by_id(ours_data["messages"])
    theirs_messages = _by_id(theirs_data["messages"])

    def changed(side: Mapping[str, Any], message_id: str) -> bool:
        return bool(side[message_id] != base_messages.get(message_id))

    kept: dict[str, Message] = {}
    for message in ours.tree.all():
        mid = message.id
        if mid in theirs_messages:
            their_change = changed(theirs_messages, mid) and not changed(ours_messages, mid)
            kept[mid] = _message(theirs, mid) if their_change else message
        elif mid not in base_messages or changed(ours_messages, mid):
            kept[mid] = message  # ours is new, or they deleted what we changed since
    for message in theirs.tree.all():
        mid = message.id
        if mid not in ours_messages and (mid not in base_messages or changed(theirs_messages, mid)):
            kept[mid] = message  # theirs is new, or we deleted what they changed since

    parents = {**_parents(theirs_messages), **_parents(ours_messages)}
    _keep_ancestors(kept, parents, ours, theirs)

    tree = _tree_in_time_order(kept, parents)
    tree.restore_selections(theirs.tree.selections())
    tree.restore_selections(ours.tree.selections())
    shown = [m.id for m in ours.messages if m.id in tree]
    if shown:
        tree.select(shown[-1])

    def pick(key: str) -> Any:
        """Their value when only they changed it since the base, else ours."""
        if key in base_data and ours_data[key] == base_data[key]:
            return theirs_data[key]
        return ours_data[key]

    merged = Conversation.from_dict(
        {
            **ours_data,
            "title": pick("title") or theirs_data["title"],
            "pinned": pick("pinned"),
            "params": pick("params"),
            "messages": [],
            "selected": {},
        }
    )
    merged.created_at = min(ours.created_at, theirs.created_at)
    merged.updated_at = max(ours.updated_at, theirs.updated_at)
    merged.tree = tree
    return merged


def _by_id(messages: object) -> dict[str, Mapping[str, Any]]:
    items: list[Mapping[str, Any]] = list(messages) if isinstance(messages, list) else []
    return {str(m["id"]): m for m in items if isinstance(m, Mapping)}


def _parents(messages: Mapping[str, Mapping[str, Any]]) -> dict[str, str | None]:
    return {mid: m.get("parent_id") for mid, m in messages.items()}


def _message(conversation: Conversation, message_id: str) -> Message:
    message = conversation.tree.get(message_id)
    assert message is not None
    return message


def _keep_ancestors(
    kept: dict[str, Message],
    parents: Mapping[str, str | None],
    ours: Conversation,
    theirs: Conversation,
) -> None:
    """Keep every message a kept message follows (one side's new reply may follow a
    prompt the other side deleted: the reply wins, so its prompt stays too)."""
    for mid in list(kept):
        parent = parents[mid]
        while parent is not None and parent not in kept:
            kept[parent] = ours.tree.get(parent) or _message(theirs, parent)
            parent = parents[parent]


def _tree_in_time_order(
    kept: Mapping[str, Message], parents: Mapping[str, str | None]
) -> MessageTree:
    """The kept messages as a tree, added oldest first (a parent always before its
    children, even if a clock made a child look older)."""
    tree = MessageTree()
    pending = sorted(kept.values(), key=lambda m: m.created_at)
    while pending:
        waiting: list[Message] = []
        for message in pending:
            parent = parents[message.id]
            if parent is None or parent in tree:
                tree.add(message, parent)
            else:
                waiting.append(message)
        if len(waiting) == len(pending):  # a parent that is nowhere: keep it as a first message
            orphan = waiting.pop(0)
            tree.add(orphan, None)
        pending = waiting
    return tree
