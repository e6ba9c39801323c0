"""Context windows learned from servers, used before the price list's.

A local model is in no price list, so without this its window is unknown. What a server
reported (:mod:`gpt_tui.core.providers.server_info`) is kept here per server URL and
model; a ``[models."NAME"] context_window`` in config.toml still wins. The service that
asks the servers and keeps the answers on disk is
:class:`gpt_tui.core.service.server_windows.ServerWindows`.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from gpt_tui.core.planning.pricing import ModelInfo
from gpt_tui.core.providers.server_info import ServerWindow

FROM_SERVER = "server"


class KnownWindows:
    """Windows servers reported, by ``(base_url, model)``. Thread-safe."""

    def __init__(self) -> None:
        self._windows: dict[tuple[str, str], ServerWindow] = {}
        self._lock = threading.Lock()

    def get(self, base_url: str | None, model: str) -> ServerWindow | None:
        if base_url is None:
            return None
        with self._lock:
            return self._windows.get((base_url, model))

    def put(self, base_url: str, model: str, window: ServerWindow) -> None:
        with self._lock:
            self._windows[(base_url, model)] = window

    def items(self) -> list[tuple[tuple[str, str], ServerWindow]]:
        with self._lock:
            return list(self._windows.items())


def with_server_window(info: ModelInfo | None, learned: ServerWindow) -> ModelInfo:
    """``info`` (or nothing known) with the window the server reported."""
    if info is None:
        return ModelInfo(
            None, None, None, learned.window, None, learned.source, window_source=learned.source
        )
    return replace(info, context_window=learned.window, window_source=learned.source)
