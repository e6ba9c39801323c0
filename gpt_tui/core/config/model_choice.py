"""Which model new conversations start on: the one rule the app and ``gpt-tui doctor`` share."""

from __future__ import annotations

from dataclasses import dataclass

from gpt_tui.core.config.types import Settings
from gpt_tui.core.domain.conversation import DEMO_MODEL

FALLBACK_MODEL = "gpt-4o-mini"
"""The model of new conversations when a server is set up but no model is named."""


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """The model, and why it is the one (for doctor's report)."""

    model: str
    why: str


def default_model_choice(cli_model: str | None, settings: Settings) -> ModelChoice:
    """``--model``, else config's ``model``, else the first of the profile's ``models``,
    else a common model when a server is set up, else the offline demo."""
    profile = settings.provider
    if cli_model:
        return ModelChoice(cli_model, "--model")
    if settings.model:
        return ModelChoice(settings.model, "model in config.toml")
    if profile.models:
        return ModelChoice(profile.models[0], f"first of {profile.table}.models")
    if profile.configured:
        return ModelChoice(FALLBACK_MODEL, "gpt-tui's default")
    return ModelChoice(DEMO_MODEL, "no server is set up")


def choose_default_model(cli_model: str | None, settings: Settings) -> str:
    """The model of :func:`default_model_choice`."""
    return default_model_choice(cli_model, settings).model
