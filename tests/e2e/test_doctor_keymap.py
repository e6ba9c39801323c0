"""``gpt-tui doctor`` reports key names Textual never delivers, with the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt_tui.commands import doctor


def test_doctor_reports_impossible_keys_with_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tmp_path.mkdir(exist_ok=True)
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"app.quit" = "banana"\n"chat.new" = "ctrl+t"\n', encoding="utf-8")
    config.chmod(0o600)
    doctor.run("doctor", ["--data-dir", str(tmp_path)], {})
    out = capsys.readouterr().out
    [line] = [row.strip() for row in out.splitlines() if "banana" in row]
    assert line.startswith("✗ ")
    assert "config.toml, line 2, keymap.app.quit: 'banana' is not a key name" in line
