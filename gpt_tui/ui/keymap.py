"""Remapping keys from config.toml's ``[keymap]``: ids checked, conflicts reported."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from textual.binding import Binding, BindingType


def bindings_with_ids(*classes: type) -> dict[str, Binding]:
    """Every binding that has an id, from the ``BINDINGS`` of ``classes``."""
    found: dict[str, Binding] = {}
    for cls in classes:
        entries: Iterable[BindingType] = getattr(cls, "BINDINGS", [])
        for entry in entries:
            if isinstance(entry, Binding) and entry.id:
                found[entry.id] = entry
    return found


def check_keymap(
    keymap: Mapping[str, str], known: Mapping[str, Binding]
) -> tuple[dict[str, str], list[str]]:
    """The usable part of ``keymap`` and a message for each problem in it.

    Unknown ids are dropped (with the closest id suggested). A key claimed by two
    bindings after remapping is reported, and the remap that caused it is dropped.
    """
    problems: list[str] = []
    usable: dict[str, str] = {}
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, list(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"[keymap] unknown binding id '{binding_id}'{hint}")
            continue
        if not keys.strip():
            problems.append(f"[keymap] '{binding_id}' has no key")
            continue
        usable[binding_id] = keys
    effective = {bid: usable.get(bid, b.key) for bid, b in known.items()}
    owners: dict[str, str] = {}
    for binding_id, keys in effective.items():
        for key in (k.strip() for k in keys.split(",")):
            other = owners.get(key)
            if other is not None and other != binding_id:
                culprit = binding_id if binding_id in usable else other
                problems.append(
                    f"[keymap] '{key}' would do both '{other}' and '{binding_id}'; "
                    f"'{culprit}' keeps its default"
                )
                usable.pop(culprit, None)
            else:
                owners[key] = binding_id
    return usable, problems
