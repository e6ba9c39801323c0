"""Asks servers for their models' context windows, in the background, and remembers them.

The answers are used by the planner at once (:class:`KnownWindows`) and kept in the data
folder (``server_windows.json``, 0600), so the next launch knows a local model's window
before any request; each server and model is asked again once per session (a llama-server
restarted with another ``-c`` reports the new size).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from gpt_tui.core.domain.conversation import DEMO_MODEL, Params
from gpt_tui.core.planning.server_windows import KnownWindows
from gpt_tui.core.providers.base import ProviderError
from gpt_tui.core.providers.server_info import ServerWindow
from gpt_tui.core.service.connections import Connections
from gpt_tui.core.store.fsutil import atomic_write_text

log = logging.getLogger(__name__)

CACHE_FILE = "server_windows.json"
_VERSION = 1


class ServerWindows:
    """The windows servers report for the models in use."""

    def __init__(self, connections: Connections, path: Path | None) -> None:
        """``path``: the cache file (None: nothing is kept between launches)."""
        self._connections = connections
        self._known: KnownWindows = connections.planner.windows
        self._path = path
        self._asked: set[tuple[str, str]] = set()
        self._load()

    def known(self, params: Params) -> ServerWindow | None:
        """What the conversation's server reported for its model (this session or before)."""
        return self._known.get(self._connections.base_url_for(params), params.model)

    async def learn(self, params: Params) -> ServerWindow | None:
        """Ask the conversation's server for its model's window (once per session per
        server and model); returns what is known afterwards. Never raises."""
        base_url = self._connections.base_url_for(params)
        model = params.model
        if not base_url or not model or model == DEMO_MODEL or (base_url, model) in self._asked:
            return self.known(params)
        self._asked.add((base_url, model))
        try:
            provider = self._connections.provider_for(params)
        except ProviderError:
            return self.known(params)
        ask = getattr(provider, "server_window", None)
        if ask is None:
            return None
        try:
            found: ServerWindow | None = await ask(model)
        except ProviderError:  # the client cannot be built (a proxy, a key): the turn says why
            return self.known(params)
        except Exception:  # a server's odd answer must never reach the user as a crash
            log.exception("asking %s for the window of %s failed", base_url, model)
            return self.known(params)
        if found is not None and found != self._known.get(base_url, model):
            self._known.put(base_url, model, found)
            self._save()
        log.info("window of %s at %s: %s", model, base_url, found)
        return found or self.known(params)

    def _load(self) -> None:
        if self._path is None:
            return
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # a cache: missing or unreadable means "ask again"
        entries = raw.get("windows") if isinstance(raw, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            url, model, size = entry.get("url"), entry.get("model"), entry.get("window")
            source, warning = entry.get("source"), entry.get("warning")
            if (
                isinstance(url, str)
                and isinstance(model, str)
                and isinstance(size, int)
                and size > 0
                and isinstance(source, str)
            ):
                found = ServerWindow(size, source, warning if isinstance(warning, str) else None)
                self._known.put(url, model, found)

    def _save(self) -> None:
        if self._path is None:
            return
        entries = [
            {
                "url": url,
                "model": model,
                "window": found.window,
                "source": found.source,
                "warning": found.warning,
            }
            for (url, model), found in self._known.items()
        ]
        text = json.dumps({"version": _VERSION, "windows": entries}, indent=1)
        try:
            atomic_write_text(self._path, text + "\n")
        except OSError as exc:
            log.warning("could not save %s: %s", self._path, exc)
