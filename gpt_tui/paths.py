"""Where gpt-tui keeps its files.

By default the platform's directories (``platformdirs``, so ``XDG_CONFIG_HOME`` and
``XDG_DATA_HOME`` relocate them); ``--data-dir DIR`` or ``GPT_TUI_HOME`` put everything
under one folder instead. Computing paths never creates anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "gpt-tui"
HOME_ENV = "GPT_TUI_HOME"


@dataclass(frozen=True, slots=True)
class Paths:
    """The files and folders of one gpt-tui installation."""

    config_file: Path
    """``config.toml``: provider, key, defaults. Written only by the setup screen, mode 0600."""
    data_dir: Path
    """Conversations (one JSON file each), their index and the UI state."""
    log_dir: Path | None = None
    """The rotating log (``gpt-tui.log``); None: next to the data."""

    @property
    def log_file(self) -> Path:
        return (self.log_dir or self.data_dir / "logs") / "gpt-tui.log"

    @classmethod
    def resolve(cls, data_dir: Path | None, env: Mapping[str, str]) -> Paths:
        """The paths for a ``--data-dir`` value (or None) and the process environment."""
        home = data_dir if data_dir is not None else _env_path(env.get(HOME_ENV))
        if home is not None:
            home = home.expanduser().absolute()
            return cls(
                config_file=home / "config.toml", data_dir=home / "data", log_dir=home / "logs"
            )
        import platformdirs

        return cls(
            config_file=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
            / "config.toml",
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )


def _env_path(value: str | None) -> Path | None:
    return Path(value) if value else None


def display_path(path: Path) -> str:
    """``path`` as a user would type it: under the home folder it starts with ``~``."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except (ValueError, RuntimeError):
        return str(path)
