"""Presets ("roles"): a named system prompt with parameters, and optionally a model/profile.

Written by hand in ``config.toml``::

    [presets.engineer]
    system_prompt = "You are a senior engineer. Answer with code first."
    model = "gpt-4o"              # optional: otherwise the conversation keeps its model
    temperature = 0.2
    stop = ["\\n\\nUser:"]
    reasoning_effort = "high"     # any parameter of the panel; each one is optional

Saved from the app into ``presets.toml`` next to it (same ``[presets.NAME]`` layout), so
saving never rewrites ``config.toml`` and its comments. Both files are read; a name defined
in ``config.toml`` wins and cannot be overwritten from the app.

Applying a preset gives a conversation the default parameters of new chats overridden by
every value the preset names: a role fully decides how the model answers, whatever the
conversation had before. The model and profile stay unless the preset names them.

:func:`preset_from_role_file` reads the ``{"model": …, "messages": [{"role": "system",
…}]}`` role files people keep next to their API scripts.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

import tomli_w

from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.params.error import ParamError
from gpt_tui.core.params.extra import EXTRA_FIELDS
from gpt_tui.core.params.fields import params_with
from gpt_tui.core.params.rolefile import read_role_params
from gpt_tui.core.params.spec import check_value, keys_for
from gpt_tui.core.store.fsutil import atomic_write_text

PRESETS_FILE = "presets.toml"
"""The file next to ``config.toml`` that presets saved from the app go to."""
PRESET_KEYS: tuple[str, ...] = keys_for("preset")
"""The keys a ``[presets.NAME]`` table takes, in the order they are written."""
_NAME_RE = re.compile(r"[^\x00-\x1f\x7f]{1,60}")
_HEADER = """\
# Presets saved from gpt-tui ("Save settings as a preset"). Same layout as [presets.NAME]
# in config.toml; gpt-tui rewrites this file when it saves one (comments here are lost).
"""

Report = Callable[[str, str], None]
"""``report(key, message)``: a problem with one key of a preset table."""


class PresetError(Exception):
    """A preset cannot be saved or read; the message says why and names the file."""


@dataclass(frozen=True, slots=True)
class Preset:
    """A named set of values for :class:`~gpt_tui.core.domain.conversation.Params` fields."""

    name: str
    values: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Field name → validated value (``stop`` as a tuple); only what the preset sets."""
    source: Path | None = None
    """The file it was read from (``None``: made in memory)."""

    def apply(self, params: Params, defaults: Params) -> Params:
        """``params`` with this preset: ``defaults`` overridden by the preset's values;
        model and profile stay unless the preset names them."""
        base = params_with(defaults, {"model": params.model, "profile": params.profile})
        return params_with(base, self.values)

    def to_table(self) -> dict[str, Any]:
        """The TOML table (``stop`` as a list), keys in :data:`PRESET_KEYS` order."""
        return {
            key: list(value) if isinstance(value, tuple) else value
            for key in PRESET_KEYS
            if (value := self.values.get(key)) is not None
        }

    def summary(self) -> str:
        """One line for the palette: model and the start of the system prompt."""
        model = self.values.get("model")
        prompt = " ".join(str(self.values.get("system_prompt", "")).split())
        prompt = prompt if len(prompt) <= 50 else prompt[:49] + "…"
        parts = [f"model {model}" if model else "", f"“{prompt}”" if prompt else ""]
        return " · ".join(p for p in parts if p) or "parameters only"


def preset_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a preset, or ``None``."""
    if not name.strip():
        return "a preset needs a name"
    if not _NAME_RE.fullmatch(name.strip()):
        return "a preset name is at most 60 characters, without control characters"
    return None


def preset_from_params(name: str, params: Params) -> Preset:
    """The open conversation's settings as a preset (only what is set; the default profile
    is not written, so the preset follows the default profile)."""
    values: dict[str, Any] = {
        "system_prompt": params.system_prompt or None,
        "model": params.model,
        "profile": params.profile,
        "temperature": params.temperature,
        "top_p": params.top_p,
        "max_tokens": params.max_tokens,
        **{key: getattr(params.extra, key) for key in EXTRA_FIELDS},
    }
    if params.context != "all":
        values["context"] = params.context
        values["context_turns"] = params.context_turns
    clean = {k: v for k, v in values.items() if v is not None}
    return Preset(name.strip(), MappingProxyType(clean))


def preset_from_table(
    name: str, table: Mapping[str, object], report: Report, source: Path | None = None
) -> Preset:
    """A ``[presets.NAME]`` table: every valid key kept, each bad or unknown one reported."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in PRESET_KEYS:
            report(key, f"unknown key '{key}' (a preset takes {', '.join(PRESET_KEYS)})")
            continue
        try:
            values[key] = check_value(key, value)
        except ParamError as exc:
            report(key, exc.reason)
    return Preset(name, MappingProxyType(values), source)


def presets_file_for(config_file: Path) -> Path:
    """Where presets saved from the app go: ``presets.toml`` next to ``config.toml``."""
    return config_file.with_name(PRESETS_FILE)


def save_preset(path: Path, preset: Preset) -> None:
    """Add or replace ``preset`` in the presets file ``path`` (atomic, mode 0600).

    Raises :class:`PresetError` (and leaves the file as it was) when the file exists but
    cannot be read or parsed, or cannot be written.
    """
    data: dict[str, Any] = {}
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PresetError(f"Cannot read {path} ({exc}); nothing was saved.") from exc
    table = data.setdefault("presets", {})
    if not isinstance(table, dict):
        raise PresetError(f"{path} has 'presets' that is not a table; nothing was saved.")
    table[preset.name] = preset.to_table()
    try:
        atomic_write_text(path, _HEADER + tomli_w.dumps(data, multiline_strings=True), mode=0o600)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PresetError(f"Cannot write {path} ({reason}); nothing was saved.") from exc


def preset_from_role_file(path: Path) -> tuple[Preset, list[str]]:
    """A preset named after ``path``'s stem from a role JSON file, and notes on what was
    left out (unknown keys, bad values, non-system messages).

    Raises :class:`PresetError` when the file cannot be read or is not a JSON object.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PresetError(f"Cannot read {path} as JSON ({exc}).") from exc
    if not isinstance(raw, dict):
        raise PresetError(f"{path} is not a JSON object with model and messages.")
    data = cast(dict[str, object], raw)
    values, notes = read_role_params(data)
    messages = data.get("messages", [])
    if isinstance(messages, list):
        system = [
            m["content"]
            for m in cast(list[object], messages)
            if isinstance(m, dict)
            and m.get("role") in ("system", "developer")
            and isinstance(m.get("content"), str)
        ]
        others = len(messages) - len(system)
        if system:
            values["system_prompt"] = "\n\n".join(system)
        if others:
            notes.append(f"{others} non-system message(s) not used")
    return Preset(path.stem, MappingProxyType(values), path), notes
