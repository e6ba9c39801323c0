"""The API key appears nowhere but config.toml: not on screen, in exports, logs or errors."""

from __future__ import annotations

import asyncio
import logging
import stat
from pathlib import Path

import pytest

from gpt_tui import logs
from gpt_tui.commands import conversations, doctor
from gpt_tui.core.config.writing import save_setup
from gpt_tui.ui.screens.setup import SetupScreen
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, paths_in
from tests.ui.helpers import type_and_send, wait_idle

KEY = "sk-proj-RECOGNISABLE-7f3a9c1e5b2d4f60a8"


def all_text_under(root: Path) -> dict[Path, str]:
    """Every file under ``root`` as text (bytes decoded leniently)."""
    return {
        path: path.read_bytes().decode("utf-8", "replace")
        for path in root.rglob("*")
        if path.is_file()
    }


async def test_key_never_leaves_the_config_file(
    tmp_path: Path,
    fake_server: FakeOpenAIServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paths = paths_in(tmp_path)
    save_setup(paths.config_file, api_key=KEY, base_url=fake_server.base_url)
    assert stat.S_IMODE(paths.config_file.stat().st_mode) == 0o600
    paths.config_file.write_text(
        paths.config_file.read_text(encoding="utf-8") + "max_retries = 0\ntimeout = 3.0\n",
        encoding="utf-8",
    )
    log_file = tmp_path / "logs" / "gpt-tui.log"
    logger = logging.getLogger(logs.LOGGER)
    before = list(logger.handlers)
    logs.configure(log_file, debug=True, secrets=[KEY])
    (tmp_path / "exports").mkdir()
    monkeypatch.chdir(tmp_path / "exports")  # where the in-app export writes
    screens: list[str] = []
    fake_server.queue(
        ScriptedReply(text="A normal reply."),
        ScriptedReply(
            status=401,
            error_body=f'{{"error": {{"message": "Incorrect API key provided: {KEY}"}}}}',
        ),
        ScriptedReply(text="abcdefgh", chunk_size=4, drop_after_chunks=1),
    )
    try:
        app = make_app(tmp_path, env={}, model="gpt-4o-mini")
        async with app.run_test(size=(160, 48)) as pilot:
            for prompt in ("works", "rejected", "dropped"):
                await type_and_send(app, pilot, prompt)
                await wait_idle(pilot)
                screens.append(app.export_screenshot())
            app.action_setup()  # the setup screen shows where the key comes from
            await pilot.pause()
            assert isinstance(app.screen, SetupScreen)
            screens.append(app.export_screenshot())
            await pilot.press("escape")
            app.screen.export_chat("md")  # type: ignore[attr-defined]
            app.screen.export_chat("json")  # type: ignore[attr-defined]
            screens.append(app.export_screenshot())
            messages = [n.message for n in app._notifications]
    finally:
        for handler in logger.handlers[len(before) :]:
            handler.close()
            logger.removeHandler(handler)
    env = {"GPT_TUI_HOME": str(tmp_path)}
    doctor_args = ["--data-dir", str(tmp_path), "--timeout", "2"]
    await asyncio.to_thread(doctor.run, "doctor", doctor_args, env)
    conversations.run("export", ["--all", "--format", "json", "--data-dir", str(tmp_path)], env)
    conversations.run("list", ["--data-dir", str(tmp_path)], env)
    output = capsys.readouterr()

    assert len(fake_server.requests) == 3
    assert fake_server.requests[0].headers["authorization"] == f"Bearer {KEY}"  # it was used
    for screen in screens:
        assert KEY not in screen
    # The server echoed the key in its error: what reached the screen was scrubbed.
    assert "Incorrect&#160;API&#160;key&#160;provided:&#160;•••" in screens[1]
    assert "sk-…" in screens[3] or "•••" in screens[3]  # shown masked on the setup screen
    assert all(KEY not in message for message in messages)
    assert KEY not in output.out + output.err
    files = all_text_under(tmp_path)
    holders = [path for path, text in files.items() if KEY in text]
    assert holders == [paths.config_file], holders
    assert any(p.suffix == ".md" for p in files)  # the exports were written
    assert log_file.exists()


async def test_full_disk_is_reported_and_damages_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from gpt_tui.core.store import fsutil
    from tests.ui.helpers import screen_of

    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("escape")  # the demo
        await type_and_send(app, pilot, "saved before the disk filled up")
        await wait_idle(pilot)
        before = {p: p.read_bytes() for p in (tmp_path / "data").rglob("*.json")}
        real_write = fsutil.atomic_write_bytes

        def disk_full(path: Path, data: bytes, *, mode: int = 0o644) -> None:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))

        monkeypatch.setattr(fsutil, "atomic_write_bytes", disk_full)
        await type_and_send(app, pilot, "written while the disk is full")
        await wait_idle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("No space left on device" in m for m in messages), messages
        conversation = screen_of(app).conversation
        assert conversation.messages[-2].content == "written while the disk is full"  # kept
        after = {p: p.read_bytes() for p in (tmp_path / "data").rglob("*.json")}
        assert after == before  # nothing already saved was touched
        assert not list((tmp_path / "data").rglob("*.tmp"))
        # Space comes back: the next save writes everything, nothing was lost.
        monkeypatch.setattr(fsutil, "atomic_write_bytes", real_write)
        await type_and_send(app, pilot, "after")
        await wait_idle(pilot)
    saved = next((tmp_path / "data" / "conversations").glob("*.json")).read_text("utf-8")
    assert "written while the disk is full" in saved
