"""What requests cost and the running totals: per conversation, per day and all time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import Message, Usage
from gpt_tui.core.domain.schema import new_id, utc_now
from gpt_tui.core.service.connections import Connections
from gpt_tui.core.service.spending import LedgerSpend
from gpt_tui.core.store.ledger import Totals, UsageLedger
from gpt_tui.core.store.reply_log import ReplyRecord, record_of


class UsageAccounts(LedgerSpend):
    """Prices a request's usage and adds it to the day's and all-time totals (the ledger
    in the data folder; without one, totals stay empty)."""

    def __init__(
        self,
        connections: Connections,
        ledger: UsageLedger | None = None,
        *,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(ledger, now, build_for_totals=False)
        self._connections = connections
        self._notices: list[str] = []

    def cost(self, usage: Usage, model: str, params: Params) -> Decimal | None:
        """What a request cost at the prices for ``model`` behind ``params``' server."""
        prices = self._connections.planner.prices
        return prices.reply_cost(usage, model, self._connections.base_url_for(params))

    def record(
        self,
        usage: Usage,
        cost: Decimal | None,
        when: datetime | None = None,
        *,
        reply: ReplyRecord | None = None,
    ) -> None:
        """Add a request to the day's and all-time totals (a failed write is a notice);
        ``when`` is now unless given. ``reply`` (see :meth:`reply_record`) goes to the
        per-reply log that ``gpt-tui usage`` groups."""
        if self._ledger is None:
            return
        try:
            self._ledger.record(when or self._now(), usage.total_tokens, cost, reply=reply)
        except OSError as exc:
            self._notices.append(f"Could not save the usage totals: {exc}")

    @staticmethod
    def reply_record(
        conversation: Conversation, reply: Message, when: datetime
    ) -> ReplyRecord | None:
        """The log's record of ``reply`` as it stands (all its requests, for a continued
        reply), or None when it has no usage."""
        return record_of(conversation, reply, when)

    def title_record(
        self, conversation: Conversation, usage: Usage, cost: Decimal | None, model: str
    ) -> ReplyRecord:
        """The log's record of a generated title's request (not saved in the conversation,
        so a rebuilt log no longer has it)."""
        return ReplyRecord(
            key=f"title:{new_id()}",
            ts=self._now().timestamp(),
            conversation_id=conversation.id,
            model=model,
            profile=conversation.params.profile,
            input_tokens=usage.prompt_tokens,
            cached_tokens=usage.cached_tokens,
            output_tokens=usage.completion_tokens,
            reasoning_tokens=usage.reasoning_tokens,
            cost=cost,
            estimated=usage.estimated,
        )

    def take_notices(self) -> list[str]:
        """Problems reading or writing the totals since the last call, to show once."""
        notices = [*(self._ledger.notices if self._ledger is not None else []), *self._notices]
        self._notices = []
        if self._ledger is not None:
            self._ledger.notices = []
        return notices

    @staticmethod
    def conversation_totals(conversation: Conversation) -> Totals:
        """Tokens and cost of every reply in the conversation, on every branch (each was
        paid for, whichever branch is shown)."""
        total = Totals()
        for message in conversation.tree.all():
            if message.usage is not None:
                total = total.plus(message.usage.total_tokens, message.cost)
        return total

    def day_totals(self) -> Totals:
        if self._ledger is None:
            return Totals()
        return self._ledger.day(self._now().astimezone().date())

    def all_time_totals(self) -> Totals:
        return Totals() if self._ledger is None else self._ledger.all_time()
