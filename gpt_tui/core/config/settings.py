"""Load and validate ``config.toml``, and write the first-run setup into it.

The file is optional and every key in it is optional::

    # Model for new conversations (--model overrides it).
    model = "gpt-4o-mini"

    [provider]
    # Any OpenAI-compatible server. Default: $OPENAI_BASE_URL, else https://api.openai.com/v1
    base_url = "http://localhost:11434/v1"
    api_key = "sk-..."          # default: $OPENAI_API_KEY
    # api_key_env = "MY_KEY"    # read the key from this environment variable instead
    timeout = 60.0              # seconds (float > 0)
    max_retries = 2             # int >= 0

    [defaults]                  # parameters of new conversations
    temperature = 0.7           # 0..2
    top_p = 1.0                 # 0..1
    max_tokens = 1024           # int >= 1
    system_prompt = "You are a helpful assistant."

    [models."llama3.2"]         # prices and limits of one model, by its exact name
    input_price = 0.0           # USD per million input tokens (number >= 0)
    output_price = 0.0          # USD per million output tokens (number >= 0)
    cached_input_price = 0.0    # USD per million cached input tokens (number >= 0)
    context_window = 128000     # int >= 1
    max_output = 4096           # int >= 1

Precedence: a value in the file wins; the environment fills what the file leaves unset
(``OPENAI_API_KEY``, ``OPENAI_BASE_URL``). ``api_key_env`` replaces ``OPENAI_API_KEY`` as
the source of the key. Empty strings count as unset.

``[models."name"]`` tables describe models the bundled price data does not know (local,
private or new ones) or correct the ones it does: each key set there wins, each key left out
is filled from the price data when the model is known to it. Quote names that contain dots.
Prices are parsed exactly as written (``0.15`` is ``Decimal("0.15")``).

Profiles: several servers side by side, each with its own key, URL, proxy and headers::

    default_profile = "work"        # the profile used unless --profile NAME says otherwise

    [profiles.work]
    kind = "azure"                  # "openai" | "azure" | "compatible" (default: openai for
                                    # api.openai.com or no base_url, else compatible)
    endpoint = "https://my-resource.openai.azure.com"    # Azure (or $AZURE_OPENAI_ENDPOINT)
    api_version = "2024-10-21"      # Azure (or $OPENAI_API_VERSION; this is the default)
    deployments = { "gpt-4o" = "my-gpt4o-deployment" }    # Azure: model → deployment name
    api_key_env = "WORK_AZURE_KEY"  # or api_key = "…", or api_key_cmd = "pass show azure",
    # or an Entra ID token: ad_token_cmd = "az account get-access-token --resource
    #   https://cognitiveservices.azure.com --query accessToken -o tsv" (one line)
    proxy = "http://proxy.corp:3128"   # http://, https://, socks5://, socks5h://
    headers = { "X-Team" = "research" }
    timeout = 60.0
    max_retries = 2
    models = ["gpt-4o", "o3-mini"]  # offered by the model picker

    [profiles.local]
    kind = "compatible"
    base_url = "http://localhost:11434/v1"
    organization = "org-…"          # openai: the OpenAI-Organization / OpenAI-Project headers
    project = "proj_…"

Every profile key is also accepted in ``[provider]``, which is the profile named "default"
(with the environment filling it as described above: it sends ``$OPENAI_API_KEY`` to its
``base_url``, whatever that is, as it always did). Which profile is used:
``default_profile``, else "default" if ``[provider]`` exists, else the first
``[profiles.NAME]``, else one made from the environment alone: "default" from
``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``, "azure" from ``AZURE_OPENAI_ENDPOINT`` (+
``AZURE_OPENAI_API_KEY``, ``OPENAI_API_VERSION``). Those environment profiles are also
listed next to the file's (unless the file defines the same name; a ``[profiles.default]``
next to ``[provider]`` is reported and ignored).

Keys never cross profiles. A ``[profiles.NAME]`` key comes from ``api_key``, else
``api_key_env``, else ``api_key_cmd``; without any, only an "openai" profile at
api.openai.com takes ``$OPENAI_API_KEY`` and only an "azure" profile takes
``$AZURE_OPENAI_API_KEY``: a "compatible" profile never receives OpenAI's key unless told to.
``api_key_cmd`` is split like a shell would but run without one, with no standard input and
a 10 s limit, once per load; the first line it prints is the key, kept in memory only. A
failure is reported on its line. ``ad_token_cmd`` runs when a token is needed (cached until
shortly before it expires). Without ``proxy``, the SDK honours ``HTTPS_PROXY`` /
``HTTP_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY``; a profile's ``proxy`` replaces them for that
profile. SOCKS proxies need the ``socksio`` package (a dependency of gpt-tui).

A bad file must never stop the app: :func:`load_settings` keeps every valid value, drops
each bad one and returns a :class:`ConfigProblem` per mistake, with the line it is on, so
the UI can show precise warnings. API keys never appear in problems or reprs.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import shlex
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeVar, cast
from urllib.parse import urlsplit

import tomli_w

from gpt_tui.core.config.keys import key_problem
from gpt_tui.core.config.presets import Preset, check_value, preset_from_table, presets_file_for
from gpt_tui.core.params.extra import EXTRA_FIELDS, ParamError
from gpt_tui.core.store.fsutil import atomic_write_text

T = TypeVar("T")

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
"""The name of the profile made of $AZURE_OPENAI_ENDPOINT / $AZURE_OPENAI_API_KEY."""

_PROFILE_KEYS: tuple[str, ...] = (
    "kind",
    "base_url",
    "api_key",
    "api_key_env",
    "api_key_cmd",
    "organization",
    "project",
    "endpoint",
    "api_version",
    "deployments",
    "ad_token_cmd",
    "proxy",
    "headers",
    "timeout",
    "max_retries",
    "models",
)
_AZURE_ONLY: tuple[str, ...] = ("endpoint", "api_version", "deployments", "ad_token_cmd")
_PROFILE_TABLES: tuple[str, ...] = ("deployments", "headers")
_MORE_DEFAULTS: tuple[str, ...] = (*EXTRA_FIELDS, "context", "context_turns")
"""``[defaults]`` keys beyond the four classic ones, checked like a preset's."""
_TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "provider": _PROFILE_KEYS,
    "defaults": ("temperature", "top_p", "max_tokens", "system_prompt", *_MORE_DEFAULTS),
    "titles": ("generate", "model"),
}
_MODELS = "models"
_MODEL_KEYS: tuple[str, ...] = (
    "input_price",
    "output_price",
    "cached_input_price",
    "context_window",
    "max_output",
)
_MODEL_SECTION = 'models."name"'
"""How problems and suggestions name any ``[models."name"]`` table."""
_PROFILES = "profiles"
_PROFILE_SECTION = "profiles.NAME"
"""How problems and suggestions name any ``[profiles.NAME]`` table."""
_KEYMAP = "keymap"
_PRESETS = "presets"
_ROOT_KEYS: tuple[str, ...] = (
    "model",
    "default_profile",
    "idle_timeout",
    *_TABLE_KEYS,
    _MODELS,
    _PROFILES,
    _KEYMAP,
    _PRESETS,
)
_KNOWN: dict[str, tuple[str, ...]] = {
    "": _ROOT_KEYS,
    **_TABLE_KEYS,
    _MODEL_SECTION: _MODEL_KEYS,
    _PROFILE_SECTION: _PROFILE_KEYS,
    _PRESETS: (_PRESETS,),
}
"""Known keys per section; ``""`` is the top of the file."""

_MASK = "•••"
_MIN_KEY_LENGTH_TO_HINT = 16
"""Shorter keys are fully masked: showing 7 characters of them would reveal too much."""

_ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_HEADER_NAME_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")

_HEADER = """\
# gpt-tui settings. The setup screen rewrites this file when it saves (comments are lost).
# Other options: model = "..." at the top; [provider] timeout, max_retries, api_key_env,
# proxy, headers; [defaults] temperature, top_p, max_tokens, system_prompt; more servers as
# [profiles.NAME] tables with default_profile = "NAME" (see `gpt-tui doctor`).
"""


def _no_strings() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, repr=False)
class ProviderSettings:
    """One profile: how to reach one server, resolved from the file and the environment.

    The first five fields are all the ``[provider]`` table had; the others default to "not
    set", so ``ProviderSettings(base_url, api_key, key_source)`` still describes a plain
    OpenAI-compatible server. :data:`ProfileSettings` is the same type.
    """

    base_url: str | None
    """``None`` means the SDK default (api.openai.com). For Azure: ``{endpoint}/openai``."""
    api_key: str | None
    key_source: str
    """Where the key came from, for humans: "config.toml", "$OPENAI_API_KEY", "$MY_KEY",
    "api_key_cmd (pass)", "ad_token_cmd (az)", "none"."""
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    name: str = DEFAULT_PROFILE
    """The profile's name: "default" for ``[provider]``, NAME for ``[profiles.NAME]``."""
    kind: ProviderKind | None = None
    """As written; ``None`` means "inferred" (see :attr:`effective_kind`)."""
    table: str = "provider"
    """The config table that holds (or would hold) this profile: "provider", "profiles.NAME"."""
    organization: str | None = None
    project: str | None = None
    endpoint: str | None = None
    """Azure: ``https://RESOURCE.openai.azure.com``."""
    api_version: str | None = None
    """Azure: the ``api-version`` query parameter."""
    deployments: Mapping[str, str] = field(default_factory=_no_strings, hash=False)
    """Azure: model name → deployment name (a model not listed is its own deployment)."""
    ad_token_cmd: str | None = None
    """Azure: a command printing a Microsoft Entra ID (AD) token, used instead of a key."""
    proxy: str | None = None
    """http://, https://, socks5:// or socks5h:// proxy; ``None``: the environment's."""
    headers: Mapping[str, str] = field(default_factory=_no_strings, hash=False)
    """Extra HTTP headers sent with every request of this profile."""
    models: tuple[str, ...] = ()
    """Model names offered in the model picker for this profile."""

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


ProfileSettings = ProviderSettings
"""A profile is a :class:`ProviderSettings` (the ``[provider]`` table is the profile "default")."""


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


def _no_presets() -> Mapping[str, Preset]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app takes from ``config.toml`` and the environment.

    ``provider`` is the profile in use (``profiles[default_profile]``), so code written
    before profiles existed keeps working. Built with only ``provider``, the settings have
    that one profile: ``profiles`` and ``default_profile`` are filled in from it.
    """

    model: str | None
    """The ``model`` key; ``None`` if unset (the caller picks a fallback)."""
    provider: ProviderSettings
    defaults: Defaults
    config_file: Path
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
            f"Define it as [profiles.{_toml_key(self.name)}] in config.toml."
        )


def select_profile(settings: Settings, name: str) -> Settings:
    """``settings`` with profile ``name`` in use (for ``--profile NAME``).

    Raises :class:`ProfileNotFound` (a ``KeyError`` whose ``str()`` lists the profiles)
    for an unknown name.
    """
    profile = settings.profile(name)
    return replace(settings, provider=profile, default_profile=name)


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else '"' + name.replace('"', '\\"') + '"'


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


class _BadValueError(ValueError):
    """A value has the wrong type or range; the message says what is expected."""


# --- loading -------------------------------------------------------------------------------


def load_settings(path: Path, env: Mapping[str, str]) -> tuple[Settings, list[ConfigProblem]]:
    """Read ``path`` (if it exists) and resolve it against ``env``; never raises, never writes.

    A missing file gives the defaults and no problems. An unreadable or unparsable file gives
    the defaults and one problem. Otherwise every valid value is kept and each bad or unknown
    key is reported with its line number. Each profile's ``api_key_cmd`` is run here, once
    (with ``env`` as its environment); a failure is reported like a bad value.
    """
    problems: list[ConfigProblem] = []
    text = _read_text(path, problems)
    data = {} if text is None else _parse(path, text, problems)
    check = _Checker(path, text or "", problems)

    check.unknown_keys(data, ())
    model = check.value(data, ("model",), _text)
    defaults = check.table(data, "defaults")
    profiles, default_name = _profiles(check, data, env)

    settings = Settings(
        model=model,
        provider=profiles[default_name],
        defaults=Defaults(
            temperature=check.value(defaults, ("defaults", "temperature"), _temperature),
            top_p=check.value(defaults, ("defaults", "top_p"), _top_p),
            max_tokens=check.value(defaults, ("defaults", "max_tokens"), _max_tokens),
            system_prompt=check.value(defaults, ("defaults", "system_prompt"), _prompt) or "",
            more=_more_defaults(check, defaults),
        ),
        config_file=path,
        models=_model_overrides(check, data),
        profiles=profiles,
        default_profile=default_name,
        keymap=_keymap(check, data),
        idle_timeout=check.value(
            data, ("idle_timeout",), _real("a number of seconds > 0", lambda v: v > 0)
        ),
        presets=_all_presets(check, data),
        titles=_titles(check, data),
    )
    return settings, problems


def _more_defaults(check: _Checker, table: Mapping[str, object]) -> Mapping[str, Any]:
    """The preset-style keys of ``[defaults]``, each bad one reported on its line."""
    found: dict[str, Any] = {}
    for key in _MORE_DEFAULTS:

        def checked(value: object, key: str = key) -> Any:
            try:
                return check_value(key, value)
            except ParamError as exc:
                raise _BadValueError(str(exc)) from exc

        value = check.value(table, ("defaults", key), checked)
        if value is not None:
            found[key] = value
    return MappingProxyType(found)


def _titles(check: _Checker, data: Mapping[str, object]) -> TitleSettings:
    """``[titles]``: ``generate`` (true/false, default false) and an optional ``model``."""
    table = check.table(data, "titles")
    generate = check.value(table, ("titles", "generate"), _flag)
    return TitleSettings(
        generate=bool(generate), model=check.value(table, ("titles", "model"), _text)
    )


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _BadValueError(f"must be true or false (got {_kind(value)})")
    return value


def _presets(check: _Checker, data: Mapping[str, object]) -> dict[str, Preset]:
    """The ``[presets.NAME]`` tables of one file; each bad value is reported on its line."""
    found = check.table(data, _PRESETS, known=False)
    presets: dict[str, Preset] = {}
    for name, raw in found.items():
        where = (_PRESETS, name)
        if not isinstance(raw, dict):
            message = f"must be a table, written [presets.{_toml_key(name)}] (got {_kind(raw)})"
            check.report(where, message)
            continue
        if not name.strip():
            check.report(where, "a preset needs a name, e.g. [presets.engineer]")
            continue

        def report(key: str, message: str, where: tuple[str, ...] = where) -> None:
            check.report((*where, key), message)

        table = cast(dict[str, object], raw)
        presets[name] = preset_from_table(name, table, report, check.path)
    return presets


def _all_presets(check: _Checker, data: Mapping[str, object]) -> Mapping[str, Preset]:
    """Presets from config.toml, then from presets.toml next to it (config.toml's win)."""
    presets = _presets(check, data)
    saved_path = presets_file_for(check.path)
    problems: list[ConfigProblem] = []
    text = _read_text(saved_path, problems)
    data = {} if text is None else _parse(saved_path, text, problems)
    for problem in problems:
        message = problem.message.replace("using the defaults for everything", "ignored")
        check.problems.append(replace(problem, message=message))
    saved = _Checker(saved_path, text or "", check.problems)
    saved.unknown_keys({k: v for k, v in data.items() if k != _PRESETS}, (), section=_PRESETS)
    for name, preset in _presets(saved, data).items():
        if name in presets:
            message = f"also defined in {check.path.name}, which wins; this one is ignored"
            saved.report((_PRESETS, name), message)
        else:
            presets[name] = preset
    return MappingProxyType(presets)


def _keymap(check: _Checker, data: Mapping[str, object]) -> Mapping[str, str]:
    """``[keymap]``: each value must be a key or comma-separated keys, e.g. "ctrl+s"."""
    table = check.table(data, _KEYMAP, known=False)
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        if isinstance(keys, str) and keys.strip():
            if (problem := key_problem(keys)) is not None:
                check.report((_KEYMAP, binding_id), problem)
                continue
            keymap[binding_id] = keys.strip()
        else:
            check.report(
                (_KEYMAP, binding_id), f'must be a key such as "ctrl+s" (got {_kind(keys)})'
            )
    return MappingProxyType(keymap)


def _profiles(
    check: _Checker, data: Mapping[str, object], env: Mapping[str, str]
) -> tuple[dict[str, ProviderSettings], str]:
    """Every profile by name, and the name of the one to use.

    Precedence: ``[provider]`` (with $OPENAI_API_KEY / $OPENAI_BASE_URL filling what it
    leaves unset) is the profile "default"; ``[profiles.NAME]`` tables follow; without a
    "default" in the file, $OPENAI_API_KEY / $OPENAI_BASE_URL make one, and
    $AZURE_OPENAI_ENDPOINT makes "azure" unless the file has a profile of that name. The
    profile in use is ``default_profile``, else "default" if ``[provider]`` exists, else
    the first ``[profiles.NAME]``, else the first from the environment.
    """
    has_provider = isinstance(data.get("provider"), dict)
    provider = check.table(data, "provider")
    tables = _profile_tables(check, data)
    if has_provider and DEFAULT_PROFILE in tables:
        message = (
            f"the [provider] table is already the profile '{DEFAULT_PROFILE}'; this table is "
            "ignored (give it another name, or move its values into [provider])"
        )
        check.report((_PROFILES, DEFAULT_PROFILE), message)
        del tables[DEFAULT_PROFILE]
    openai_env = any(env.get(name, "").strip() for name in (ENV_API_KEY, ENV_BASE_URL))
    azure_env = bool(env.get(ENV_AZURE_ENDPOINT, "").strip()) and AZURE_ENV_PROFILE not in tables

    profiles: dict[str, ProviderSettings] = {}
    if has_provider or (openai_env and DEFAULT_PROFILE not in tables):
        profiles[DEFAULT_PROFILE] = _read_profile(
            check, DEFAULT_PROFILE, ("provider",), provider, env, legacy=True
        )
    for name, table in tables.items():
        profiles[name] = _read_profile(check, name, (_PROFILES, name), table, env, legacy=False)
    if azure_env:
        where = (_PROFILES, AZURE_ENV_PROFILE)
        profiles[AZURE_ENV_PROFILE] = _read_profile(
            check, AZURE_ENV_PROFILE, where, {}, env, legacy=False, kind="azure"
        )
    if not profiles:  # nothing configured: an empty "default", as before profiles existed
        profiles[DEFAULT_PROFILE] = _read_profile(
            check, DEFAULT_PROFILE, ("provider",), {}, env, legacy=True
        )

    if _holds_key(data) or _holds_key(provider):  # a misplaced key is still a secret
        _check_permissions(check.path, check.problems, "provider.api_key")
    else:
        holder = next((name for name, table in tables.items() if _holds_key(table)), None)
        if holder is not None:
            _check_permissions(check.path, check.problems, f"{_PROFILES}.{holder}.api_key")

    requested = check.value(data, ("default_profile",), _text)
    if requested is not None and requested not in profiles:
        check.report(("default_profile",), str(ProfileNotFound(requested, tuple(profiles))))
        requested = None
    if requested is not None:
        return profiles, requested
    if has_provider:
        return profiles, DEFAULT_PROFILE
    return profiles, next(iter(tables), next(iter(profiles)))


def _profile_tables(check: _Checker, data: Mapping[str, object]) -> dict[str, dict[str, object]]:
    """The ``[profiles.NAME]`` tables that are tables, without their unknown keys."""
    found = check.table(data, _PROFILES, known=False)
    tables: dict[str, dict[str, object]] = {}
    for name, raw in found.items():
        where = (_PROFILES, name)
        if not isinstance(raw, dict):
            message = f"must be a table, written [profiles.{_toml_key(name)}] (got {_kind(raw)})"
            check.report(where, message)
            continue
        if not name.strip():
            check.report(where, "a profile needs a name, e.g. [profiles.work]")
            continue
        table = cast(dict[str, object], raw)
        for key, value in table.items():
            if isinstance(value, dict) and key not in _PROFILE_TABLES:
                dotted = f"{name}.{key}"
                message = (
                    f"unknown table '{key}' (if the profile is {dotted}, quote its name: "
                    f'[profiles."{dotted}"])'
                )
                check.report((*where, key), message)
        plain = {k: v for k, v in table.items() if not isinstance(v, dict) or k in _PROFILE_TABLES}
        check.unknown_keys(plain, where, section=_PROFILE_SECTION)
        tables[name] = {k: v for k, v in plain.items() if k in _PROFILE_KEYS}
    return tables


def _read_profile(
    check: _Checker,
    name: str,
    where: tuple[str, ...],
    table: Mapping[str, object],
    env: Mapping[str, str],
    *,
    legacy: bool,
    kind: ProviderKind | None = None,
) -> ProviderSettings:
    """One profile from its table; ``legacy`` is the ``[provider]`` table's env fallbacks."""

    def get(key: str, parse: Callable[[object], T]) -> T | None:
        return check.value(table, (*where, key), parse)

    kind = get("kind", _provider_kind) or kind
    base_url = get("base_url", _url)
    endpoint = get("endpoint", _url)
    api_version = get("api_version", _text)
    deployments = _string_table(check, table, (*where, "deployments"), "deployment names")
    ad_token_cmd = get("ad_token_cmd", _command)
    if kind == "azure":
        if base_url is not None:
            message = (
                'not used when kind = "azure": set endpoint = '
                '"https://RESOURCE.openai.azure.com" instead'
            )
            check.report((*where, "base_url"), message)
        endpoint = endpoint or _env_url(env, ENV_AZURE_ENDPOINT)
        api_version = api_version or env.get(ENV_API_VERSION, "").strip()
        api_version = api_version or DEFAULT_AZURE_API_VERSION
        if endpoint is None:
            message = (
                'kind = "azure" needs endpoint = "https://RESOURCE.openai.azure.com" '
                f"(or ${ENV_AZURE_ENDPOINT})"
            )
            check.report(where, message)
        base_url = None if endpoint is None else f"{endpoint.rstrip('/')}/openai"
    else:
        for key in _AZURE_ONLY:
            if key in table:
                check.report((*where, key), 'only used when kind = "azure"; ignored')
        endpoint = api_version = ad_token_cmd = None
        deployments = _no_strings()
        if base_url is None and legacy:
            base_url = _env_url(env, ENV_BASE_URL)
        if kind == "compatible" and base_url is None:
            message = 'kind = "compatible" needs base_url = "http://HOST:PORT/v1"'
            check.report((*where, "kind"), message)

    effective: ProviderKind = kind or ("openai" if is_openai_url(base_url) else "compatible")
    if effective == "azure":
        fallback: str | None = ENV_AZURE_API_KEY
    elif legacy or (effective == "openai" and is_openai_url(base_url)):
        fallback = ENV_API_KEY  # [provider] sends $OPENAI_API_KEY to any URL, as it always did
    else:
        fallback = None  # never hand OpenAI's key to another server unless told to
    api_key, key_source, explicit = _resolve_key(
        check, table, where, env, fallback=fallback, ad_token_cmd=ad_token_cmd
    )
    if ad_token_cmd is not None:
        if explicit:
            check.report((*where, "ad_token_cmd"), "ignored because a key is also set")
            ad_token_cmd = None
        else:
            from gpt_tui.core.config.secretcmd import program_name

            api_key, key_source = None, f"ad_token_cmd ({program_name(ad_token_cmd)})"

    timeout = get("timeout", _timeout)
    max_retries = get("max_retries", _max_retries)
    return ProviderSettings(
        base_url=base_url,
        api_key=api_key,
        key_source=key_source,
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        max_retries=DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
        name=name,
        kind=kind,
        table=".".join(where) if where[0] == _PROFILES else "provider",
        organization=get("organization", _text),
        project=get("project", _text),
        endpoint=endpoint,
        api_version=api_version,
        deployments=deployments,
        ad_token_cmd=ad_token_cmd,
        proxy=get("proxy", _proxy),
        headers=_string_table(check, table, (*where, "headers"), "header values", header=True),
        models=get("models", _model_names) or (),
    )


def _env_url(env: Mapping[str, str], name: str) -> str | None:
    """An URL from the environment, if it is one (the file's values are checked elsewhere)."""
    url = env.get(name, "").strip()
    return url if url and base_url_problem(url) is None else None


def _resolve_key(
    check: _Checker,
    table: Mapping[str, object],
    where: tuple[str, ...],
    env: Mapping[str, str],
    *,
    fallback: str | None,
    ad_token_cmd: str | None,
) -> tuple[str | None, str, bool]:
    """The key, where it came from, and whether the profile names its own source.

    ``api_key`` wins over ``api_key_env``, which wins over ``api_key_cmd``; without any,
    the ``fallback`` environment variable (none when an ``ad_token_cmd`` is set).
    """
    from_file = check.value(table, (*where, "api_key"), _secret)
    env_name = check.value(table, (*where, "api_key_env"), _env_name)
    command = check.value(table, (*where, "api_key_cmd"), _command)
    if from_file is not None:
        if env_name is not None:
            check.report((*where, "api_key_env"), "ignored because api_key is also set")
        if command is not None:
            check.report((*where, "api_key_cmd"), "ignored because api_key is also set")
        return from_file, KEY_SOURCE_FILE, True
    if env_name is not None:
        if command is not None:
            check.report((*where, "api_key_cmd"), "ignored because api_key_env is also set")
        key = env.get(env_name, "").strip() or None
        if key is None:
            message = f"the environment variable ${env_name} is not set"
            check.report((*where, "api_key_env"), message)
            return None, KEY_SOURCE_NONE, True
        return key, f"${env_name}", True
    if command is not None:
        from gpt_tui.core.config.secretcmd import (
            SecretCommandError,
            program_name,
            run_secret_command,
        )

        try:
            return run_secret_command(command, env), f"api_key_cmd ({program_name(command)})", True
        except SecretCommandError as exc:
            check.report((*where, "api_key_cmd"), f"{exc}; no key for this profile")
            return None, KEY_SOURCE_NONE, True
    if fallback is None or ad_token_cmd is not None:
        return None, KEY_SOURCE_NONE, False
    key = env.get(fallback, "").strip() or None
    return key, KEY_SOURCE_NONE if key is None else f"${fallback}", False


def _model_overrides(check: _Checker, data: Mapping[str, object]) -> Mapping[str, ModelOverride]:
    """The ``[models."name"]`` tables with a valid value; each mistake is reported."""
    models = check.table(data, _MODELS, known=False)
    overrides: dict[str, ModelOverride] = {}
    for name, raw in models.items():
        where = (_MODELS, name)
        if not isinstance(raw, dict):
            message = f'must be a table, written [models."{name}"] (got {_kind(raw)})'
            check.report(where, message)
            continue
        table = cast(dict[str, object], raw)
        for key, value in table.items():
            if isinstance(value, dict):  # [models.llama3.2] is the table "2" inside "llama3"
                dotted = f"{name}.{key}"
                message = (
                    f"unknown table '{key}' (if the model is {dotted}, quote its name: "
                    f'[models."{dotted}"])'
                )
                check.report((*where, key), message)
        plain = {k: v for k, v in table.items() if not isinstance(v, dict)}
        check.unknown_keys(plain, where, section=_MODEL_SECTION)
        override = ModelOverride(
            input_price=check.value(table, (*where, "input_price"), _price),
            output_price=check.value(table, (*where, "output_price"), _price),
            cached_input_price=check.value(table, (*where, "cached_input_price"), _price),
            context_window=check.value(table, (*where, "context_window"), _token_limit),
            max_output=check.value(table, (*where, "max_output"), _token_limit),
        )
        if override != ModelOverride():  # a table with no valid value says nothing
            overrides[name] = override
    return MappingProxyType(overrides)


def _read_text(path: Path, problems: list[ConfigProblem]) -> str | None:
    """The file's text, or ``None`` if it is missing or unreadable (reported)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        problems.append(_file_problem(path, None, f"cannot read the file ({reason})"))
        return None
    try:
        return raw.decode("utf-8-sig")  # tolerate the BOM some Windows editors add
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (invalid byte at offset {exc.start})"
        problems.append(_file_problem(path, None, message))
        return None


def _parse(path: Path, text: str, problems: list[ConfigProblem]) -> dict[str, Any]:
    """The parsed TOML, or ``{}`` with one problem if it does not parse."""
    try:
        return tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or int() refusing a 5000-digit number
        line, reason = _syntax_location(exc, text)
        problems.append(_file_problem(path, line, f"not valid TOML: {reason}"))
    except RecursionError:
        problems.append(_file_problem(path, None, "not valid TOML: nested too deeply"))
    return {}


def _file_problem(path: Path, line: int | None, message: str) -> ConfigProblem:
    return ConfigProblem(path, line, None, f"{message}; using the defaults for everything")


_LOCATION_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_AT_END = " (at end of document)"


def _syntax_location(exc: ValueError, text: str) -> tuple[int | None, str]:
    """The line number of a TOML error and its message without the location suffix."""
    message = str(exc)
    lineno = getattr(exc, "lineno", None)  # Python 3.14+
    match = _LOCATION_RE.search(message)
    if match:
        message = f"{message[: match.start()]} (column {match.group(2)})"
        lineno = lineno or int(match.group(1))
    elif message.endswith(_AT_END):
        message = f"{message.removesuffix(_AT_END)} at the end of the file"
        lineno = lineno or len(text.rstrip("\n").split("\n"))
    return (lineno if isinstance(lineno, int) else None), message


def _holds_key(table: Mapping[str, object]) -> bool:
    key = table.get("api_key")
    return isinstance(key, str) and bool(key.strip())


def _check_permissions(path: Path, problems: list[ConfigProblem], key: str) -> None:
    """Warn when a file holding an API key can be read by other users."""
    if os.name != "posix":
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if mode & 0o077:
        message = (
            f"this file holds an API key but other users can access it (mode {mode:o}); "
            f"run: chmod 600 {shlex.quote(str(path))}"
        )
        problems.append(ConfigProblem(path, None, key, message))


@dataclass(slots=True)
class _Checker:
    """Validates values of one parsed file and records problems with their line numbers."""

    path: Path
    text: str
    problems: list[ConfigProblem]

    def report(self, where: tuple[str, ...], message: str) -> None:
        line = _find_line(self.text, where)
        self.problems.append(ConfigProblem(self.path, line, ".".join(where), message))

    def value(
        self, table: Mapping[str, object], where: tuple[str, ...], check: Callable[[object], T]
    ) -> T | None:
        """``check(table[key])``, or ``None`` if the key is absent or its value is bad."""
        if where[-1] not in table:
            return None
        try:
            return check(table[where[-1]])
        except _BadValueError as exc:
            self.report(where, str(exc))
            return None

    def table(
        self, data: Mapping[str, object], name: str, *, known: bool = True
    ) -> Mapping[str, object]:
        """The table ``[name]`` (empty if absent or not a table).

        With ``known`` its unknown keys are reported; without, its keys are free (names).
        """
        value = data.get(name, {})
        if not isinstance(value, dict):
            written = {_MODELS: '[models."..."]', _PROFILES: "[profiles.NAME]"}.get(
                name, f"[{name}]"
            )
            self.report((name,), f"must be a table, written {written} (got {_kind(value)})")
            return {}
        table = cast(dict[str, object], value)
        if known:
            self.unknown_keys(table, (name,))
        return table

    def unknown_keys(
        self, table: Mapping[str, object], where: tuple[str, ...], section: str | None = None
    ) -> None:
        """Report keys not known in ``section`` (default: the dotted ``where``)."""
        section = ".".join(where) if section is None else section
        for key, value in table.items():
            if key not in _KNOWN[section]:
                self.report((*where, key), _unknown_message(section, key, value))


def _unknown_message(section: str, key: str, value: object) -> str:
    """ "unknown key 'x'", with the closest known key if one is close, in any section."""
    what = "table" if isinstance(value, dict) else "key"
    message = f"unknown {what} '{key}'"
    for other, keys in _KNOWN.items():  # the right key in the wrong table says so first
        if other != section and key in keys:
            place = f"in [{other}]" if other else "at the top of the file, before any [table]"
            return f"{message} (did you mean '{key}' {place}?)"
    close = difflib.get_close_matches(key, _KNOWN[section], n=1)
    if close:
        return f"{message} (did you mean '{close[0]}'?)"
    for other, keys in _KNOWN.items():
        close = difflib.get_close_matches(key, keys, n=1, cutoff=0.8)
        if other != section and close:
            place = f"in [{other}]" if other else "at the top of the file, before any [table]"
            return f"{message} (did you mean '{close[0]}' {place}?)"
    return message


# --- value checks: return the clean value (None = unset) or raise _BadValueError ---------------


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        raise _BadValueError(f"must be a string (got {_kind(value)})")
    return value.strip() or None


def _secret(value: object) -> str | None:
    """Like :func:`_text`; kept apart to make clear the value is never echoed."""
    return _text(value)


def _prompt(value: object) -> str:
    if not isinstance(value, str):
        raise _BadValueError(f"must be a string (got {_kind(value)})")
    return value


def _url(value: object) -> str | None:
    url = _text(value)
    if url is None:
        return None
    problem = base_url_problem(url)
    if problem:
        raise _BadValueError(problem)
    return url


def _env_name(value: object) -> str | None:
    name = _text(value)
    if name is not None and not _ENV_NAME_RE.fullmatch(name):
        # Not echoed: a pasted key is the likeliest mistake here.
        raise _BadValueError("must be the name of an environment variable, like MY_KEY")
    return name


def _real(expected: str, ok: Callable[[float], bool]) -> Callable[[object], float]:
    """A check for a finite number (int or float, not bool) for which ``ok`` holds."""

    def check(value: object) -> float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:
                number = math.inf
            if math.isfinite(number) and ok(number):
                return number
        raise _BadValueError(f"must be {expected} (got {_show(value)})")

    return check


def _whole(minimum: int) -> Callable[[object], int]:
    """A check for an integer (not bool, not float) of at least ``minimum``."""

    def check(value: object) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
            return value
        raise _BadValueError(f"must be a whole number of at least {minimum} (got {_show(value)})")

    return check


_temperature = _real("a number from 0 to 2", lambda x: 0 <= x <= 2)
_top_p = _real("a number from 0 to 1", lambda x: 0 <= x <= 1)
_timeout = _real("a number of seconds greater than 0", lambda x: x > 0)
_max_tokens = _whole(1)
_max_retries = _whole(0)
_token_limit = _whole(1)
_non_negative = _real("a price in USD per million tokens, at least 0", lambda x: x >= 0)


def _price(value: object) -> Decimal:
    """A price in USD per million tokens: a finite number >= 0, kept exactly as written."""
    _non_negative(value)
    # str() gives the decimal text TOML read (0.15, not the float's binary expansion).
    return Decimal(str(value)).copy_abs()  # copy_abs: -0.0 is 0


def _provider_kind(value: object) -> ProviderKind:
    kind = _text(value) or ""
    for known in PROVIDER_KINDS:
        if kind.lower() == known:
            return known
    raise _BadValueError(f'must be "openai", "azure" or "compatible" (got {_show(value)})')


def _command(value: object) -> str | None:
    """A command line for ``api_key_cmd`` / ``ad_token_cmd``; never echoed (may hold a secret)."""
    command = _text(value)
    if command is None:
        return None
    from gpt_tui.core.config.secretcmd import split_command

    try:
        split_command(command)
    except ValueError as exc:
        raise _BadValueError(f"the command {exc}") from None
    return command


def _proxy(value: object) -> str | None:
    url = _text(value)
    if url is None:
        return None
    from gpt_tui.core.config.proxies import SOCKS_PACKAGE_HINT, proxy_url_problem, socks_available

    problem = proxy_url_problem(url)
    if problem:
        raise _BadValueError(problem)  # not echoed: proxy URLs may carry a password
    if url.lower().startswith("socks") and not socks_available():
        raise _BadValueError(f"{SOCKS_PACKAGE_HINT}; until then requests go direct")
    return url


def _model_names(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        items = cast(list[object], value)
        if all(isinstance(item, str) and item.strip() for item in items):
            names = (cast(str, item).strip() for item in items)
            return tuple(dict.fromkeys(names))  # without duplicates, in order
    raise _BadValueError('must be a list of model names, e.g. ["gpt-4o", "o3-mini"]')


def _string_table(
    check: _Checker,
    table: Mapping[str, object],
    where: tuple[str, ...],
    what: str,
    *,
    header: bool = False,
) -> Mapping[str, str]:
    """A table of non-empty one-line strings (``deployments``, ``headers``); bad entries are
    reported and dropped. Header values are never echoed: they often carry credentials."""
    if where[-1] not in table:
        return _no_strings()
    raw = table[where[-1]]
    if not isinstance(raw, dict):
        check.report(where, f"must be a table of {what} (got {_kind(raw)})")
        return _no_strings()
    found: dict[str, str] = {}
    for key, value in cast(dict[str, object], raw).items():
        if header and not _HEADER_NAME_RE.fullmatch(key):
            check.report((*where, key), "is not a valid HTTP header name")
            continue
        if not isinstance(value, str) or not value.strip() or "\r" in value or "\n" in value:
            got = _kind(value) if header or not isinstance(value, str) else _show(value)
            check.report((*where, key), f"must be a non-empty one-line string (got {got})")
            continue
        found[key] = value.strip()
    return MappingProxyType(found)


def base_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a server address, or ``None`` if it can (for the setup screen)."""
    if not url.lower().startswith(("http://", "https://")):
        return "must start with http:// or https://"
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return None if host else "must include a host name, e.g. http://localhost:11434/v1"


def _kind(value: object) -> str:
    """The TOML type of ``value`` in words; never the value itself."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return "a date/time"


def _show(value: object, limit: int = 40) -> str:
    """A short TOML-like rendering of a non-secret value for a problem message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) > 10**limit:
        return "a huge integer"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        shown = value if len(value) <= limit else value[: limit - 1] + "…"
        return '"' + shown.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return _kind(value)


# --- finding the line of a key ---------------------------------------------------------------

_PART = r"""[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'"""
_DOTTED = rf"(?:{_PART})(?:\s*\.\s*(?:{_PART}))*"
_PART_RE = re.compile(_PART)
_HEADER_RE = re.compile(rf"\s*\[\[?\s*({_DOTTED})\s*\]")
_ASSIGN_RE = re.compile(rf"\s*({_DOTTED})\s*=")


def line_in_file(path: Path, where: tuple[str, ...]) -> int | None:
    """The line of ``path`` defining the dotted key ``where``: for problems found after
    loading (the UI checks ``[keymap]`` binding ids against its widgets)."""
    try:
        return _find_line(path.read_text(encoding="utf-8"), where)
    except (OSError, UnicodeDecodeError):
        return None


def _find_line(text: str, where: tuple[str, ...]) -> int | None:
    """The 1-based line defining the dotted key ``where``, or ``None`` if not found.

    A line scanner, not a parser: it tracks the current ``[table]`` header, matches
    ``key =`` lines (bare, quoted or dotted keys) and skips multi-line strings. An inline
    table counts as defining the keys inside it. Good enough for hand-written files.
    """
    table: tuple[str, ...] = ()
    open_quote: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        if open_quote is not None:
            if line.count(open_quote) % 2:
                open_quote = None
            continue
        header = _HEADER_RE.match(line)
        if header:
            table = _key_parts(header.group(1))
            if table[: len(where)] == where:
                return number
            continue
        assign = _ASSIGN_RE.match(line)
        if not assign:
            continue
        full = (*table, *_key_parts(assign.group(1)))
        if full[: len(where)] == where or where[: len(full)] == full:
            return number
        rest = line[assign.end() :]
        open_quote = next((q for q in ('"""', "'''") if rest.count(q) % 2), None)
    return None


def _key_parts(dotted: str) -> tuple[str, ...]:
    return tuple(_unquote(part) for part in _PART_RE.findall(dotted))


def _unquote(part: str) -> str:
    """A key part as TOML reads it: quotes removed, escapes in "basic" strings decoded."""
    if part[0] == "'":
        return part[1:-1]
    if part[0] == '"':
        try:
            return next(iter(tomllib.loads(f"{part} = 0")))
        except (ValueError, StopIteration):
            return part[1:-1]
    return part


# --- writing ---------------------------------------------------------------------------------


def save_setup(path: Path, *, api_key: str | None = None, base_url: str | None = None) -> None:
    """Save the first-run choices into the ``[provider]`` table of ``path``, mode 0600.

    ``None`` (or an empty string) leaves that value as it is, so saving only a URL keeps an
    existing key and vice versa. A missing file is created with a short comment header. An
    existing file is parsed, merged and rewritten atomically: every other value is kept but
    its comments and formatting are not (TOML libraries cannot round-trip them). If nothing
    changes, the file is not rewritten. A symlinked config is written through to its target.

    Raises :class:`ConfigWriteError` (and leaves the file untouched) if the file cannot be
    read, does not parse, has a ``provider`` that is not a table, if ``base_url`` is not an
    http(s) URL, or if writing fails. A broken file is never overwritten.
    """
    api_key = (api_key or "").strip() or None
    base_url = (base_url or "").strip() or None
    if base_url is not None and (problem := base_url_problem(base_url)):
        raise ConfigWriteError(f"Nothing saved to {path}: base_url {problem}.")
    target = _write_target(path)
    data = _read_for_update(target)
    existed = data is not None
    data = data or {}
    provider = data.setdefault("provider", {})
    if not isinstance(provider, dict):
        raise ConfigWriteError(
            f"{path} has 'provider' set to {_kind(provider)} instead of a [provider] table; "
            "it was left untouched."
        )
    updates = {"base_url": base_url, "api_key": api_key}
    changes = {k: v for k, v in updates.items() if v is not None and provider.get(k) != v}
    if existed and not changes:
        return
    provider.update(changes)
    try:
        text = _HEADER + tomli_w.dumps(data)
    except (TypeError, ValueError) as exc:
        raise ConfigWriteError(f"Cannot rewrite {path} ({exc}); it was left untouched.") from exc
    try:
        atomic_write_text(target, text, mode=0o600)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigWriteError(f"Cannot write {path} ({reason}); it was left untouched.") from exc


def _write_target(path: Path) -> Path:
    """The file to replace: the target of a symlink, so dotfile links survive a save."""
    try:
        return path.resolve() if path.is_symlink() else path
    except (OSError, RuntimeError) as exc:
        raise ConfigWriteError(f"Cannot follow the symlink {path} ({exc}).") from exc


def _read_for_update(path: Path) -> dict[str, Any] | None:
    """The parsed file to merge into; ``None`` if it does not exist."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigWriteError(f"Cannot read {path} ({reason}); it was left untouched.") from exc
    except UnicodeDecodeError as exc:
        raise ConfigWriteError(f"{path} is not UTF-8 text; it was left untouched.") from exc
    try:
        return tomllib.loads(text)
    except ValueError as exc:
        line, reason = _syntax_location(exc, text)
        where = "" if line is None else f" (line {line}: {reason})"
        raise ConfigWriteError(
            f"{path} is not valid TOML{where}; it was left untouched. Fix or remove it, "
            "then set up again."
        ) from exc
    except RecursionError as exc:
        raise ConfigWriteError(f"{path} is nested too deeply; it was left untouched.") from exc
