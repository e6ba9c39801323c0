"""``gpt-tui doctor``'s line about the model's context window: its size and where it came
from (config.toml, the server, the price list), or that it is unknown and how to set it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gpt_tui.commands.checklist import Report
from gpt_tui.core.config.types import Settings
from gpt_tui.core.domain.conversation import DEMO_MODEL

if TYPE_CHECKING:
    from gpt_tui.core.providers.openai_client import OpenAIProvider


async def check_window(
    report: Report, settings: Settings, provider: OpenAIProvider | None, model: str | None
) -> None:
    """Report ``model``'s window; ``provider`` (None: the server cannot be reached) is
    asked the way the app asks it, and closed afterwards."""
    if not model or model == DEMO_MODEL:
        if provider is not None:
            await provider.aclose()
        return
    what = f"context window of {model}"
    override = settings.models.get(model)
    if override is not None and override.context_window is not None:
        report.ok(f'{what}: {override.context_window:,} tokens (config.toml [models."{model}"])')
        if provider is not None:
            await provider.aclose()
        return
    learned = None
    if provider is not None:
        try:
            learned = await provider.server_window(model)
        finally:
            await provider.aclose()
    if learned is not None:
        report.ok(f"{what}: {learned.window:,} tokens (from the server: {learned.source})")
        if learned.warning:
            report.warn(learned.warning)
        return
    from gpt_tui.core.planning.pricing import PriceBook

    info = PriceBook(settings.models).info(model, settings.provider.url)
    if info is not None and info.context_window:
        report.ok(f"{what}: {info.context_window:,} tokens ({info.source})")
        return
    report.warn(
        f"{what} is unknown: the server does not say and no price list knows it, so an "
        "over-long prompt is only found out when the server refuses it",
        f'set [models."{model}"] context_window = TOKENS in config.toml',
    )
