"""Remapping keys from config.toml's ``[keymap]``: ids checked, key names checked, clashes reported.

The remappable bindings are found, not listed: every app, screen and widget class defined in
``gpt_tui.ui`` is walked with its bases, so a widget added later is covered without touching
this module. Key names are checked by :func:`gpt_tui.core.config.keys.key_problem`, the one
check ``load_settings`` (and so doctor) uses too.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen

from gpt_tui.core.config.keys import key_problem

_PACKAGE = "gpt_tui.ui"

_SPOKEN = {"enter": "Enter", "escape": "Esc", "tab": "Tab", "space": "Space"}
"""Keys as a sentence names them ("Enter sends"); other keys are written as in config.toml."""


@dataclass(frozen=True, slots=True)
class KnownBinding:
    """A binding that can be remapped, and the classes that declare it (an id may be shared,
    like ``dialog.cancel``)."""

    binding: Binding
    owners: tuple[type[DOMNode], ...]


@dataclass(frozen=True, slots=True)
class KeymapProblem:
    """One entry of ``[keymap]`` that is not used, and why."""

    binding_id: str
    message: str


def ui_classes() -> list[type[DOMNode]]:
    """Every app, screen and widget class defined in gpt_tui.ui (its modules imported first)."""
    package = importlib.import_module(_PACKAGE)
    for module in pkgutil.walk_packages(package.__path__, f"{_PACKAGE}."):
        importlib.import_module(module.name)
    found: list[type[DOMNode]] = []
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith(f"{_PACKAGE}.") and cls not in found:
            found.append(cls)
    return found


def bindings_with_ids(classes: Iterable[type[DOMNode]]) -> dict[str, KnownBinding]:
    """Every binding with an id in the ``BINDINGS`` of ``classes`` and of their bases
    (Textual merges them, so a subclass's own list does not hide its parent's)."""
    found: dict[str, KnownBinding] = {}
    for cls in classes:
        for base in cls.__mro__:
            entries: Iterable[BindingType] = base.__dict__.get("BINDINGS", ())
            for entry in entries:
                if not (isinstance(entry, Binding) and entry.id):
                    continue
                known = found.get(entry.id)
                if known is None:
                    found[entry.id] = KnownBinding(entry, (base,))
                elif base not in known.owners:
                    found[entry.id] = KnownBinding(known.binding, (*known.owners, base))
    return found


@cache
def known_bindings() -> dict[str, KnownBinding]:
    """Every remappable binding of gpt-tui, by id."""
    return bindings_with_ids(ui_classes())


def check_keymap(
    keymap: Mapping[str, str], known: Mapping[str, KnownBinding]
) -> tuple[dict[str, str], list[KeymapProblem]]:
    """The usable part of ``keymap`` and a problem for each entry left out.

    Unknown ids are dropped (with the closest id suggested), and so are key names no terminal
    delivers. A remapped key that another binding answers at the same time (see
    :func:`_can_meet`) is reported, and the remapped binding keeps its default.
    """
    problems: list[KeymapProblem] = []
    usable: dict[str, str] = {}
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, list(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(KeymapProblem(binding_id, f"unknown binding id '{binding_id}'{hint}"))
        elif (problem := key_problem(keys)) is not None:
            problems.append(KeymapProblem(binding_id, problem))
        else:
            usable[binding_id] = keys
    effective = {bid: _keys(usable.get(bid, kb.binding.key)) for bid, kb in known.items()}
    for binding_id in list(usable):
        for key in effective[binding_id]:
            other = next(
                (
                    oid
                    for oid, okeys in effective.items()
                    if oid != binding_id
                    and key in okeys
                    and _can_meet(known[binding_id].owners, known[oid].owners)
                ),
                None,
            )
            if other is not None:
                problems.append(
                    KeymapProblem(
                        binding_id,
                        f"'{key}' would do both '{other}' and '{binding_id}'; "
                        f"'{binding_id}' keeps its default",
                    )
                )
                del usable[binding_id]
                effective[binding_id] = _keys(known[binding_id].binding.key)
                break
    return usable, problems


def key_of(app: App[Any], binding_id: str, *, last: bool = False) -> str:
    """The first (or ``last``) key of ``binding_id`` as mapped in ``app`` now, as a sentence
    names it ("Enter", "ctrl+j"). Apps other than gpt-tui's have no remapped keys."""
    remapped: Mapping[str, str] = getattr(app, "remapped_keys", {})
    keys = (remapped.get(binding_id) or known_bindings()[binding_id].binding.key).split(",")
    key = keys[-1 if last else 0].strip()
    return _SPOKEN.get(key, key)


def prompt_placeholder(app: App[Any]) -> str:
    """The prompt's placeholder, naming the send and new-line keys as they are mapped."""
    send, newline = key_of(app, "prompt.send"), key_of(app, "prompt.newline")
    return f"Message… ({send} sends, {newline} adds a line)"


def _keys(keys: str) -> list[str]:
    """``keys`` as Textual matches them ("/" is "slash")."""
    return [b.key for b in Binding.make_bindings([Binding(keys, "")])]


def _can_meet(first: Iterable[type[DOMNode]], second: Iterable[type[DOMNode]]) -> bool:
    """Whether bindings declared by these classes can answer the same key press.

    App bindings answer everywhere; a class meets its subclasses; gpt-tui's own widgets live
    on its full screens (dialogs hold Textual's widgets only); two screens, or two unrelated
    widgets (only one has the focus), never meet.
    """
    for a in first:
        for b in second:
            if issubclass(a, App) or issubclass(b, App) or issubclass(a, b) or issubclass(b, a):
                return True
            screens = [c for c in (a, b) if issubclass(c, Screen)]
            if len(screens) == 1 and not issubclass(screens[0], ModalScreen):
                return True
    return False
