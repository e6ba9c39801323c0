"""The settings types: what config.toml and the environment resolve to, and the problems
found on the way. Plain frozen data; reading the file is :mod:`gpt_tui.core.config.loading`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urlsplit

from gpt_tui.core.config.mcp_settings import McpServerSettings
from gpt_tui.core.config.presets import Preset
from gpt_tui.core.config.schemas import NamedSchema
from gpt_tui.core.config.tomllines import toml_key
from gpt_tui.core.domain.tools import ToolDefinition

ProviderKind = Literal["openai", "azure", "compatible"]
PROVIDER_KINDS: tuple[ProviderKind, ...] = ("openai", "azure", "compatible")

ENV_API_KEY = "OPENAI_API_KEY"
ENV_BASE_URL = "OPENAI_BASE_URL"
ENV_AZURE_API_KEY = "AZURE_OPENAI_API_KEY"
ENV_AZURE_ENDPOINT = "AZURE_OPENAI_ENDPOINT"
ENV_API_VERSION = "OPENAI_API_VERSION"
KEY_SOURCE_FILE = "config.toml"
KEY_SOURCE_NONE = "none"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 2
OPENAI_BASE_URL = "https://api.openai.com/v1"
"""Where "openai" profiles without a ``base_url`` send requests."""
DEFAULT_AZURE_API_VERSION = "2024-10-21"
"""The Azure OpenAI API version used when neither the profile nor $OPENAI_API_VERSION names one."""
DEFAULT_PROFILE = "default"
"""The name of the profile made of ``[provider]`` and $OPENAI_API_KEY / $OPENAI_BASE_URL."""
AZURE_ENV_PROFILE = "azure"
_MASK = "•••"
_MIN_KEY_LENGTH_TO_HINT = 16
"""Shorter keys are fully masked: showing 7 characters of them would reveal too much."""


def no_strings() -> Mapping[str, str]:
    return MappingProxyType({})


_NOT_WRITTEN: Mapping[str, object] = {"key": False}
"""Field metadata: resolved, not a key of the file."""
_AZURE: Mapping[str, object] = {"azure": True}
"""Field metadata: a key only ``kind = "azure"`` profiles use."""
_TABLE: Mapping[str, object] = {"table": True}
"""Field metadata: written as a TOML table."""


@dataclass(frozen=True, slots=True, repr=False)
class ProviderSettings:
    """One profile: how to reach one server, resolved from the file and the environment.

    Its fields are the keys of a profile's table (:data:`~gpt_tui.core.config.checks.PROFILE_KEYS`
    is derived from them), except those marked as not written; ``api_key`` also names its
    other sources.

    Only the first three fields are required (the others default to "not set"), so
    ``ProviderSettings(base_url, api_key, key_source)`` describes a plain OpenAI-compatible
    server. A profile is one of these (the ``[provider]`` table is the profile "default").
    """

    base_url: str | None
    """``None`` means the SDK default (api.openai.com). For Azure: ``{endpoint}/openai``."""
    api_key: str | None = field(metadata={"also": ("api_key_env", "api_key_cmd")})
    key_source: str = field(metadata=_NOT_WRITTEN)
    """Where the key came from, for humans: "config.toml", "$OPENAI_API_KEY", "$MY_KEY",
    "api_key_cmd (pass)", "ad_token_cmd (az)", "none"."""
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    name: str = field(default=DEFAULT_PROFILE, metadata=_NOT_WRITTEN)
    """The profile's name: "default" for ``[provider]``, NAME for ``[profiles.NAME]``."""
    kind: ProviderKind | None = None
    """As written; ``None`` means "inferred" (see :attr:`effective_kind`)."""
    table: str = field(default="provider", metadata=_NOT_WRITTEN)
    """The config table that holds (or would hold) this profile: "provider", "profiles.NAME"."""
    organization: str | None = None
    project: str | None = None
    endpoint: str | None = field(default=None, metadata=_AZURE)
    """Azure: ``https://RESOURCE.openai.azure.com``."""
    api_version: str | None = field(default=None, metadata=_AZURE)
    """Azure: the ``api-version`` query parameter."""
    deployments: Mapping[str, str] = field(
        default_factory=no_strings, hash=False, metadata={**_AZURE, **_TABLE}
    )
    """Azure: model name → deployment name (a model not listed is its own deployment)."""
    ad_token_cmd: str | None = field(default=None, metadata=_AZURE)
    """Azure: a command printing a Microsoft Entra ID (AD) token, used instead of a key."""
    proxy: str | None = None
    """http://, https://, socks5:// or socks5h:// proxy; ``None``: the environment's."""
    headers: Mapping[str, str] = field(default_factory=no_strings, hash=False, metadata=_TABLE)
    """Extra HTTP headers sent with every request of this profile."""
    models: tuple[str, ...] = ()
    """Model names offered in the model picker for this profile."""
    monthly_usd: Decimal | None = None
    """A monthly spending limit in USD for this profile's requests (``None``: none)."""
    vision: bool | None = None
    """Whether this server's models read images (local models); ``None``: the capability
    table decides by model name."""

    @property
    def configured(self) -> bool:
        """Whether a request can be attempted: a key, or a server URL (local ones need no key)."""
        return bool(self.api_key or self.base_url)

    @property
    def effective_kind(self) -> ProviderKind:
        """:attr:`kind`, or when unset "openai" for api.openai.com and "compatible" otherwise."""
        if self.kind is not None:
            return self.kind
        return "openai" if is_openai_url(self.base_url) else "compatible"

    @property
    def url(self) -> str:
        """Where requests go, for display and error messages."""
        if self.effective_kind == "azure":
            return (self.endpoint or self.base_url or "").rstrip("/")
        return (self.base_url or OPENAI_BASE_URL).rstrip("/")

    @property
    def host(self) -> str:
        """The host (and port) requests go to: "api.openai.com", "localhost:11434"."""
        return urlsplit(self.url).netloc or self.url

    def deployment_for(self, model: str) -> str:
        """Azure: the deployment that serves ``model`` (the model's own name if not mapped)."""
        return self.deployments.get(model, model)

    @property
    def masked_key(self) -> str:
        """The key safe to display: at most its first 3 and last 4 characters; "" if none."""
        return mask_secret(self.api_key)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never be shown: the key and the extra headers' values."""
        values = (self.api_key or "", *self.headers.values())
        return tuple(v for v in values if v)

    def __repr__(self) -> str:
        # Hand-written so the key, header values and proxy passwords cannot leak.
        from gpt_tui.core.config.proxies import mask_url

        proxy = None if self.proxy is None else mask_url(self.proxy)
        return (
            f"ProviderSettings(name={self.name!r}, kind={self.kind!r}, "
            f"base_url={self.base_url!r}, api_key={self.masked_key!r}, "
            f"key_source={self.key_source!r}, timeout={self.timeout!r}, "
            f"max_retries={self.max_retries!r}, proxy={proxy!r}, "
            f"headers={sorted(self.headers)!r}, models={self.models!r})"
        )


def mask_secret(secret: str | None) -> str:
    """A key safe to display: at most its first 3 and last 4 characters; "" if none."""
    if not secret:
        return ""
    if len(secret) < _MIN_KEY_LENGTH_TO_HINT:
        return _MASK
    return f"{secret[:3]}…{secret[-4:]}"


def is_openai_url(url: str | None) -> bool:
    """Whether ``url`` is OpenAI's own API (``None`` is: the SDK default)."""
    if url is None:
        return True
    try:
        return (urlsplit(url).hostname or "").lower() == "api.openai.com"
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class TitleSettings:
    """``[titles]`` in config.toml."""

    generate: bool = False
    """Ask the model for a short title after the first reply (one extra small request)."""
    model: str | None = None
    """The model that writes titles; ``None``: the conversation's own model."""


@dataclass(frozen=True, slots=True)
class BudgetSettings:
    """``[budget]`` in config.toml."""

    monthly_usd: Decimal | None = None
    """What all profiles together may spend in a calendar month, in USD (``None``: no limit).
    Past 80 % the app warns once; a send that may pass it is asked about first."""


@dataclass(frozen=True, slots=True)
class CompareSettings:
    """``[[compare.columns]]`` in config.toml: the columns compare mode starts with."""

    columns: tuple[Preset, ...] = ()
    """Each table's parameters (any key a preset takes), applied over the conversation's."""


@dataclass(frozen=True, slots=True)
class Defaults:
    """Parameters of new conversations; ``None`` means "not set, not sent"."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    system_prompt: str = ""
    more: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    """The other keys a preset takes (penalties, stop, seed, response_format,
    reasoning_effort, context, context_turns), validated the same way; only those set."""


@dataclass(frozen=True, slots=True)
class ModelOverride:
    """A ``[models."name"]`` table: what the user says about one model; ``None`` = not set.

    Prices are in USD per million tokens.
    """

    input_price: Decimal | None = None
    output_price: Decimal | None = None
    cached_input_price: Decimal | None = None
    context_window: int | None = None
    max_output: int | None = None


def _no_models() -> Mapping[str, ModelOverride]:
    return MappingProxyType({})


def _no_profiles() -> Mapping[str, ProviderSettings]:
    return MappingProxyType({})


def _no_servers() -> Mapping[str, McpServerSettings]:
    return MappingProxyType({})


def _no_tools() -> Mapping[str, ToolDefinition]:
    return MappingProxyType({})


def _no_schemas() -> Mapping[str, NamedSchema]:
    return MappingProxyType({})


def _no_presets() -> Mapping[str, Preset]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app takes from ``config.toml`` and the environment.

    Its fields are the keys and tables at the top of the file
    (:data:`~gpt_tui.core.config.checks.ROOT_KEYS` is derived from them), except
    ``config_file``.

    ``provider`` is the profile in use (``profiles[default_profile]``), for code that needs
    only the one server. Built with only ``provider``, the settings have
    that one profile: ``profiles`` and ``default_profile`` are filled in from it.
    """

    model: str | None
    """The ``model`` key; ``None`` if unset (the caller picks a fallback)."""
    provider: ProviderSettings
    defaults: Defaults
    config_file: Path = field(metadata=_NOT_WRITTEN)
    models: Mapping[str, ModelOverride] = field(default_factory=_no_models, hash=False)
    """The ``[models."name"]`` tables by model name (read-only)."""
    profiles: Mapping[str, ProviderSettings] = field(default_factory=_no_profiles, hash=False)
    """Every profile by name, in order: "default" first when it exists, then the
    ``[profiles.NAME]`` tables as written, then "azure" from the environment (read-only)."""
    default_profile: str | None = None
    """The name of the profile in use; never ``None`` once built (``provider.name``)."""
    keymap: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    """``[keymap]``: binding id → keys (the UI checks the ids and reports unknown ones)."""
    idle_timeout: float | None = None
    """Seconds of silence after a reply has started before the stream counts as stalled."""
    presets: Mapping[str, Preset] = field(default_factory=_no_presets, hash=False)
    """``[presets.NAME]`` from config.toml, then those saved from the app in presets.toml."""
    titles: TitleSettings = field(default_factory=TitleSettings)
    """``[titles]``: whether the model writes short titles, and which model."""
    budget: BudgetSettings = field(default_factory=BudgetSettings)
    """``[budget]``: a monthly spending limit over all profiles."""
    schemas: Mapping[str, NamedSchema] = field(default_factory=_no_schemas, hash=False)
    """``[schemas.NAME]``: the valid JSON Schemas for ``response_format = "json_schema:NAME"``."""
    compare: CompareSettings = field(default_factory=CompareSettings)
    """``[[compare.columns]]``: the columns compare mode starts with."""
    tools: Mapping[str, ToolDefinition] = field(default_factory=_no_tools, hash=False)
    """``[tools.NAME]``: functions the model may call, by name (read-only)."""
    mcp: Mapping[str, McpServerSettings] = field(default_factory=_no_servers, hash=False)
    """``[mcp.servers.NAME]``: MCP servers by name (read-only)."""

    def __post_init__(self) -> None:
        profiles = dict(self.profiles) or {self.provider.name: self.provider}
        object.__setattr__(self, "profiles", MappingProxyType(profiles))
        if self.default_profile is None:
            object.__setattr__(self, "default_profile", self.provider.name)

    def profile(self, name: str | None = None) -> ProviderSettings:
        """The profile ``name`` (``None``: the one in use); raises :class:`ProfileNotFound`."""
        if name is None:
            return self.provider
        try:
            return self.profiles[name]
        except KeyError:
            raise ProfileNotFound(name, tuple(self.profiles)) from None


class ProfileNotFound(KeyError):
    """No profile has this name; ``str()`` says which names exist."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        close = difflib.get_close_matches(self.name, self.known, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        names = ", ".join(self.known) or "(none)"
        return (
            f"No profile named '{self.name}'. Profiles: {names}.{hint} "
            f"Define it as [profiles.{toml_key(self.name)}] in config.toml."
        )


def select_profile(settings: Settings, name: str) -> Settings:
    """``settings`` with profile ``name`` in use (for ``--profile NAME``).

    Raises :class:`ProfileNotFound` (a ``KeyError`` whose ``str()`` lists the profiles)
    for an unknown name.
    """
    profile = settings.profile(name)
    return replace(settings, provider=profile, default_profile=name)


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One mistake in the config file, located as precisely as we can."""

    path: Path
    line: int | None
    key: str | None
    """Dotted, e.g. "defaults.temperature"; ``None`` for problems with the whole file."""
    message: str

    def __str__(self) -> str:
        where = str(self.path) if self.line is None else f"{self.path}, line {self.line}"
        return f"{where}, {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigWriteError(Exception):
    """:func:`save_setup` could not save; the message names the file and says why."""
