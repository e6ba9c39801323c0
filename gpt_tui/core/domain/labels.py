"""What a reply's label says: the model and the settings that made it.

Several replies to one prompt (a comparison's columns, a regenerated reply) are told apart
by this label ("gpt-4o-mini · temperature 0.2 · @work"), written on each reply
(:attr:`~gpt_tui.core.domain.message.Message.label`) when it starts.
"""

from __future__ import annotations

from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.params.spec import SPECS

LABELLED_KINDS = ("number", "whole", "choice")
"""Parameters that change how a model answers and fit in a few characters; the system
prompt, stop sequences and the history setting are left out (too long, or not sampling)."""
_LEFT_OUT = frozenset(("model", "profile", "context", "context_turns"))


def settings_label(params: Params) -> str:
    """The model, each set sampling parameter (in the spec's order), and the profile."""
    parts = [params.model]
    for spec in SPECS:
        if spec.name in _LEFT_OUT or spec.kind not in LABELLED_KINDS:
            continue
        owner: object = params.extra if spec.extra else params
        value = getattr(owner, spec.name, None)
        if value is None or value == spec.empty:
            continue
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        parts.append(f"{spec.label} {shown}")
    if params.profile:
        parts.append(f"@{params.profile}")
    return " · ".join(parts)
