"""Parameter parsing and request building."""

from __future__ import annotations

import pytest

from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import ErrorInfo, Message, MessageStatus
from gpt_tui.core.params.fields import (
    ParamError,
    ParamsForm,
    parse_max_tokens,
    parse_temperature,
    parse_top_p,
)
from gpt_tui.core.planning.request_builder import build_request


@pytest.mark.parametrize(
    ("text", "value"), [("", None), (" 0 ", 0.0), ("2", 2.0), ("0.7", 0.7), ("1e0", 1.0)]
)
def test_temperature_accepts(text: str, value: float | None) -> None:
    assert parse_temperature(text) == value


@pytest.mark.parametrize("text", ["7", "-0.1", "hot", "nan", "inf", "2.0001"])
def test_temperature_rejects(text: str) -> None:
    with pytest.raises(ParamError, match="temperature"):
        parse_temperature(text)


def test_top_p_and_max_tokens() -> None:
    assert parse_top_p("1") == 1.0
    with pytest.raises(ParamError):
        parse_top_p("1.5")
    assert parse_max_tokens("1_024") == 1024
    assert parse_max_tokens("") is None
    for bad in ("abc", "0", "-5", "1.5", "99999999999"):
        with pytest.raises(ParamError):
            parse_max_tokens(bad)


def test_form_round_trip_and_errors() -> None:
    params = Params(model="m", temperature=0.5, top_p=None, max_tokens=10, system_prompt="s")
    form = ParamsForm.from_params(params)
    assert form.to_params() == params
    bad = ParamsForm(model=" ", temperature="7", top_p="", max_tokens="abc", system_prompt="")
    assert set(bad.errors()) == {"model", "temperature", "max_tokens"}


def test_request_has_system_first_and_skips_failed_replies() -> None:
    params = Params(model="m", temperature=0.1, system_prompt="Be brief.")
    history = [
        Message(role="user", content="q1"),
        Message(role="assistant", content="a1"),
        Message(role="user", content="q2"),
        Message(role="assistant", content="", status=MessageStatus.ERROR, error=ErrorInfo("x")),
        Message(role="assistant", content="half", status=MessageStatus.INTERRUPTED),
        Message(role="assistant", content="stopped part", status=MessageStatus.STOPPED),
    ]
    request = build_request(params, history)
    assert request.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "q2"},
        {"role": "assistant", "content": "stopped part"},
    ]
    assert request.sdk_kwargs() == {
        "model": "m",
        "messages": request.messages,
        "temperature": 0.1,
    }


def test_blank_system_prompt_is_not_sent() -> None:
    request = build_request(Params(model="m", system_prompt="  "), [Message("user", "hi")])
    assert request.messages == [{"role": "user", "content": "hi"}]
