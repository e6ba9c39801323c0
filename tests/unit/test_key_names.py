"""Key names in ``[keymap]``: the core knows the names Textual reports; mistakes get a line."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from textual._keyboard_protocol import FUNCTIONAL_KEYS
from textual.keys import KEY_ALIASES, Keys, _character_to_key

from gpt_tui.core.config.keys import NAMED_KEYS, _character_name, key_problem
from gpt_tui.core.config.loading import load_settings


def textual_key_names() -> set[str]:
    """The names (longer than one character) Textual reports, read from Textual itself."""
    names = {key.value.split("+")[-1] for key in Keys if not key.value.startswith("<")}
    names |= set(FUNCTIONAL_KEYS.values())
    names |= {alias.split("+")[-1] for aliases in KEY_ALIASES.values() for alias in aliases}
    names |= {_character_to_key(c) for c in string.punctuation}
    return {name for name in names if len(name) > 1 and "-" not in name}


def test_the_core_knows_exactly_the_key_names_textual_reports() -> None:
    assert set(NAMED_KEYS) == textual_key_names()


def test_the_core_names_characters_as_textual_does() -> None:
    for character in string.punctuation + "é€🍌":
        assert _character_name(character) == _character_to_key(character), character


@pytest.mark.parametrize(
    "keys",
    [
        "ctrl+s",
        "enter",
        "f5",
        "ctrl+shift+up",
        "alt+shift+a",
        "question_mark",
        "?",
        "A",
        "é",
        "ctrl+j,alt+enter",
        "left_square_bracket",
        "super+f12",
        "pageup",
        "ctrl+slash",
        "alt+1",
        "ctrl+shift+a",
    ],
)
def test_keys_textual_can_receive_pass(keys: str) -> None:
    assert key_problem(keys) is None


@pytest.mark.parametrize(
    ("keys", "said"),
    [
        ("banana", "'banana' is not a key name"),
        ("ctrl+zz", "'ctrl+zz' is not a key name"),
        ("ctrl+entr", "did you mean 'ctrl+enter'?"),
        ("Enter", "did you mean 'enter'?"),
        ("shift+ctrl+up", "write it as 'ctrl+shift+up'"),
        ("cmd+s", "'cmd' in 'cmd+s' is not a modifier"),
        ("Ctrl+s", "did you mean 'ctrl'?"),
        ("ctrl+ctrl+s", "repeats a modifier"),
        ("ctrl+", "the plus key is written 'plus'"),
        ("ctrl+s,,f5", "empty key"),
        ("ctrl+/", "write it as 'ctrl+slash'"),
        ("ctrl+A", "write it as 'ctrl+shift+a'"),
        ("  ", "has no key"),
    ],
)
def test_keys_textual_never_reports_are_refused(keys: str, said: str) -> None:
    problem = key_problem(keys)
    assert problem is not None and said in problem, problem


def test_bad_key_names_are_config_problems_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[keymap]\n"chat.new" = "ctrl+t"\n"app.quit" = "banana"\n"prompt.send" = "ctrl+zz"\n',
        encoding="utf-8",
    )
    settings, problems = load_settings(path, {})
    assert dict(settings.keymap) == {"chat.new": "ctrl+t"}
    found = {(p.line, p.key) for p in problems}
    assert found == {(3, "keymap.app.quit"), (4, "keymap.prompt.send")}, problems
    assert "'banana' is not a key name" in str(problems[0])
