"""The parameters of a role file: ``{"model": …, "temperature": …, "messages": […]}``.

People keep such files next to their API scripts. Presets made from one and conversations
imported from one both read its parameters here, so both take the same keys
(:func:`~gpt_tui.core.params.spec.keys_for` ``("role_file")``) with the same rules and the
same notes about what was left out. What each does with the messages is its own business.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gpt_tui.core.params.error import ParamError
from gpt_tui.core.params.spec import check_value, keys_for

ROLE_FILE_KEYS: tuple[str, ...] = keys_for("role_file")
"""The parameter keys a role file may set at its top level."""


def read_role_params(
    document: Mapping[str, object], *, also: tuple[str, ...] = ("messages",)
) -> tuple[dict[str, Any], list[str]]:
    """The valid parameter values of a role file's top level, and a note for each key left
    out: unknown ones (other than ``also``, which the caller reads) and bad values."""
    notes: list[str] = []
    left_out = sorted(k for k in document if k not in ROLE_FILE_KEYS and k not in also)
    if left_out:
        notes.append(f"not used: {', '.join(left_out)}")
    values: dict[str, Any] = {}
    for key in ROLE_FILE_KEYS:
        raw = document.get(key)
        if raw is None:
            continue
        try:
            value = check_value(key, raw)
        except ParamError as exc:
            why = f"expected {exc.expected}" if exc.expected else exc.reason
            notes.append(f"{key} {raw!r} ignored: {why}")
            continue
        if value is not None:
            values[key] = value
    return values, notes
