"""Command-line flags and where files go."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gpt_tui import __version__
from gpt_tui.cli import parse_args
from gpt_tui.paths import Paths, display_path


def test_flags() -> None:
    args = parse_args(["--model", "gpt-4o", "--data-dir", "/x"])
    assert args.model == "gpt-4o"
    assert args.data_dir == Path("/x")


def test_version_and_help_exit_cleanly() -> None:
    version = subprocess.run(
        [sys.executable, "-m", "gpt_tui", "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.strip() == f"gpt-tui {__version__}"
    usage = subprocess.run(
        [sys.executable, "-m", "gpt_tui", "--help"], capture_output=True, text=True, check=True
    )
    assert "--data-dir" in usage.stdout
    assert "OPENAI_BASE_URL" in usage.stdout


def test_data_dir_flag_and_env_put_everything_in_one_folder(tmp_path: Path) -> None:
    flag = Paths.resolve(tmp_path / "a", {})
    assert flag == Paths(
        tmp_path / "a" / "config.toml", tmp_path / "a" / "data", tmp_path / "a" / "logs"
    )
    env = Paths.resolve(None, {"GPT_TUI_HOME": str(tmp_path / "b")})
    assert env.config_file == tmp_path / "b" / "config.toml"
    assert Paths.resolve(tmp_path / "a", {"GPT_TUI_HOME": "/elsewhere"}) == flag


def test_platform_dirs_follow_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    paths = Paths.resolve(None, {})
    assert paths.config_file == tmp_path / "cfg" / "gpt-tui" / "config.toml"
    assert paths.data_dir == tmp_path / "share" / "gpt-tui"
    assert not paths.config_file.parent.exists()  # resolving creates nothing


def test_display_path_uses_tilde(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert display_path(tmp_path / "x" / "config.toml") == "~/x/config.toml"
    assert display_path(Path("/etc/x")) == "/etc/x"
