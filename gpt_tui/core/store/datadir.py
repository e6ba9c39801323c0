"""One data folder opened for use: the conversation store, its search index and the usage
ledger, wired to each other.

The app and every subcommand open the folder here, so they agree on the file names, the
search index hears of every save whoever makes it (the app, an import), and the ledger can
count its totals again from the conversations when ``totals.json`` is unreadable. Opening
creates nothing on disk; what is written later is private (see
:mod:`gpt_tui.core.store.fsutil`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gpt_tui.core.store.attachments import FOLDER as ATTACHMENTS_FOLDER
from gpt_tui.core.store.attachments import AttachmentStore
from gpt_tui.core.store.conversations import ConversationStore
from gpt_tui.core.store.ledger import Totals, UsageLedger, totals_by_day
from gpt_tui.core.store.reply_log import ReplyRecord, records_of
from gpt_tui.core.store.search_index import FILE_NAME, SearchIndex

if TYPE_CHECKING:
    from gpt_tui.core.domain.conversation import Conversation

LEDGER_FILE = "totals.json"
REPLY_LOG_FILE = "replies.jsonl"


@dataclass(frozen=True, slots=True)
class DataDir:
    """The store, search index and usage ledger of one data folder."""

    root: Path
    store: ConversationStore
    search_index: SearchIndex
    ledger: UsageLedger
    attachments: AttachmentStore

    @classmethod
    def open(cls, root: Path) -> DataDir:
        """The parts for the data folder ``root``, connected; nothing is read or created
        until first used."""
        search_index = SearchIndex(root / FILE_NAME)
        store = ConversationStore(root, search_index=search_index)

        def recount() -> dict[str, Totals]:
            return totals_by_day(_every_conversation(store))

        def rebuild_replies() -> Iterator[ReplyRecord]:
            for conversation in _every_conversation(store):
                yield from records_of(conversation)

        ledger = UsageLedger(
            root / LEDGER_FILE,
            recount=recount,
            replies=root / REPLY_LOG_FILE,
            rebuild_replies=rebuild_replies,
        )
        return cls(root, store, search_index, ledger, AttachmentStore(root / ATTACHMENTS_FOLDER))

    def close(self) -> None:
        """Close the search index's database connection (the other parts hold no files
        open between calls)."""
        self.search_index.close()


def _every_conversation(store: ConversationStore) -> Iterator[Conversation]:
    """Each listed conversation that can be read, one at a time."""
    for summary in store.list_summaries():
        conversation = store.load_if_readable(summary.id)
        if conversation is not None:
            yield conversation
