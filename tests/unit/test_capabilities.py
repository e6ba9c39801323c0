"""The model capability table and how ``build_request`` applies it."""

from __future__ import annotations

import pytest

from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import Message
from gpt_tui.core.params.capabilities import (
    PARAMS,
    adapt_system_messages,
    capabilities_for,
    model_family,
)
from gpt_tui.core.params.fields import ParamError
from gpt_tui.core.planning.request_builder import ExtraParams, build_request

REASONING = {
    "o1": "o1",
    "o1-2024-12-17": "o1",
    "o1-mini": "o1-mini",
    "o1-mini-2024-09-12": "o1-mini",
    "o1-preview": "o1-preview",
    "o3": "o3",
    "o3-pro": "o3",
    "o3-mini": "o3-mini",
    "o3-mini-2025-01-31": "o3-mini",
    "O3-Mini": "o3-mini",
    "openai/o3-mini": "o3-mini",
    "o4-mini": "o4-mini",
    "gpt-5": "gpt-5",
    "gpt-5-2025-08-07": "gpt-5",
    "gpt-5-mini": "gpt-5",
    "gpt-5-nano": "gpt-5",
    "gpt-5.1": "gpt-5",
}
CHAT = [
    "gpt-5-chat-latest",
    "gpt-5.1-chat-latest",
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-3.5-turbo",
    "llama3.2",
    "o3-mini-but-custom",
    "demo",
    "",
]


@pytest.mark.parametrize(("model", "family"), REASONING.items())
def test_reasoning_families(model: str, family: str) -> None:
    caps = capabilities_for(model)
    assert model_family(model) == family
    assert caps.reasoning
    assert caps.family == family
    assert caps.max_tokens_param == "max_completion_tokens"
    for param in ("temperature", "top_p", "presence_penalty", "frequency_penalty", "logprobs"):
        support = caps.support(param)
        assert not support.applies
        assert support.reason.startswith(f"{model.lower().split('/')[-1][:2]}")


@pytest.mark.parametrize("model", CHAT)
def test_chat_models_take_the_classic_parameters(model: str) -> None:
    caps = capabilities_for(model)
    assert not caps.reasoning
    assert caps.family is None
    assert caps.system_role == "system"
    assert caps.max_tokens_param == "max_tokens"
    assert all(caps.support(p).applies for p in PARAMS if p != "reasoning_effort")
    assert not caps.reasoning_effort.applies
    assert "only reasoning models" in caps.reasoning_effort.reason
    assert caps.notes() == [caps.reasoning_effort.reason]


def test_reasons_are_ready_for_the_ui() -> None:
    o3 = capabilities_for("o3")
    assert o3.temperature.reason == (
        "o3 ignores temperature: reasoning models use a fixed sampling temperature"
    )
    dated = capabilities_for("o3-mini-2025-01-31")
    assert dated.top_p.reason.startswith("o3-mini ignores top_p")
    assert dated.max_tokens.applies
    assert "max_completion_tokens" in dated.max_tokens.reason
    assert dated.reasoning_effort.applies
    assert dated.reasoning_efforts == ("low", "medium", "high")
    assert capabilities_for("gpt-5-mini").reasoning_efforts[0] == "minimal"
    assert capabilities_for("anything").support("not-a-param").applies


def test_system_roles() -> None:
    assert capabilities_for("o3-mini").system_role == "developer"
    assert capabilities_for("gpt-5").system_role == "developer"
    for legacy in ("o1-mini", "o1-preview"):
        caps = capabilities_for(legacy)
        assert caps.system_role == "user"
        assert not caps.reasoning_effort.applies
        assert not caps.response_format.applies
        assert "first user message" in caps.system_prompt.reason


def test_adapt_system_messages() -> None:
    messages = [
        {"role": "system", "content": "Be terse."},
        {"role": "assistant", "content": "earlier"},
        {"role": "user", "content": "hi"},
        {"role": "user", "content": "again"},
    ]
    assert adapt_system_messages(messages, "system") == messages
    assert adapt_system_messages(messages, "developer")[0] == {
        "role": "developer",
        "content": "Be terse.",
    }
    folded = adapt_system_messages(messages, "user")
    assert folded == [
        {"role": "assistant", "content": "earlier"},
        {"role": "user", "content": "Be terse.\n\nhi"},
        {"role": "user", "content": "again"},
    ]
    assert messages[0]["role"] == "system"  # the input is not changed
    assert adapt_system_messages([{"role": "system", "content": "S"}], "user") == [
        {"role": "user", "content": "S"}
    ]


# --- build_request ----------------------------------------------------------------------------


HISTORY = [Message("user", "hello")]
PARAMS_SET = {"temperature": 0.7, "top_p": 0.9, "max_tokens": 500, "system_prompt": "Be terse."}


def test_build_request_for_a_chat_model_is_unchanged() -> None:
    request = build_request(Params(model="gpt-4o", **PARAMS_SET), HISTORY)  # type: ignore[arg-type]
    assert request.sdk_kwargs() == {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": "hello"},
        ],
        "temperature": 0.7,
        "top_p": 0.9,
        "max_tokens": 500,
    }


def test_build_request_for_a_reasoning_model() -> None:
    request = build_request(Params(model="o3-mini", **PARAMS_SET), HISTORY)  # type: ignore[arg-type]
    assert request.temperature is None
    assert request.top_p is None
    assert request.max_tokens is None
    assert request.sdk_kwargs() == {
        "model": "o3-mini",
        "messages": [
            {"role": "developer", "content": "Be terse."},
            {"role": "user", "content": "hello"},
        ],
        "max_completion_tokens": 500,
    }


def test_build_request_for_o1_mini_folds_the_system_prompt() -> None:
    request = build_request(Params(model="o1-mini", **PARAMS_SET), HISTORY)  # type: ignore[arg-type]
    assert request.messages == [{"role": "user", "content": "Be terse.\n\nhello"}]


def test_extra_params_are_sent_only_when_set() -> None:
    params = Params(model="gpt-4o")
    assert (
        build_request(params, HISTORY, ExtraParams()).sdk_kwargs()
        == build_request(params, HISTORY).sdk_kwargs()
    )
    extra = ExtraParams(
        presence_penalty=0.5,
        frequency_penalty=-1,
        stop=("END", "\n\n"),
        seed=42,
        response_format="json_object",
        reasoning_effort="high",
    )
    kwargs = build_request(params, HISTORY, extra).sdk_kwargs()
    assert {k: v for k, v in kwargs.items() if k not in ("model", "messages")} == {
        "presence_penalty": 0.5,
        "frequency_penalty": -1,
        "stop": ["END", "\n\n"],
        "seed": 42,
        "response_format": {"type": "json_object"},
    }  # reasoning_effort does not apply to gpt-4o


def test_extra_params_for_reasoning_models() -> None:
    extra = ExtraParams(presence_penalty=0.5, seed=1, reasoning_effort="low")
    kwargs = build_request(Params(model="o4-mini"), HISTORY, extra).sdk_kwargs()
    assert kwargs["reasoning_effort"] == "low"
    assert kwargs["seed"] == 1
    assert "presence_penalty" not in kwargs
    minimal = ExtraParams(reasoning_effort="minimal")
    assert "reasoning_effort" not in build_request(Params(model="o3"), HISTORY, minimal).extra
    gpt5 = build_request(Params(model="gpt-5-nano"), HISTORY, minimal)
    assert gpt5.extra == {"reasoning_effort": "minimal"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"presence_penalty": 2.5}, "presence_penalty must be a number from -2 to 2"),
        ({"frequency_penalty": float("nan")}, "frequency_penalty"),
        ({"stop": ("a", "b", "c", "d", "e")}, "at most 4"),
        ({"stop": ("a", "")}, "non-empty"),
        ({"seed": 1.5}, "whole number"),
        ({"response_format": "xml"}, "json_object"),
        ({"reasoning_effort": "max"}, "reasoning_effort must be one of"),
    ],
)
def test_extra_params_are_validated(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ParamError, match=message):
        ExtraParams(**kwargs)  # type: ignore[arg-type]


def test_extra_params_from_strings() -> None:
    parsed = ExtraParams.from_strings(
        {
            "presence_penalty": " 0.5 ",
            "frequency_penalty": "",
            "stop": "END\n###",
            "seed": "-7",
            "response_format": "json_object",
            "reasoning_effort": "",
        }
    )
    assert parsed == ExtraParams(
        presence_penalty=0.5, stop=("END", "###"), seed=-7, response_format="json_object"
    )
    assert ExtraParams.from_strings({}) == ExtraParams()
    with pytest.raises(ParamError, match="seed"):
        ExtraParams.from_strings({"seed": "x"})
    with pytest.raises(ParamError, match="presence_penalty"):
        ExtraParams.from_strings({"presence_penalty": "lots"})
