"""``[[compare.columns]]``: the columns compare mode starts with, checked with file and line.

Each table takes the keys a preset takes (:data:`~gpt_tui.core.config.presets.PRESET_KEYS`)
and is checked by the same rules; a bad value is reported on its own line, in its own
table (the third ``[[compare.columns]]`` is told apart from the first).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import cast

from gpt_tui.core.config.checks import Checker
from gpt_tui.core.config.presets import Preset, preset_from_table
from gpt_tui.core.config.types import CompareSettings, ConfigProblem
from gpt_tui.core.params.error import describe_type

MAX_CONFIGURED = 4
"""Compare mode shows at most this many columns."""
_COLUMNS_HEADER = re.compile(r"\s*\[\[\s*compare\s*\.\s*columns\s*\]\]")
_ANY_HEADER = re.compile(r"\s*\[")


def read_compare(check: Checker, data: Mapping[str, object]) -> CompareSettings:
    """The ``[compare]`` table's columns; problems reported on their lines."""
    table = check.table(data, "compare")
    raw = table.get("columns", [])
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        check.report(
            ("compare", "columns"),
            f"must be tables, written [[compare.columns]] (got {describe_type(raw)})",
        )
        return CompareSettings()
    tables = cast(list[dict[str, object]], raw)
    if len(tables) > MAX_CONFIGURED:
        check.report(
            ("compare", "columns"),
            f"compare shows at most {MAX_CONFIGURED} columns; the first {MAX_CONFIGURED} are used",
        )
    columns: list[Preset] = []
    for index, column in enumerate(tables[:MAX_CONFIGURED]):

        def report(key: str, message: str, index: int = index) -> None:
            line = column_line(check.text, index, key)
            check.problems.append(
                ConfigProblem(check.path, line, f"compare.columns[{index + 1}].{key}", message)
            )

        columns.append(preset_from_table(f"compare column {index + 1}", column, report))
    return CompareSettings(tuple(columns))


def column_line(text: str, index: int, key: str) -> int | None:
    """The line of ``key`` in the ``index``-th (0-based) ``[[compare.columns]]`` table, or of
    that table's header when the key is not found on a line of its own."""
    seen = -1
    header: int | None = None
    assign = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.split("\n"), start=1):
        if _COLUMNS_HEADER.match(line):
            seen += 1
            if seen == index:
                header = number
            elif seen > index:
                break
            continue
        if _ANY_HEADER.match(line) and header is not None:
            break
        if header is not None and assign.match(line):
            return number
    return header
