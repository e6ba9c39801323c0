"""``gpt-tui ask``'s options are the spec's parameters, checked by the spec's rule."""

from __future__ import annotations

import pytest

from gpt_tui.commands.ask import compose_prompt, option_names, parser
from gpt_tui.core.params.spec import SPECS


def test_each_parameter_of_the_spec_is_an_option_with_its_rule() -> None:
    ask = parser()
    for spec in SPECS:
        if spec.name in ("model", "profile"):  # options of their own
            continue
        (option, *_aliases) = option_names(spec)
        sample = {
            "number": "0.5",
            "whole": "3",
            "choice": spec.choices[-1] if spec.choices else "",
            "stop": "END",
            "prompt": "Be brief.",
            "name": "x",
            "names": "get_weather, mcp:time",
            "flag": "on",
            "switch": "false",
        }[spec.kind]
        parsed = ask.parse_args([option, sample, "hi"])
        assert getattr(parsed, f"param_{spec.name}") == spec.parse(sample), spec.name


def test_unset_options_leave_the_parameters_alone() -> None:
    parsed = parser().parse_args(["hi"])
    assert not [name for name in vars(parsed) if name.startswith("param_")]


def test_a_bad_value_is_refused_with_the_spec_wording(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parser().parse_args(["--reasoning-effort", "huge", "hi"])
    assert exit_info.value.code == 2
    assert "reasoning_effort must be one of none, minimal, low, medium, high" in (
        capsys.readouterr().err
    )


def test_piped_text_is_fenced_after_the_prompt() -> None:
    assert compose_prompt("review", "diff\n") == "review\n\n```\ndiff\n```"
    assert compose_prompt("", "just this\n") == "just this"
    assert compose_prompt("only this", "") == "only this"
    # A fence longer than any run of backticks inside keeps the block whole.
    assert compose_prompt("q", "a ```py\nx\n```") == "q\n\n````\na ```py\nx\n```\n````"
