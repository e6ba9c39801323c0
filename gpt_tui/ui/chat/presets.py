"""Presets on the chat screen: apply one to the open conversation, save its settings as
one, import a role file as one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gpt_tui.core.config.presets import PresetError
from gpt_tui.paths import display_path
from gpt_tui.ui.screens.dialogs import AskText
from gpt_tui.ui.widgets.param_panel import ParamPanel

if TYPE_CHECKING:
    from gpt_tui.ui.screens.chat import ChatScreen


class PresetActions:
    """The chat screen's actions on presets."""

    def __init__(self, screen: ChatScreen) -> None:
        self._screen = screen
        self._presets = screen.services.presets

    def apply(self, name: str) -> None:
        """Give the open conversation the preset's system prompt and parameters."""
        screen = self._screen
        try:
            params = self._presets.params(name, screen.conversation.params)
        except KeyError:
            screen.notify(f"There is no preset named '{name}' any more.", severity="warning")
            return
        screen.services.chat.update_params(screen.conversation, params)
        screen.query_one(ParamPanel).load(params, screen.provider_label())
        screen.after_params_changed()
        screen.notify(f"Applied the preset '{name}'.", title="Preset")

    def ask_save(self) -> None:
        """Ask for a name, then save the open conversation's settings as a preset."""
        screen = self._screen
        errors = screen.query_one(ParamPanel).form().errors()
        if errors:
            screen.notify("\n".join(errors.values()), title="Fix the parameters first")
            return
        screen.app.push_screen(AskText("Save these settings as the preset named:", ""), self._save)

    def _save(self, name: str | None) -> None:
        if not name or not name.strip():
            return
        screen = self._screen
        try:
            path = self._presets.save(name, screen.conversation.params)
        except PresetError as exc:
            screen.notify(str(exc), title="Preset not saved", severity="error", timeout=10)
            return
        screen.query_one(ParamPanel).show_presets(self._presets.names())
        screen.notify(f"Saved the preset '{name.strip()}' to {display_path(path)}.", title="Preset")

    def ask_import_role(self) -> None:
        self._screen.app.push_screen(AskText("Path of the role JSON file:", ""), self._import_role)

    def _import_role(self, path: str | None) -> None:
        if not path or not path.strip():
            return
        screen = self._screen
        try:
            preset, notes = self._presets.import_role_file(Path(path.strip()).expanduser())
        except PresetError as exc:
            screen.notify(str(exc), title="Role not imported", severity="error", timeout=10)
            return
        screen.query_one(ParamPanel).show_presets(self._presets.names())
        extra = f" ({'; '.join(notes)})" if notes else ""
        screen.notify(f"Imported the preset '{preset.name}'{extra}.", title="Preset")
