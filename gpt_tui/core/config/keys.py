"""The key names a terminal can deliver to gpt-tui, for checking ``[keymap]`` in config.toml.

The check runs where config.toml is read, so the app and ``gpt-tui doctor`` report the same
mistakes with the same file and line. The core runs without Textual (an import-linter
contract), so the names Textual gives keys are written out here as data;
``tests/unit/test_key_names.py`` derives them from ``textual.keys`` and Textual's keyboard
protocol table and fails when a Textual upgrade adds, renames or drops one.

A key is ``[modifier+]…name``: modifiers in Textual's (alphabetical) order, then either one
character ("a", "A", "/", "é") or a name ("enter", "f5", "pageup", "slash").
"""

from __future__ import annotations

import difflib
import unicodedata

MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
"""In the order Textual writes them in a key name ("ctrl+shift+up", never "shift+ctrl+up")."""

NAMED_KEYS = frozenset(
    {
        # Editing, movement and function keys.
        *("backspace", "delete", "down", "end", "enter", "escape", "home", "insert", "left"),
        *("newline", "pagedown", "pageup", "return", "right", "space", "tab", "up"),
        *(f"f{n}" for n in range(1, 36)),
        # Keys only terminals with the kitty keyboard protocol report.
        *("caps_lock", "scroll_lock", "num_lock", "print_screen", "pause", "menu", "kp_begin"),
        *("add", "decimal", "divide", "equal", "multiply", "separator", "subtract"),
        *("lower_volume", "mute_volume", "raise_volume", "media_fast_forward", "media_pause"),
        *("media_play", "media_play_pause", "media_record", "media_reverse", "media_rewind"),
        *("media_stop", "media_track_next", "media_track_previous"),
        *("iso_level3_shift", "iso_level5_shift"),
        *(f"{side}_{mod}" for side in ("left", "right") for mod in ("alt", "control", "shift")),
        *(f"{side}_{mod}" for side in ("left", "right") for mod in ("hyper", "meta", "super")),
        # Printable ASCII punctuation, by the names Textual gives it ("?" is question_mark).
        *("ampersand", "apostrophe", "asterisk", "at", "backslash", "circumflex_accent"),
        *("colon", "comma", "dollar_sign", "equals_sign", "exclamation_mark", "full_stop"),
        *("grave_accent", "greater_than_sign", "left_curly_bracket", "left_parenthesis"),
        *("left_square_bracket", "left_square_brace", "less_than_sign", "minus"),
        *("number_sign", "percent_sign", "plus", "question_mark", "quotation_mark"),
        *("right_curly_bracket", "right_parenthesis", "right_square_bracket", "semicolon"),
        *("slash", "tilde", "underscore", "vertical_line"),
    }
)
"""Every key name longer than one character that Textual can report (see the module doc)."""


def key_problem(keys: str) -> str | None:
    """What is wrong with ``keys`` ("ctrl+s", or several: "ctrl+s,f5"), or None if nothing.

    A name Textual never reports would silently unbind the action ("banana" is the name
    of a character no keyboard has, "ctrl+zz" no key at all).
    """
    if not keys.strip():
        return 'has no key; write one such as "ctrl+s"'
    for key in (part.strip() for part in keys.split(",")):
        problem = _one_key_problem(key) if key else "has an empty key between commas"
        if problem is not None:
            return problem
    return None


def _one_key_problem(key: str) -> str | None:
    if len(key) == 1:
        return None if key.isprintable() else f"{key!r} is not a key"
    *modifiers, name = key.split("+")
    if not name:
        return f"'{key}' ends with '+' (the plus key is written 'plus')"
    for modifier in modifiers:
        if modifier not in MODIFIERS:
            close = difflib.get_close_matches(modifier.lower(), MODIFIERS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            return f"'{modifier}' in '{key}' is not a modifier{hint}; they are " + ", ".join(
                MODIFIERS
            )
    if len(set(modifiers)) != len(modifiers):
        return f"'{key}' repeats a modifier"
    ordered = sorted(modifiers, key=MODIFIERS.index)
    if modifiers != ordered:
        return f"'{key}' is never reported; write it as '{'+'.join([*ordered, name])}'"
    if len(name) == 1 and name.isprintable():
        if not modifiers:
            return None
        spelled = name.lower() if name.isalpha() else _character_name(name)
        shift = ["shift"] if name.isupper() and "shift" not in modifiers else []
        canonical = "+".join([*sorted([*modifiers, *shift], key=MODIFIERS.index), spelled])
        if canonical == key:
            return None
        return f"'{key}' is never reported; write it as '{canonical}'"
    if name in NAMED_KEYS:
        return None
    close = difflib.get_close_matches(name.lower(), NAMED_KEYS, n=1)
    hint = f"did you mean '{'+'.join([*modifiers, close[0]])}'? " if close else ""
    return (
        f"'{key}' is not a key name ({hint}a key is one character such as 'z' or '/', "
        "or a name such as 'enter', 'escape', 'f5', 'pageup' or 'slash')"
    )


_RENAMED = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}
"""Textual's short names for some characters (its ``KEY_NAME_REPLACEMENTS``)."""


def _character_name(character: str) -> str:
    """The name Textual gives a character key when a modifier is held ("/" is "slash")."""
    if character.isalnum():
        return character
    try:
        name = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return character
    return _RENAMED.get(name, name)
