"""One parameter spec: config, presets, role files, imports and the panel take the same keys
with the same rules and give the same reasons."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gpt_tui.core.config.checks import KNOWN, PROFILE_KEYS
from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.presets import PRESET_KEYS, preset_from_role_file
from gpt_tui.core.config.types import ModelOverride, Settings
from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.interchange.importing import import_data
from gpt_tui.core.params.error import ParamError
from gpt_tui.core.params.extra import ExtraParams
from gpt_tui.core.params.fields import ParamsForm
from gpt_tui.core.params.rolefile import ROLE_FILE_KEYS
from gpt_tui.core.params.spec import EXTRA_FIELDS, SPECS, keys_for, palette_fields, spec_for

TOO_MANY = "must be a whole number of at most 10,000,000 (got 20000000)"
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _role_file(tmp_path: Path, **params: object) -> Path:
    document = {
        "model": "gpt-4o",
        **params,
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
    }
    path = tmp_path / "role.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_max_tokens_20000000_is_refused_alike_in_config_presets_role_files_imports_and_panel(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[defaults]\nmax_tokens = 20000000\n\n[presets.big]\nmax_tokens = 20000000\n",
        encoding="utf-8",
    )
    settings, problems = load_settings(config, {})
    messages = {p.key: (p.line, p.message) for p in problems}
    assert messages["defaults.max_tokens"] == (2, TOO_MANY)
    assert messages["presets.big.max_tokens"] == (5, TOO_MANY)
    assert settings.defaults.max_tokens is None
    assert "max_tokens" not in settings.presets["big"].values

    role = _role_file(tmp_path, max_tokens=20_000_000)
    preset, notes = preset_from_role_file(role)
    imported = import_data(role.read_bytes(), source=str(role), now=NOW)
    role_note = "max_tokens 20000000 ignored: expected a whole number of at most 10,000,000"
    assert notes == [role_note, "1 non-system message(s) not used"]
    assert role_note in imported.skipped
    assert "max_tokens" not in preset.values
    assert imported.conversations[0].params.max_tokens is None

    form = ParamsForm.from_params(Params(model="gpt-4o"))
    form = ParamsForm(**{**_form_dict(form), "max_tokens": "20000000"})
    assert form.errors() == {"max_tokens": f"max_tokens {TOO_MANY}"}


def _form_dict(form: ParamsForm) -> dict[str, str]:
    return {spec.name: getattr(form, spec.name) for spec in fields(ParamsForm)}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (0, "must be a whole number of at least 1 (got 0)"),
        (1.5, "must be a whole number of at least 1 (got 1.5)"),
        (True, "must be a whole number of at least 1 (got true)"),
    ],
)
def test_a_bad_max_tokens_gets_the_same_reason_from_config_and_panel(
    tmp_path: Path, value: object, reason: str
) -> None:
    config = tmp_path / "config.toml"
    toml_value = json.dumps(value)
    config.write_text(f"[presets.p]\nmax_tokens = {toml_value}\n", encoding="utf-8")
    [problem] = load_settings(config, {})[1]
    assert problem.message == reason
    with pytest.raises(ParamError) as caught:
        spec_for("max_tokens").check(value)
    assert caught.value.reason == reason


def test_the_role_file_reader_is_one_for_presets_and_imports(tmp_path: Path) -> None:
    """The same file gives the same parameters whether it becomes a preset or a chat."""
    role = _role_file(
        tmp_path,
        temperature=0.3,
        top_p=0.9,
        max_tokens=512,
        presence_penalty=0.5,
        frequency_penalty=-0.5,
        stop=["END"],
        seed=7,
        response_format="json_object",
        reasoning_effort="low",
    )
    preset, notes = preset_from_role_file(role)
    [conversation] = import_data(role.read_bytes(), source=str(role), now=NOW).conversations
    params = conversation.params
    from_preset = preset.apply(Params(model="other"), Params(model="other"))
    assert params.model == from_preset.model == "gpt-4o"
    assert params.system_prompt == from_preset.system_prompt == "Be brief."
    assert (params.temperature, params.top_p, params.max_tokens) == (0.3, 0.9, 512)
    assert (
        params.extra
        == from_preset.extra
        == ExtraParams(
            presence_penalty=0.5,
            frequency_penalty=-0.5,
            stop=("END",),
            seed=7,
            response_format="json_object",
            reasoning_effort="low",
        )
    )
    assert (from_preset.temperature, from_preset.top_p, from_preset.max_tokens) == (0.3, 0.9, 512)
    assert notes == ["1 non-system message(s) not used"]


def test_every_spec_is_a_field_of_params_or_extra_params() -> None:
    params = {f.name for f in fields(Params)}
    extra = {f.name for f in fields(ExtraParams)}
    assert set(EXTRA_FIELDS) == extra
    for spec in SPECS:
        assert spec.name in (extra if spec.extra else params), spec.name


def test_each_reader_takes_the_keys_the_spec_gives_it() -> None:
    assert KNOWN["defaults"] == keys_for("defaults")
    assert keys_for("preset") == PRESET_KEYS
    assert keys_for("role_file") == ROLE_FILE_KEYS
    assert {"api_key", "api_key_env", "api_key_cmd", "headers", "models"} <= set(PROFILE_KEYS)
    assert not {"key_source", "name", "table"} & set(PROFILE_KEYS)
    assert set(KNOWN[""]) == {f.name for f in fields(Settings)} - {"config_file"}
    assert KNOWN['models."name"'] == tuple(f.name for f in fields(ModelOverride))


def test_the_form_has_a_field_per_form_parameter_and_the_profile() -> None:
    assert [f.name for f in fields(ParamsForm)] == [
        *(name for name in keys_for("form") if name not in EXTRA_FIELDS),
        "profile",
        *(f.name for f in fields(ExtraParams)),
    ]


def test_palette_field_commands_come_from_the_spec() -> None:
    """The (title, field id, hint) rows the palette lists, one per field it can focus."""
    assert palette_fields() == (
        ("Model: switch model", "param-model", "Type a model name for this chat"),
        ("Parameter: temperature", "param-temperature", "0–2; empty = server default"),
        ("Parameter: top_p", "param-top_p", "0–1; empty = server default"),
        ("Parameter: max_tokens", "param-max_tokens", "Cap the reply length"),
        ("Parameter: system prompt", "param-system_prompt", "Instructions sent first"),
        ("Parameter: history sent", "param-context", "Everything, last N turns, or fit"),
        ("Parameter: presence penalty", "param-presence_penalty", "-2–2; advanced"),
        ("Parameter: frequency penalty", "param-frequency_penalty", "-2–2; advanced"),
        ("Parameter: seed", "param-seed", "Best-effort reproducible sampling; advanced"),
        ("Parameter: stop sequences", "param-stop", "Up to 4, | between; advanced"),
        ("Parameter: response format", "param-response_format", "Text or JSON; advanced"),
        ("Parameter: reasoning effort", "param-reasoning_effort", "Reasoning models"),
        (
            "Parameter: token probabilities (logprobs)",
            "param-logprobs",
            "Keep each token's probability; advanced",
        ),
        (
            "Parameter: top alternatives (top_logprobs)",
            "param-top_logprobs",
            "0–20 alternatives per token; advanced",
        ),
        ("Parameter: tools", "param-tools", "Functions the model may call; tools"),
        (
            "Parameter: tool choice",
            "param-tool_choice",
            "auto, none, required or a function; tools",
        ),
        ("Parameter: parallel tool calls", "param-parallel_tool_calls", "true or false; tools"),
        (
            "Parameter: max tool rounds",
            "param-max_tool_rounds",
            "Follow-ups sent by themselves after a prompt; tools",
        ),
        ("Parameter: image detail", "param-detail", "auto, low or high; images"),
    )


def test_text_and_values_round_trip_through_each_spec() -> None:
    values = {
        "temperature": 0.7,
        "max_tokens": 1024,
        "presence_penalty": -1.5,
        "seed": -7,
        "stop": ("\n\n", "END"),
        "response_format": "json_object",
        "context": "fit",
    }
    for name, value in values.items():
        spec = spec_for(name)
        assert spec.parse(spec.format(value)) == value
        assert spec.check(value) == value
