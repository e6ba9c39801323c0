"""``gpt-tui doctor``: the models your saved replies used that have no price, each with
the ``[models."NAME"]`` lines that would give it one."""

from __future__ import annotations

from collections import Counter

from gpt_tui.commands.checklist import Report
from gpt_tui.core.planning.pricing import price_hint
from gpt_tui.core.store.datadir import REPLY_LOG_FILE
from gpt_tui.core.store.reply_log import ReplyLog
from gpt_tui.paths import Paths


def check_unpriced_models(report: Report, paths: Paths) -> None:
    """One warning per model with unpriced replies in the usage log (read as it is: a
    log not built yet is left for ``gpt-tui usage`` to build)."""
    try:
        records = ReplyLog(paths.data_dir / REPLY_LOG_FILE).read() or []
    except OSError:
        return
    unpriced = Counter(record.model for record in records if record.cost is None)
    for model, count in sorted(unpriced.items()):
        replies = f"{count} repl{'y' if count == 1 else 'ies'}"
        report.warn(
            f"usage: {model} has no price ({replies} counted as unpriced)", price_hint(model)
        )
