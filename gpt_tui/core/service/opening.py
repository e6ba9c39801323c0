"""The services over one data folder and config, built the one way the app and ``ask`` use.

:func:`open_services` reads the settings (with ``--profile`` and ``--model`` applied),
opens the data folder and builds every service over it. The app's composition root
(:func:`gpt_tui.cli.build_app`) and ``gpt-tui ask`` both call it, so a reply sent from the
shell is saved, priced, indexed and counted exactly as one sent from the chat. Nothing here
imports a terminal library: ``ask`` must reach the server quickly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.model_choice import choose_default_model
from gpt_tui.core.config.presets import presets_file_for
from gpt_tui.core.config.types import (
    ConfigProblem,
    ProfileNotFound,
    ProviderSettings,
    Settings,
    select_profile,
)
from gpt_tui.core.domain.schema import utc_now
from gpt_tui.core.domain.tools import ToolCatalog
from gpt_tui.core.planning.planner import RequestPlanner
from gpt_tui.core.planning.pricing import PriceBook
from gpt_tui.core.planning.tokens import TokenCounter
from gpt_tui.core.providers.demo import DemoProvider
from gpt_tui.core.providers.registry import ProviderRegistry
from gpt_tui.core.service.chat import DEFAULT_IDLE_TIMEOUT, ChatService
from gpt_tui.core.service.services import Services, build_services
from gpt_tui.core.store.datadir import DataDir

if TYPE_CHECKING:
    from gpt_tui.core.providers.base import ChatProvider


@dataclass(frozen=True, slots=True)
class Opened:
    """The services, the settings they were built from, and what was wrong in the config."""

    services: Services
    settings: Settings
    problems: list[ConfigProblem]
    data: DataDir


def open_services(
    config_file: Path,
    data_dir: Path,
    env: Mapping[str, str],
    *,
    model: str | None = None,
    profile: str | None = None,
    demo_delay: float | None = None,
    make_provider: Callable[[ProviderSettings], ChatProvider] | None = None,
    now: Callable[[], datetime] | None = None,
    timer: Callable[[], float] | None = None,
    idle_timeout: float | None = None,
) -> Opened:
    """Settings from ``config_file`` and ``env``, the data folder ``data_dir``, and every
    service over them. An unknown ``profile`` is reported in :attr:`Opened.problems` (with
    the key ``--profile``) and the default profile is used."""
    settings, problems = load_settings(config_file, env)
    if profile is not None:
        try:
            settings = select_profile(settings, profile)
        except ProfileNotFound as exc:
            problems.append(ConfigProblem(config_file, None, "--profile", str(exc)))
    clock = now or utc_now
    demo = DemoProvider() if demo_delay is None else DemoProvider(delay=demo_delay)
    providers = (
        ProviderRegistry.from_settings(settings, demo=demo, make_provider=make_provider)
        if make_provider is not None
        else ProviderRegistry.from_settings(settings, demo=demo)
    )
    data = DataDir.open(data_dir)
    default_model = choose_default_model(model, settings)
    services = build_services(
        data.store,
        providers,
        RequestPlanner(
            TokenCounter(),
            PriceBook(settings.models),
            ToolCatalog(settings.tools.values()),
            files=data.attachments,
            schemas=settings.schemas,
        ),
        default_params=ChatService.params_from_defaults(default_model, settings.defaults),
        ledger=data.ledger,
        search_index=data.search_index,
        presets=settings.presets,
        presets_file=presets_file_for(config_file),
        titles=settings.titles,
        budget=settings,
        compare_columns=settings.compare.columns,
        mcp_servers=settings.mcp,
        attachments=data.attachments,
        now=clock,
        timer=timer or time.monotonic,
        idle_timeout=next(
            (t for t in (idle_timeout, settings.idle_timeout) if t is not None),
            DEFAULT_IDLE_TIMEOUT,
        ),
    )
    return Opened(services, settings, problems, data)
