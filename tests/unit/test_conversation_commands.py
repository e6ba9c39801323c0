"""Tests for ``gpt-tui list``, ``export`` and ``import`` (called through ``run`` and once
through the real entry point)."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gpt_tui.commands.conversations import resolve_ids, run, short_ids
from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import Message
from gpt_tui.core.interchange.exporting import markdown_filename
from gpt_tui.core.interchange.importing import import_data
from gpt_tui.core.store.conversations import ConversationStore
from tests.unit.test_exporting import full_conversation

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"
ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def chat(
    conversation_id: str, title: str, *, minutes: int, model: str = "gpt-4o-mini"
) -> Conversation:
    return Conversation(
        id=conversation_id,
        title=title,
        created_at=T0,
        updated_at=T0 + timedelta(minutes=minutes),
        params=Params(model=model),
        messages=[
            Message(role="user", content=f"prompt of {title}", created_at=T0),
            Message(role="assistant", content="reply", created_at=T0),
        ],
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A --data-dir with three conversations (two share the id prefix "aaaa1111")."""
    directory = tmp_path / "home"
    store = ConversationStore(directory / "data")
    store.save(chat("aaaa1111bbbb2222", "Old one", minutes=0))
    store.save(chat("aaaa1111cccc3333", "Evil \x1b[31mred\x1b[0m\ntitle\u202e", minutes=5))
    store.save(full_conversation("ffff000011112222"))  # updated 9 minutes after T0
    return directory


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    command, *argv = args
    code = run(command, list(argv), {})
    out, err = capsys.readouterr()
    return code, out, err


def local(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).astimezone().strftime("%Y-%m-%d %H:%M")


# --- list ----------------------------------------------------------------------------------


def test_list_prints_one_safe_line_per_conversation_newest_first(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = call(capsys, "list", "--data-dir", str(home))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"ffff0000   {local(9)}    6 msgs  gpt-4o-mini  周报 ✨ Weekly *report*",
        f"aaaa1111c  {local(5)}    2 msgs  gpt-4o-mini  Evil red title",
        f"aaaa1111b  {local(0)}    2 msgs  gpt-4o-mini  Old one",
    ]
    assert "\x1b" not in out


def test_list_json_prints_the_summaries(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(capsys, "list", "--json", "--data-dir", str(home))
    assert code == 0
    data = json.loads(out)
    assert [s["id"] for s in data] == ["ffff000011112222", "aaaa1111cccc3333", "aaaa1111bbbb2222"]
    assert data[0] == {
        "id": "ffff000011112222",
        "title": "周报 ✨ Weekly *report*",
        "updated_at": "2026-01-02T03:13:05+00:00",
        "model": "gpt-4o-mini",
        "message_count": 6,
        "pinned": False,
    }


def test_list_of_an_empty_store_says_so_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = call(capsys, "list", "--data-dir", str(tmp_path / "new"))
    assert (code, out) == (0, "")
    assert "No saved conversations in" in err
    assert not (tmp_path / "new").exists()


def test_list_honours_gpt_tui_home(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run("list", [], {"GPT_TUI_HOME": str(home)})
    assert code == 0
    assert "Old one" in capsys.readouterr().out


def test_short_ids_grow_until_unique() -> None:
    assert short_ids(["abcdefgh12", "abcdefgh34", "zz"]) == {
        "abcdefgh12": "abcdefgh1",
        "abcdefgh34": "abcdefgh3",
        "zz": "zz",
    }


# --- export --------------------------------------------------------------------------------


def test_export_markdown_of_one_conversation_by_prefix_to_stdout(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = call(capsys, "export", "ffff", "--format", "md", "--data-dir", str(home))
    assert (code, err) == (0, "")
    assert out.startswith("# 周报 ✨ Weekly \\*report\\*\n")
    assert "\n## Assistant (gpt-4o)\n" in out


def test_export_json_to_stdout_imports_back_losslessly(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = call(
        capsys, "export", "ffff000011112222", "--format", "json", "--data-dir", str(home)
    )
    assert code == 0
    (conversation,) = import_data(out, source="-", now=NOW).conversations
    assert conversation.to_dict() == full_conversation("ffff000011112222").to_dict()


def test_export_all_json_to_stdout_is_one_document(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = call(capsys, "export", "--all", "--format", "json", "--data-dir", str(home))
    assert code == 0
    data = json.loads(out)
    assert data["format"] == "gpt-tui"
    assert [c["id"] for c in data["conversations"]] == [
        "ffff000011112222",
        "aaaa1111cccc3333",
        "aaaa1111bbbb2222",
    ]


def test_export_all_markdown_needs_out(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = call(capsys, "export", "--all", "--format", "md", "--data-dir", str(home))
    assert (code, out) == (2, "")
    assert "need --out DIR" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_export_to_a_folder_writes_private_files_and_prints_their_paths(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    out_dir = tmp_path / "exports" / "nested"
    code, out, err = call(
        capsys, "export", "--all", "--format", fmt, "--out", str(out_dir), "--data-dir", str(home)
    )
    assert (code, err) == (0, "")
    paths = [Path(line) for line in out.splitlines()]
    assert len(paths) == 3
    assert all(path.parent == out_dir for path in paths)
    assert paths[0].name == (
        markdown_filename(full_conversation("ffff000011112222"))
        if fmt == "md"
        else "周报-✨-Weekly-report-ffff000011112222.json"
    )
    for path in paths:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(p.name for p in paths)
    if fmt == "json":
        result = import_data(paths[0].read_bytes(), source=paths[0].name, now=NOW)
        assert result.conversations[0].to_dict() == full_conversation("ffff000011112222").to_dict()


def test_export_several_ids_as_markdown_into_a_folder(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = call(
        capsys,
        "export",
        "aaaa1111b",
        "aaaa1111c",
        "aaaa1111b",
        "--format",
        "md",
        "--out",
        str(tmp_path / "md"),
        "--data-dir",
        str(home),
    )
    assert code == 0
    names = [Path(line).name for line in out.splitlines()]
    assert names == ["Old-one-aaaa1111bbbb2222.md", "Evil-red-title-aaaa1111cccc3333.md"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["nope", "--format", "md"],
            "no conversation with id 'nope' ('gpt-tui list' shows the ids)",
        ),
        (["aaaa1111", "--format", "md"], "id 'aaaa1111' is ambiguous: it starts 2 conversations"),
        (["--format", "md"], "which conversations?"),
        (["ffff", "--all", "--format", "json"], "give conversation ids or --all, not both"),
    ],
)
def test_export_usage_errors_exit_2_with_a_message(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = call(capsys, "export", *args, "--data-dir", str(home))
    assert (code, out) == (2, "")
    assert err.startswith("gpt-tui export: ")
    assert message in err


def test_export_without_format_is_an_argparse_usage_error(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = call(capsys, "export", "ffff", "--data-dir", str(home))
    assert code == 2
    assert "usage: gpt-tui export" in err
    assert "--format" in err


def test_export_out_that_is_a_file_is_refused(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    code, _, err = call(
        capsys, "export", "ffff", "--format", "md", "--out", str(target), "--data-dir", str(home)
    )
    assert code == 2
    assert "is a file; give a folder" in err


def test_export_all_reports_an_unreadable_file_and_exports_the_rest(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "data" / "conversations" / "aaaa1111bbbb2222.json").write_text("{broken")
    code, out, err = call(capsys, "export", "--all", "--format", "json", "--data-dir", str(home))
    assert code == 1
    assert [c["id"] for c in json.loads(out)["conversations"]] == [
        "ffff000011112222",
        "aaaa1111cccc3333",
    ]
    assert "aaaa1111bbbb2222.json is unreadable" in err
    assert "Traceback" not in err
    assert (home / "data" / "corrupt").is_dir()  # moved aside, never deleted


def test_resolve_ids_prefers_an_exact_match() -> None:
    summaries = [chat("abc", "a", minutes=0).summary(), chat("abcd", "b", minutes=0).summary()]
    assert resolve_ids(["abc", "abcd"], summaries) == ["abc", "abcd"]


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(capsys, "import", "--help")
    assert code == 0
    assert "usage: gpt-tui import" in out


# --- import --------------------------------------------------------------------------------


def test_import_a_chatgpt_export_into_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    source = FIXTURES / "chatgpt_conversations.json"
    code, out, err = call(capsys, "import", str(source), "--data-dir", str(home))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:5] == [
        "imported 2 conversations (8 messages) from a ChatGPT export; skipped 4:",
        "  - conversation 2 ('Cat photo'), message 1: 1 image left out (only text is imported)",
        "  - conversation 2 ('Cat photo'): 1 tool call left out (not supported)",
        "  - conversation 2 ('Cat photo'): 1 tool message left out (not supported)",
        "  - conversation 3 ('Untitled draft'): no messages",
    ]
    assert lines[5].endswith("  Python 装饰器 (4 messages)")
    assert lines[6].endswith("  Cat photo (4 messages)")
    summaries = ConversationStore(home / "data").list_summaries()
    assert sorted(s.title for s in summaries) == ["Cat photo", "Python 装饰器"]
    for path in (home / "data" / "conversations").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_importing_existing_ids_gives_fresh_ids_and_never_overwrites(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "all.json"
    code, out, _ = call(capsys, "export", "--all", "--format", "json", "--data-dir", str(home))
    assert code == 0
    export.write_text(out, encoding="utf-8")
    store_dir = home / "data" / "conversations"
    before = {p.name: p.read_bytes() for p in store_dir.iterdir()}

    code, out, err = call(capsys, "import", str(export), "--data-dir", str(home))
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "imported 3 conversations (10 messages) from a gpt-tui export"
    assert out.count("already exists; imported as ") == 3
    after = {p.name: p.read_bytes() for p in store_dir.iterdir()}
    assert len(after) == 6
    assert all(after[name] == data for name, data in before.items())  # originals untouched
    store = ConversationStore(home / "data")
    titles = sorted(s.title for s in store.list_summaries())
    assert titles.count("Old one") == 2
    copies = [s for s in store.list_summaries() if s.id + ".json" not in before]
    copy = next(store.load(s.id) for s in copies if s.title.startswith("周报"))
    original = full_conversation("ffff000011112222")
    assert {**copy.to_dict(), "id": original.id} == original.to_dict()


def test_import_dry_run_saves_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    code, out, _ = call(
        capsys,
        "import",
        str(FIXTURES / "messages_mixed.json"),
        "--dry-run",
        "--data-dir",
        str(home),
    )
    assert code == 0
    assert out.splitlines()[0] == (
        "would import 1 conversation (4 messages) from a message list; skipped 9:"
    )
    assert "  - item 4: role 'tool' not supported" in out.splitlines()
    assert not home.exists()


def test_import_of_a_role_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    code, out, _ = call(
        capsys, "import", str(FIXTURES / "role_engineer.json"), "--data-dir", str(home)
    )
    assert code == 0
    assert out.startswith("imported 1 conversation (0 messages) from a role file\n")
    (summary,) = ConversationStore(home / "data").list_summaries()
    conversation = ConversationStore(home / "data").load(summary.id)
    assert conversation.params.model == "gpt-3.5-turbo"
    assert conversation.params.system_prompt.startswith("You are an expert in coding")


def test_import_from_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = json.dumps([{"role": "user", "content": "来自管道"}]).encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    code, out, _ = call(capsys, "import", "-", "--data-dir", str(tmp_path / "home"))
    assert code == 0
    assert out.startswith("imported 1 conversation (1 message) from a message list\n")
    assert out.splitlines()[1].endswith("  来自管道 (1 message)")


def test_import_of_a_broken_file_exits_1_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    code, out, err = call(
        capsys, "import", str(FIXTURES / "truncated.json"), "--data-dir", str(home)
    )
    assert (code, out) == (1, "")
    assert err == (
        "gpt-tui import: truncated.json: not valid JSON: Expecting property name enclosed in "
        "double quotes at line 22, column 1\n"
    )
    assert not home.exists()


def test_import_of_a_missing_file_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = call(capsys, "import", str(tmp_path / "nope.json"), "--data-dir", str(tmp_path))
    assert code == 1
    assert "cannot read" in err
    assert "No such file or directory" in err


def test_import_where_everything_is_skipped_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.json"
    source.write_text('[{"role": "tool", "content": "x"}]', encoding="utf-8")
    code, out, _ = call(capsys, "import", str(source), "--data-dir", str(tmp_path / "home"))
    assert code == 1
    assert out.splitlines() == [
        "imported 0 conversations (0 messages) from a message list; skipped 2:",
        "  - item 1: role 'tool' not supported",
        "  - no messages to import",
    ]


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = call(capsys, "delete", "x")
    assert code == 2
    assert "unknown command 'delete'" in err


# --- the real entry point ------------------------------------------------------------------


def test_python_m_gpt_tui_list_runs_the_command(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("GPT_TUI_HOME", "PYTHONSTARTUP")}
    env["PYTHONIOENCODING"] = "utf-8"
    result = subprocess.run(
        [sys.executable, "-m", "gpt_tui", "list", "--data-dir", str(home)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["ffff0000", "aaaa1111c", "aaaa1111b"]
    assert lines[0].endswith("周报 ✨ Weekly *report*")
