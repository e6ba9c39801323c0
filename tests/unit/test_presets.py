"""Presets: read from config.toml and presets.toml, applied, saved, imported from role files."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.presets import (
    PresetError,
    preset_from_params,
    preset_from_role_file,
    save_preset,
)
from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.params.extra import ExtraParams

CONFIG = """\
# my notes: keep this comment
model = "gpt-4o-mini"

[presets.engineer]
system_prompt = "You are a senior engineer."
model = "gpt-4o"
temperature = 0.2
stop = ["END", "\\n\\n"]
reasoning_effort = "high"

[presets.broken]
temperature = 7
seed = 1.5
colour = "red"
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_presets_are_read_with_bad_values_reported_on_their_line(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", CONFIG)
    settings, problems = load_settings(config, {})
    engineer = settings.presets["engineer"]
    assert engineer.values == {
        "system_prompt": "You are a senior engineer.",
        "model": "gpt-4o",
        "temperature": 0.2,
        "stop": ("END", "\n\n"),
        "reasoning_effort": "high",
    }
    assert settings.presets["broken"].values == {}
    found = {(p.key, p.line) for p in problems}
    assert found == {
        ("presets.broken.temperature", 12),
        ("presets.broken.seed", 13),
        ("presets.broken.colour", 14),
    }
    assert "from 0 to 2" in str(next(p for p in problems if p.key == "presets.broken.temperature"))


def test_saved_presets_go_to_their_own_file_and_config_comments_stay(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", CONFIG)
    params = Params(
        model="o3-mini",
        max_tokens=800,
        system_prompt="Translate to French.\nKeep the tone.",
        extra=ExtraParams(seed=7, reasoning_effort="low"),
    )
    saved = tmp_path / "presets.toml"
    save_preset(saved, preset_from_params("translator", params))
    save_preset(saved, preset_from_params("other", Params(model="gpt-4o")))
    assert config.read_text(encoding="utf-8") == CONFIG
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    settings, problems = load_settings(config, {})
    assert [p for p in problems if "presets.toml" in str(p.path)] == []
    assert list(settings.presets) == ["engineer", "broken", "translator", "other"]
    defaults = Params(model="gpt-4o-mini", temperature=0.9)
    applied = settings.presets["translator"].apply(Params(model="x", top_p=0.1), defaults)
    assert applied == params.with_changes(temperature=0.9)


def test_a_saved_preset_cannot_shadow_a_hand_written_one(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", CONFIG)
    write(tmp_path / "presets.toml", '[presets.engineer]\nsystem_prompt = "x"\nnope = 1\n')
    settings, problems = load_settings(config, {})
    assert settings.presets["engineer"].values["model"] == "gpt-4o"
    messages = {(p.path.name, p.key, p.line): p.message for p in problems}
    assert "wins" in messages[("presets.toml", "presets.engineer", 1)]
    assert ("presets.toml", "presets.engineer.nope", 3) in messages


def test_applying_keeps_model_and_profile_unless_the_preset_names_them(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", CONFIG)
    settings, _ = load_settings(config, {})
    current = Params(model="llama3", profile="local", temperature=1.5, system_prompt="old")
    defaults = Params(model="gpt-4o-mini")
    applied = settings.presets["engineer"].apply(current, defaults)
    assert applied.model == "gpt-4o"
    assert applied.profile == "local"
    assert applied.system_prompt == "You are a senior engineer."
    assert applied.temperature == 0.2
    assert applied.extra == ExtraParams(stop=("END", "\n\n"), reasoning_effort="high")


def test_an_unparsable_presets_file_is_reported_and_never_overwritten(tmp_path: Path) -> None:
    saved = write(tmp_path / "presets.toml", "[presets.x\n")
    with pytest.raises(PresetError, match="nothing was saved"):
        save_preset(saved, preset_from_params("y", Params(model="m")))
    assert saved.read_text(encoding="utf-8") == "[presets.x\n"
    _, problems = load_settings(tmp_path / "config.toml", {})
    assert any("not valid TOML" in p.message and "ignored" in p.message for p in problems)


def test_role_file_becomes_a_preset(tmp_path: Path) -> None:
    role = tmp_path / "engineer.json"
    role.write_text(
        json.dumps(
            {
                "model": "gpt-3.5-turbo",
                "temperature": 0.5,
                "messages": [
                    {"role": "system", "content": "You are an engineer."},
                    {"role": "user", "content": "hi"},
                ],
                "stream": True,
            }
        ),
        encoding="utf-8",
    )
    preset, notes = preset_from_role_file(role)
    assert preset.name == "engineer"
    assert preset.values == {
        "model": "gpt-3.5-turbo",
        "temperature": 0.5,
        "system_prompt": "You are an engineer.",
    }
    assert notes == ["not used: stream", "1 non-system message(s) not used"]
    (tmp_path / "bad.json").write_text("[1]", encoding="utf-8")
    with pytest.raises(PresetError, match="not a JSON object"):
        preset_from_role_file(tmp_path / "bad.json")
