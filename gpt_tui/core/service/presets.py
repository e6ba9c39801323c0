"""Presets: named system prompts and parameters, from config.toml and presets.toml."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from gpt_tui.core.config.presets import (
    Preset,
    PresetError,
    preset_from_params,
    preset_from_role_file,
    preset_name_problem,
    save_preset,
)
from gpt_tui.core.domain.conversation import Params


class PresetService:
    """The presets in use, and saving new ones to the presets file."""

    def __init__(
        self,
        presets: Mapping[str, Preset] | None,
        presets_file: Path | None,
        defaults: Callable[[], Params],
    ) -> None:
        """``defaults`` gives the parameters of new conversations now (a preset leaves the
        rest as they are there)."""
        self._presets: dict[str, Preset] = dict(presets or {})
        self._file = presets_file
        self._defaults = defaults

    def use(self, presets: Mapping[str, Preset]) -> None:
        """Use freshly loaded presets from now on."""
        self._presets = dict(presets)

    def names(self) -> tuple[str, ...]:
        return tuple(self._presets)

    def get(self, name: str) -> Preset:
        """The preset ``name``; raises :class:`KeyError` when there is none."""
        return self._presets[name]

    def params(self, name: str, current: Params) -> Params:
        """``current`` with the preset's system prompt and parameters (see
        :meth:`Preset.apply <gpt_tui.core.config.presets.Preset.apply>`). Raises
        :class:`KeyError` for an unknown preset."""
        return self._presets[name].apply(current, self._defaults())

    def save(self, name: str, params: Params) -> Path:
        """Save ``params`` as the preset ``name`` in the presets file; returns the file.

        Raises :class:`~gpt_tui.core.config.presets.PresetError` for a bad name, a name written
        by hand in config.toml (which the app never rewrites), or a file that cannot be
        written.
        """
        problem = preset_name_problem(name)
        if problem is not None:
            raise PresetError(problem[0].upper() + problem[1:] + ".")
        if self._file is None:
            raise PresetError("There is no presets file to save to.")
        preset = preset_from_params(name, params)
        existing = self._presets.get(preset.name)
        if existing is not None and existing.source not in (None, self._file):
            raise PresetError(
                f"'{preset.name}' is written in {existing.source}; edit it there or choose "
                "another name."
            )
        save_preset(self._file, replace(preset, source=self._file))
        self._presets[preset.name] = replace(preset, source=self._file)
        return self._file

    def import_role_file(self, path: Path) -> tuple[Preset, list[str]]:
        """Save a role JSON file (model + system message) as a preset named after the file;
        returns it and notes on what was left out. Raises
        :class:`~gpt_tui.core.config.presets.PresetError`."""
        preset, notes = preset_from_role_file(path)
        defaults = self._defaults()
        self.save(preset.name, preset.apply(defaults, defaults))
        return self._presets[preset.name], notes
