"""The optional parameters: typed text, storage in a conversation, and what is sent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import Message
from gpt_tui.core.domain.schema import SchemaError
from gpt_tui.core.params.extra import ExtraParams, ParamError, format_stop, parse_seed, parse_stop
from gpt_tui.core.params.fields import ParamsForm
from gpt_tui.core.planning.request_builder import build_request

HELLO = [Message("user", "hello")]
ALL_SET = ExtraParams(
    presence_penalty=0.5,
    frequency_penalty=-1.0,
    stop=("\n\n", "END", " a|b "),
    seed=42,
    response_format="json_object",
    reasoning_effort="high",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("   ", None),
        ("END", ("END",)),
        ("\\n\\n | END", ("\n\n", "END")),
        ("a|b|c|d", ("a", "b", "c", "d")),
        ("x \\| y", ("x | y",)),
        ("\\s\\sHuman:", ("  Human:",)),
        ("tab\\there | back\\\\slash", ("tab\there", "back\\slash")),
        ("END |", ("END",)),
        ("END\n###", ("END", "###")),
    ],
)
def test_stop_text_is_read(text: str, expected: tuple[str, ...] | None) -> None:
    assert parse_stop(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a|b|c|d|e", "at most 4"),
        ("a || b", "empty sequence"),
        ("| a", "empty sequence"),
        ("bad \\x", "unknown escape \\\\x"),
        ("end\\", "at the end"),
    ],
)
def test_stop_text_mistakes_are_named(text: str, message: str) -> None:
    with pytest.raises(ParamError, match=message):
        parse_stop(text)


@given(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=4))
def test_stop_text_round_trips(sequences: list[str]) -> None:
    assert parse_stop(format_stop(tuple(sequences))) == tuple(sequences)


def test_seed_takes_whole_numbers_only() -> None:
    assert parse_seed(" -7 ") == -7
    assert parse_seed("1_000") == 1000
    for bad in ("1.5", "x", "--1", str(2**63)):
        with pytest.raises(ParamError, match="seed"):
            parse_seed(bad)


def test_params_round_trip_with_every_extra_set() -> None:
    params = Params(model="gpt-4o", temperature=0.2, extra=ALL_SET)
    assert Params.from_dict(params.to_dict()) == params
    assert params.to_dict()["stop"] == ["\n\n", "END", " a|b "]


def test_files_written_before_the_extras_load_and_stay_the_same() -> None:
    old = {"model": "gpt-4o-mini", "temperature": 0.7, "system_prompt": "hi"}
    params = Params.from_dict(old)
    assert params.extra == ExtraParams()
    assert set(params.to_dict()) == {
        "model",
        "temperature",
        "top_p",
        "max_tokens",
        "system_prompt",
        "context",
        "context_turns",
        "profile",
    }


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("presence_penalty", 3, "from -2 to 2"),
        ("frequency_penalty", "high", "expected int or float"),
        ("stop", "END", "expected list"),
        ("stop", ["a", ""], "non-empty"),
        ("stop", ["a", "b", "c", "d", "e"], "at most 4"),
        ("seed", 1.5, "expected int"),
        ("seed", True, "boolean"),
        ("response_format", "yaml", "text or json_object"),
        ("reasoning_effort", "max", "one of"),
    ],
)
def test_bad_stored_extras_name_the_field(field: str, value: object, problem: str) -> None:
    with pytest.raises(SchemaError, match=problem) as caught:
        Params.from_dict({"model": "m", field: value}, "conversation.params")
    assert caught.value.where == f"conversation.params.{field}"


def test_form_round_trips_and_reports_each_bad_field() -> None:
    params = Params(model="gpt-4o", extra=ALL_SET)
    form = ParamsForm.from_params(params)
    assert form.stop == "\\n\\n | END | \\sa\\|b\\s"
    assert form.to_params() == params
    bad = ParamsForm(
        model="gpt-4o",
        temperature="",
        top_p="",
        max_tokens="",
        system_prompt="",
        presence_penalty="9",
        frequency_penalty="x",
        stop="a||b",
        seed="1.5",
    )
    assert set(bad.errors()) == {"presence_penalty", "frequency_penalty", "stop", "seed"}
    with pytest.raises(ParamError):
        bad.to_params()


def test_chat_model_gets_every_extra_but_reasoning_effort() -> None:
    request = build_request(Params(model="gpt-4o", temperature=0.3, extra=ALL_SET), HELLO)
    assert request.sdk_kwargs() == {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hello"}],
        "temperature": 0.3,
        "presence_penalty": 0.5,
        "frequency_penalty": -1.0,
        "stop": ["\n\n", "END", " a|b "],
        "seed": 42,
        "response_format": {"type": "json_object"},
    }


def test_reasoning_model_gets_effort_and_completion_tokens_without_sampling() -> None:
    params = Params(model="o3-mini", temperature=0.3, top_p=0.5, max_tokens=500, extra=ALL_SET)
    kwargs = build_request(params, HELLO).sdk_kwargs()
    assert kwargs["reasoning_effort"] == "high"
    assert kwargs["max_completion_tokens"] == 500
    for absent in ("temperature", "top_p", "presence_penalty", "frequency_penalty", "max_tokens"):
        assert absent not in kwargs
    assert kwargs["seed"] == 42
