"""``gpt-tui import`` reads at most ``--max-size``; ``gpt-tui export --out`` never replaces a
file. (The rest of these commands: test_conversation_commands.py.)"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gpt_tui.commands import conversations
from gpt_tui.core.interchange.exporting import write_export
from gpt_tui.core.interchange.sources import (
    DEFAULT_MAX_BYTES,
    SourceTooLarge,
    format_size,
    parse_size,
    read_capped,
)
from tests.cli import run_gpt_tui
from tests.unit.test_conversation_commands import FIXTURES, call, home

__all__ = ["home"]  # the fixture, shared with test_conversation_commands


# --- import: a cap on what is read -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1500", 1500),
        ("800M", 800 * 1024**2),
        ("2g", 2 * 1024**3),
        ("64KiB", 65536),
        ("3 MB", 3 * 1024**2),
    ],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size
    assert parse_size(format_size(size)) == size


@pytest.mark.parametrize("text", ["", "0", "-1", "1.5G", "10Q", "G"])
def test_parse_size_refuses_what_is_not_a_size(text: str) -> None:
    with pytest.raises(ValueError, match="not a size"):
        parse_size(text)


def test_read_capped_reads_up_to_the_cap_and_no_further() -> None:
    assert read_capped(io.BytesIO(b"x" * 100), "f", 100) == b"x" * 100

    class Endless(io.RawIOBase):
        read_total = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
            Endless.read_total += len(buffer)
            return len(buffer)

    with pytest.raises(SourceTooLarge, match=r"^/dev/zero is larger than 3M; nothing was imported"):
        read_capped(io.BufferedReader(Endless()), "/dev/zero", 3 * 1024**2)
    assert Endless.read_total <= 3 * 1024**2 + io.DEFAULT_BUFFER_SIZE + 1


def test_import_of_a_file_over_the_default_cap_is_one_line_and_saves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default cap (512M, made 1M here) applies without any flag."""
    monkeypatch.setattr(conversations, "DEFAULT_MAX_BYTES", 1024**2)
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(2 * 1024**2)  # sparse: costs no disk
    code, out, err = call(capsys, "import", str(big), "--data-dir", str(tmp_path / "home"))
    assert (code, out) == (1, "")
    assert err == (
        f"gpt-tui import: {big} is larger than 1M; nothing was imported "
        "(to import it anyway, raise the limit: --max-size 4M)\n"
    )
    assert not (tmp_path / "home").exists()
    assert DEFAULT_MAX_BYTES == 512 * 1024**2


def test_max_size_raises_the_cap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = FIXTURES / "chatgpt_conversations.json"
    size = source.stat().st_size
    home = str(tmp_path / "home")
    code, _, err = call(
        capsys, "import", str(source), "--max-size", str(size - 1), "--data-dir", home
    )
    assert code == 1
    assert "is larger than" in err
    code, out, _ = call(capsys, "import", str(source), "--max-size", str(size), "--data-dir", home)
    assert code == 0
    assert out.startswith("imported 2 conversations")


def test_a_bad_max_size_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = call(capsys, "import", "-", "--max-size", "lots")
    assert code == 2
    assert "argument --max-size: not a size: 'lots' (for example 800M or 2G)" in err


def test_importing_dev_zero_stops_at_the_cap(tmp_path: Path) -> None:
    """``gpt-tui import /dev/zero`` used to read until the memory ran out (8.7 GB seen)."""
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    result = run_gpt_tui(tmp_path, ["import", "/dev/zero", "--max-size", "8M"])
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "gpt-tui import: /dev/zero is larger than 8M; nothing was imported "
        "(to import it anyway, raise the limit: --max-size 32M)\n"
    )


# --- export: never over an existing file --------------------------------------------------------


def test_exporting_into_a_folder_twice_keeps_both_exports(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An export into a folder holding an earlier export used to replace its files."""
    out_dir = tmp_path / "exports"
    args = ["export", "--all", "--format", "md", "--out", str(out_dir), "--data-dir", str(home)]
    code, first, _ = call(capsys, *args)
    assert code == 0
    earlier = {Path(line): Path(line).read_text(encoding="utf-8") for line in first.splitlines()}
    for path in earlier:
        path.write_text("my notes on " + path.name, encoding="utf-8")
    code, second, err = call(capsys, *args)
    assert (code, err) == (0, "")
    again = [Path(line) for line in second.splitlines()]
    assert [p.name for p in again] == [p.stem + "-2.md" for p in earlier]
    for path, text in earlier.items():
        assert path.read_text(encoding="utf-8") == "my notes on " + path.name  # untouched
        assert (out_dir / f"{path.stem}-2.md").read_text(encoding="utf-8") == text
    assert len(list(out_dir.iterdir())) == 6


def test_write_export_numbers_taken_names(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("1")
    (tmp_path / "a-2.md").write_text("2")
    (tmp_path / "noext").mkdir()
    assert write_export(tmp_path, "a.md", "3") == tmp_path / "a-3.md"
    assert write_export(tmp_path, "noext", "x") == tmp_path / "noext-2"
    assert (tmp_path / "a.md").read_text() == "1"
    assert (tmp_path / "a-3.md").stat().st_mode & 0o777 == 0o600
