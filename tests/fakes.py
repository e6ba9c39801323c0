"""Test doubles: a provider that records requests and replays scripted streams."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gpt_tui.cli import build_app
from gpt_tui.core.config.types import ProviderSettings
from gpt_tui.core.domain.message import ErrorInfo, Usage
from gpt_tui.core.providers.base import (
    ChatProvider,
    ChatRequest,
    ProviderError,
    StreamEvent,
    TextDelta,
    UsageReported,
)
from gpt_tui.paths import Paths
from gpt_tui.ui.app import GptTuiApp

FROZEN_NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


class FrozenClock:
    """A clock that moves only when told to (one second per call keeps order stable)."""

    def __init__(self, start: datetime = FROZEN_NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class SteppingTimer:
    """A monotonic timer that advances a fixed step per reading (reproducible timings)."""

    def __init__(self, step: float = 0.01) -> None:
        self.step = step
        self.value = 0.0

    def __call__(self) -> float:
        self.value += self.step
        return self.value


@dataclass
class Script:
    """One scripted reply: pieces of text, an optional failure, an optional gate."""

    pieces: Sequence[str | StreamEvent]
    """Text pieces (sent as :class:`TextDelta`) and other stream events, in order."""
    usage: Usage | None = None
    fail_with: ErrorInfo | None = None
    fail_after: int = 0
    gate: asyncio.Event | None = None
    """When set, the stream waits for it after the first piece (lets a test act mid-stream)."""


@dataclass
class RecordingProvider:
    """A :class:`ChatProvider` that records requests and plays scripts in order."""

    scripts: list[Script] = field(default_factory=list)
    requests: list[ChatRequest] = field(default_factory=list)
    label: str = "recording"

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        self.requests.append(request)
        script = self.scripts.pop(0) if self.scripts else Script(["ok"])
        for index, piece in enumerate(script.pieces):
            if script.fail_with is not None and index == script.fail_after:
                raise ProviderError(script.fail_with)
            yield TextDelta(piece) if isinstance(piece, str) else piece
            await asyncio.sleep(0)
            if index == 0 and script.gate is not None:
                await script.gate.wait()
        if script.fail_with is not None and script.fail_after >= len(script.pieces):
            raise ProviderError(script.fail_with)
        if script.usage is not None:
            yield UsageReported(script.usage)

    async def aclose(self) -> None:
        """Nothing to release."""


def paths_in(root: Path) -> Paths:
    return Paths(config_file=root / "config" / "config.toml", data_dir=root / "data")


def make_app(
    root: Path,
    *,
    env: dict[str, str] | None = None,
    provider: RecordingProvider | None = None,
    model: str | None = None,
    clock: FrozenClock | None = None,
    warm_up: bool = False,
    keymap: dict[str, str] | None = None,
    idle_timeout: float | None = None,
    cursor_blink: bool = False,
) -> GptTuiApp:
    """The real app (same factory as the CLI) on a temporary data dir.

    Remote models use ``provider`` when given, else the real OpenAI SDK client.
    """

    def make_provider(settings: ProviderSettings) -> ChatProvider:
        assert provider is not None, "a remote model was used but no provider was given"
        return provider

    return build_app(
        paths_in(root),
        env if env is not None else {},
        model=model,
        demo_delay=0.0,
        make_provider=make_provider if provider is not None else None,
        warm_up=warm_up,
        now=clock or FrozenClock(),
        timer=SteppingTimer(),
        keymap=keymap,
        cursor_blink=cursor_blink,
        idle_timeout=idle_timeout,
    )


def write_config(root: Path, text: str) -> Path:
    """Write ``config.toml`` where :func:`make_app` looks for it."""
    path = paths_in(root).config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path
