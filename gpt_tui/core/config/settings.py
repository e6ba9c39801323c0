"""The public names of config.toml's handling, from one module.

Each lives in the module of its concern: the types in :mod:`~gpt_tui.core.config.types`,
reading and profile resolution in :mod:`~gpt_tui.core.config.loading`, the value checks in
:mod:`~gpt_tui.core.config.checks`, the line scanner in :mod:`~gpt_tui.core.config.tomllines`
and the first-run writer in :mod:`~gpt_tui.core.config.writing`. Code inside gpt_tui imports
them from there.
"""

from __future__ import annotations

from gpt_tui.core.config.checks import base_url_problem
from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.types import (
    AZURE_ENV_PROFILE,
    DEFAULT_AZURE_API_VERSION,
    DEFAULT_MAX_RETRIES,
    DEFAULT_PROFILE,
    DEFAULT_TIMEOUT,
    ENV_API_KEY,
    ENV_API_VERSION,
    ENV_AZURE_API_KEY,
    ENV_AZURE_ENDPOINT,
    ENV_BASE_URL,
    KEY_SOURCE_FILE,
    KEY_SOURCE_NONE,
    OPENAI_BASE_URL,
    PROVIDER_KINDS,
    ConfigProblem,
    ConfigWriteError,
    Defaults,
    ModelOverride,
    ProfileNotFound,
    ProfileSettings,
    ProviderKind,
    ProviderSettings,
    Settings,
    TitleSettings,
    is_openai_url,
    mask_secret,
    select_profile,
)
from gpt_tui.core.config.writing import save_setup

__all__ = [
    "AZURE_ENV_PROFILE",
    "DEFAULT_AZURE_API_VERSION",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_PROFILE",
    "DEFAULT_TIMEOUT",
    "ENV_API_KEY",
    "ENV_API_VERSION",
    "ENV_AZURE_API_KEY",
    "ENV_AZURE_ENDPOINT",
    "ENV_BASE_URL",
    "KEY_SOURCE_FILE",
    "KEY_SOURCE_NONE",
    "OPENAI_BASE_URL",
    "PROVIDER_KINDS",
    "ConfigProblem",
    "ConfigWriteError",
    "Defaults",
    "ModelOverride",
    "ProfileNotFound",
    "ProfileSettings",
    "ProviderKind",
    "ProviderSettings",
    "Settings",
    "TitleSettings",
    "base_url_problem",
    "is_openai_url",
    "load_settings",
    "mask_secret",
    "save_setup",
    "select_profile",
]
