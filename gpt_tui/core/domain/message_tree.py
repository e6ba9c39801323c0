"""A conversation's messages as a tree, and the one path through it that is shown and sent.

Editing a past prompt and sending it again, or asking for another reply, does not overwrite
anything: the new message becomes another child of the same parent (a fork), and the old
branch stays. At every fork one child is *selected*; following the selected child from the
root gives the *active path*, which is what the chat shows, what the next request sends and
what a Markdown export contains. Without an explicit selection the newest child is taken.

Messages are kept in the order they were added, so a parent always comes before its
children; that order is also how they are saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gpt_tui.core.domain.message import Message


class MessageTree:
    """Messages linked to their parents, with the selected child at each fork."""

    __slots__ = ("_children", "_nodes", "_parent", "_path", "_selected")

    def __init__(self, messages: Iterable[Message] = ()) -> None:
        """A tree holding ``messages`` as one linear branch, oldest first."""
        self._nodes: dict[str, Message] = {}
        self._parent: dict[str, str | None] = {}
        self._children: dict[str | None, list[str]] = {}
        self._selected: dict[str | None, str] = {}
        self._path: tuple[Message, ...] | None = None
        for message in messages:
            self.append(message)

    # Reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._nodes

    def get(self, message_id: str) -> Message | None:
        return self._nodes.get(message_id)

    def all(self) -> tuple[Message, ...]:
        """Every message on every branch, in the order they were added (parents first)."""
        return tuple(self._nodes.values())

    def parent_id(self, message_id: str) -> str | None:
        """The id of the message this one follows; None for a first message."""
        return self._parent[message_id]

    def children(self, parent_id: str | None) -> list[Message]:
        """The messages that follow ``parent_id`` (None: the first messages), oldest first."""
        return [self._nodes[i] for i in self._children.get(parent_id, ())]

    def siblings(self, message_id: str) -> list[Message]:
        """The alternatives at this message's fork, itself included, oldest first."""
        return self.children(self._parent[message_id])

    def position(self, message_id: str) -> tuple[int, int]:
        """(1-based place of this message among its alternatives, how many there are)."""
        ids = self._children[self._parent[message_id]]
        return ids.index(message_id) + 1, len(ids)

    def selections(self) -> dict[str | None, str]:
        """The selected child at each fork (parents with more than one child)."""
        return {
            parent: self._selected_child(parent)
            for parent, ids in self._children.items()
            if len(ids) > 1
        }

    @property
    def path(self) -> tuple[Message, ...]:
        """The active path: from the first message, the selected child at every fork."""
        if self._path is None:
            path: list[Message] = []
            parent: str | None = None
            while self._children.get(parent):
                child = self._selected_child(parent)
                path.append(self._nodes[child])
                parent = child
            self._path = tuple(path)
        return self._path

    def path_to(self, message_id: str) -> list[Message]:
        """The messages from the first one down to ``message_id``, inclusive."""
        chain: list[Message] = []
        current: str | None = message_id
        while current is not None:
            chain.append(self._nodes[current])
            current = self._parent[current]
        chain.reverse()
        return chain

    def subtree(self, message_id: str) -> list[Message]:
        """``message_id`` and everything that follows it on every branch, parents first."""
        found = [message_id]
        for current in found:
            found.extend(self._children.get(current, ()))
        return [self._nodes[i] for i in found]

    def _selected_child(self, parent: str | None) -> str:
        ids = self._children[parent]
        chosen = self._selected.get(parent)
        return chosen if chosen in ids else ids[-1]

    # Changing --------------------------------------------------------------------------

    def add(self, message: Message, parent_id: str | None) -> None:
        """Attach ``message`` as the newest child of ``parent_id`` and select it.

        Raises ValueError for an id already in the tree or an unknown parent.
        """
        if message.id in self._nodes:
            raise ValueError(f"message id {message.id!r} is already in the conversation")
        if parent_id is not None and parent_id not in self._nodes:
            raise ValueError(f"unknown parent message {parent_id!r}")
        self._nodes[message.id] = message
        self._parent[message.id] = parent_id
        self._children.setdefault(parent_id, []).append(message.id)
        self._selected[parent_id] = message.id
        self._path = None

    def append(self, message: Message) -> None:
        """Add ``message`` at the end of the active path."""
        path = self.path
        self.add(message, path[-1].id if path else None)

    def select(self, message_id: str) -> None:
        """Make the active path run through ``message_id`` (below it, as selected before)."""
        current: str | None = message_id
        while current is not None:
            parent = self._parent[current]
            self._selected[parent] = current
            current = parent
        self._path = None

    def sibling(self, message_id: str, step: int) -> Message | None:
        """The alternative ``step`` places from this one at its fork (None past either end)."""
        ids = self._children[self._parent[message_id]]
        index = ids.index(message_id) + step
        return self._nodes[ids[index]] if 0 <= index < len(ids) else None

    def remove(self, message_id: str) -> list[Message]:
        """Remove ``message_id`` and everything after it on every branch; returns them.

        If it was the selected alternative at its fork, the previous one is selected
        instead (the next one when it was the first); with no alternative left the active
        path ends at its parent.
        """
        removed = self.subtree(message_id)
        parent = self._parent[message_id]
        siblings = self._children[parent]
        was_selected = self._selected_child(parent) == message_id
        index = siblings.index(message_id)
        siblings.remove(message_id)
        if siblings:
            if was_selected:
                self._selected[parent] = siblings[max(0, index - 1)]
        else:
            del self._children[parent]
            self._selected.pop(parent, None)
        for message in removed:
            del self._nodes[message.id]
            del self._parent[message.id]
            self._children.pop(message.id, None)
            self._selected.pop(message.id, None)
        self._path = None
        return removed

    def restore_selections(self, selections: dict[str | None, str]) -> None:
        """Select saved children at forks; entries that no longer fit are ignored."""
        for parent, child in selections.items():
            if child in self._children.get(parent, ()):
                self._selected[parent] = child
        self._path = None
