"""The service that asks servers for windows: once per session, kept on disk, lenient."""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import Path

from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.providers.server_info import ServerWindow
from tests.fakes import RecordingProvider
from tests.unit.test_chat_service import CONFIGURED, make_services

URL = CONFIGURED.url


@dataclass
class WindowProvider(RecordingProvider):
    window: ServerWindow | None = None
    asked: int = 0

    async def server_window(self, model: str) -> ServerWindow | None:
        self.asked += 1
        return self.window


async def test_asked_once_per_session_and_kept_privately(tmp_path: Path) -> None:
    provider = WindowProvider(window=ServerWindow(512, "llama.cpp /props (n_ctx)"))
    services = make_services(tmp_path, provider)
    params = Params(model="tiny-llama")
    assert await services.windows.learn(params) == provider.window
    assert await services.windows.learn(params) == provider.window
    assert provider.asked == 1
    info = services.connections.planner.info("tiny-llama", URL)
    assert info is not None and info.context_window == 512 and info.window_source
    cache = tmp_path / "server_windows.json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    again = make_services(tmp_path, WindowProvider())
    assert again.windows.known(params) == provider.window


async def test_a_broken_cache_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "server_windows.json").write_text("{not json", encoding="utf-8")
    services = make_services(tmp_path, WindowProvider())
    assert services.windows.known(Params(model="m")) is None
    (tmp_path / "server_windows.json").write_text(
        json.dumps({"windows": [{"url": URL, "model": "m", "window": "big"}, 3]}), "utf-8"
    )
    assert make_services(tmp_path, WindowProvider()).windows.known(Params(model="m")) is None


async def test_providers_without_the_question_and_the_demo_are_not_asked(
    tmp_path: Path,
) -> None:
    services = make_services(tmp_path, RecordingProvider())
    assert await services.windows.learn(Params(model="m")) is None
    assert await services.windows.learn(Params(model="demo")) is None
    assert not (tmp_path / "server_windows.json").exists()
