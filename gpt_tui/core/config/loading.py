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

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar, cast

from gpt_tui.core.config import checks
from gpt_tui.core.config.checks import (
    AZURE_ONLY,
    KEYMAP,
    MODEL_SECTION,
    MODELS,
    PRESETS,
    PROFILE_KEYS,
    PROFILE_SECTION,
    PROFILE_TABLES,
    PROFILES,
    Checker,
    base_url_problem,
    check_permissions,
    holds_key,
    parse_toml,
    read_text,
)
from gpt_tui.core.config.presets import Preset, preset_from_table, presets_file_for
from gpt_tui.core.config.tomllines import toml_key
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
    ConfigProblem,
    Defaults,
    ModelOverride,
    ProfileNotFound,
    ProviderKind,
    ProviderSettings,
    Settings,
    TitleSettings,
    is_openai_url,
    no_strings,
)
from gpt_tui.core.params.spec import describe_type, keys_for

T = TypeVar("T")


def load_settings(path: Path, env: Mapping[str, str]) -> tuple[Settings, list[ConfigProblem]]:
    """Read ``path`` (if it exists) and resolve it against ``env``; never raises, never writes.

    A missing file gives the defaults and no problems. An unreadable or unparsable file gives
    the defaults and one problem. Otherwise every valid value is kept and each bad or unknown
    key is reported with its line number. Each profile's ``api_key_cmd`` is run here, once
    (with ``env`` as its environment); a failure is reported like a bad value.
    """
    problems: list[ConfigProblem] = []
    text = read_text(path, problems)
    data = {} if text is None else parse_toml(path, text, problems)
    check = Checker(path, text or "", problems)

    check.unknown_keys(data, ())
    model = check.value(data, ("model",), checks.string)
    defaults = check.table(data, "defaults")
    profiles, default_name = _profiles(check, data, env)

    settings = Settings(
        model=model,
        provider=profiles[default_name],
        defaults=_defaults(check, defaults),
        config_file=path,
        models=_model_overrides(check, data),
        profiles=profiles,
        default_profile=default_name,
        keymap=_keymap(check, data),
        idle_timeout=check.value(
            data, ("idle_timeout",), checks.real("a number of seconds > 0", lambda v: v > 0)
        ),
        presets=_all_presets(check, data),
        titles=_titles(check, data),
    )
    return settings, problems


def _defaults(check: Checker, table: Mapping[str, object]) -> Defaults:
    """``[defaults]``: each parameter checked by its spec, each bad one reported on its line."""
    found: dict[str, Any] = {}
    for key in keys_for("defaults"):
        value = check.value(table, ("defaults", key), checks.param(key))
        if value is not None:
            found[key] = value
    return Defaults(
        temperature=found.pop("temperature", None),
        top_p=found.pop("top_p", None),
        max_tokens=found.pop("max_tokens", None),
        system_prompt=found.pop("system_prompt", ""),
        more=MappingProxyType(found),
    )


def _titles(check: Checker, data: Mapping[str, object]) -> TitleSettings:
    """``[titles]``: ``generate`` (true/false, default false) and an optional ``model``."""
    table = check.table(data, "titles")
    generate = check.value(table, ("titles", "generate"), checks.flag)
    return TitleSettings(
        generate=bool(generate), model=check.value(table, ("titles", "model"), checks.string)
    )


def _presets(check: Checker, data: Mapping[str, object]) -> dict[str, Preset]:
    """The ``[presets.NAME]`` tables of one file; each bad value is reported on its line."""
    found = check.table(data, PRESETS, known=False)
    presets: dict[str, Preset] = {}
    for name, raw in found.items():
        where = (PRESETS, name)
        if not isinstance(raw, dict):
            message = (
                f"must be a table, written [presets.{toml_key(name)}] (got {describe_type(raw)})"
            )
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


def _all_presets(check: Checker, data: Mapping[str, object]) -> Mapping[str, Preset]:
    """Presets from config.toml, then from presets.toml next to it (config.toml's win)."""
    presets = _presets(check, data)
    saved_path = presets_file_for(check.path)
    problems: list[ConfigProblem] = []
    text = read_text(saved_path, problems)
    data = {} if text is None else parse_toml(saved_path, text, problems)
    for problem in problems:
        message = problem.message.replace("using the defaults for everything", "ignored")
        check.problems.append(replace(problem, message=message))
    saved = Checker(saved_path, text or "", check.problems)
    saved.unknown_keys({k: v for k, v in data.items() if k != PRESETS}, (), section=PRESETS)
    for name, preset in _presets(saved, data).items():
        if name in presets:
            message = f"also defined in {check.path.name}, which wins; this one is ignored"
            saved.report((PRESETS, name), message)
        else:
            presets[name] = preset
    return MappingProxyType(presets)


def _keymap(check: Checker, data: Mapping[str, object]) -> Mapping[str, str]:
    """``[keymap]``: each value must be a key or comma-separated keys, e.g. "ctrl+s"."""
    table = check.table(data, KEYMAP, known=False)
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        if isinstance(keys, str) and keys.strip():
            keymap[binding_id] = keys.strip()
        else:
            check.report(
                (KEYMAP, binding_id), f'must be a key such as "ctrl+s" (got {describe_type(keys)})'
            )
    return MappingProxyType(keymap)


def _profiles(
    check: Checker, data: Mapping[str, object], env: Mapping[str, str]
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
        check.report((PROFILES, DEFAULT_PROFILE), message)
        del tables[DEFAULT_PROFILE]
    openai_env = any(env.get(name, "").strip() for name in (ENV_API_KEY, ENV_BASE_URL))
    azure_env = bool(env.get(ENV_AZURE_ENDPOINT, "").strip()) and AZURE_ENV_PROFILE not in tables

    profiles: dict[str, ProviderSettings] = {}
    if has_provider or (openai_env and DEFAULT_PROFILE not in tables):
        profiles[DEFAULT_PROFILE] = _read_profile(
            check, DEFAULT_PROFILE, ("provider",), provider, env, legacy=True
        )
    for name, table in tables.items():
        profiles[name] = _read_profile(check, name, (PROFILES, name), table, env, legacy=False)
    if azure_env:
        where = (PROFILES, AZURE_ENV_PROFILE)
        profiles[AZURE_ENV_PROFILE] = _read_profile(
            check, AZURE_ENV_PROFILE, where, {}, env, legacy=False, kind="azure"
        )
    if not profiles:  # nothing configured: an empty "default", as before profiles existed
        profiles[DEFAULT_PROFILE] = _read_profile(
            check, DEFAULT_PROFILE, ("provider",), {}, env, legacy=True
        )

    if holds_key(data) or holds_key(provider):  # a misplaced key is still a secret
        check_permissions(check.path, check.problems, "provider.api_key")
    else:
        holder = next((name for name, table in tables.items() if holds_key(table)), None)
        if holder is not None:
            check_permissions(check.path, check.problems, f"{PROFILES}.{holder}.api_key")

    requested = check.value(data, ("default_profile",), checks.string)
    if requested is not None and requested not in profiles:
        check.report(("default_profile",), str(ProfileNotFound(requested, tuple(profiles))))
        requested = None
    if requested is not None:
        return profiles, requested
    if has_provider:
        return profiles, DEFAULT_PROFILE
    return profiles, next(iter(tables), next(iter(profiles)))


def _profile_tables(check: Checker, data: Mapping[str, object]) -> dict[str, dict[str, object]]:
    """The ``[profiles.NAME]`` tables that are tables, without their unknown keys."""
    found = check.table(data, PROFILES, known=False)
    tables: dict[str, dict[str, object]] = {}
    for name, raw in found.items():
        where = (PROFILES, name)
        if not isinstance(raw, dict):
            message = (
                f"must be a table, written [profiles.{toml_key(name)}] (got {describe_type(raw)})"
            )
            check.report(where, message)
            continue
        if not name.strip():
            check.report(where, "a profile needs a name, e.g. [profiles.work]")
            continue
        table = cast(dict[str, object], raw)
        for key, value in table.items():
            if isinstance(value, dict) and key not in PROFILE_TABLES:
                dotted = f"{name}.{key}"
                message = (
                    f"unknown table '{key}' (if the profile is {dotted}, quote its name: "
                    f'[profiles."{dotted}"])'
                )
                check.report((*where, key), message)
        plain = {k: v for k, v in table.items() if not isinstance(v, dict) or k in PROFILE_TABLES}
        check.unknown_keys(plain, where, section=PROFILE_SECTION)
        tables[name] = {k: v for k, v in plain.items() if k in PROFILE_KEYS}
    return tables


def _read_profile(
    check: Checker,
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

    kind = get("kind", checks.provider_kind) or kind
    base_url = get("base_url", checks.url)
    endpoint = get("endpoint", checks.url)
    api_version = get("api_version", checks.string)
    deployments = checks.string_table(check, table, (*where, "deployments"), "deployment names")
    ad_token_cmd = get("ad_token_cmd", checks.command)
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
        for key in AZURE_ONLY:
            if key in table:
                check.report((*where, key), 'only used when kind = "azure"; ignored')
        endpoint = api_version = ad_token_cmd = None
        deployments = no_strings()
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

    timeout = get("timeout", checks.timeout)
    max_retries = get("max_retries", checks.max_retries)
    return ProviderSettings(
        base_url=base_url,
        api_key=api_key,
        key_source=key_source,
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        max_retries=DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
        name=name,
        kind=kind,
        table=".".join(where) if where[0] == PROFILES else "provider",
        organization=get("organization", checks.string),
        project=get("project", checks.string),
        endpoint=endpoint,
        api_version=api_version,
        deployments=deployments,
        ad_token_cmd=ad_token_cmd,
        proxy=get("proxy", checks.proxy),
        headers=checks.string_table(
            check, table, (*where, "headers"), "header values", header=True
        ),
        models=get("models", checks.model_names) or (),
    )


def _env_url(env: Mapping[str, str], name: str) -> str | None:
    """An URL from the environment, if it is one (the file's values are checked elsewhere)."""
    url = env.get(name, "").strip()
    return url if url and base_url_problem(url) is None else None


def _resolve_key(
    check: Checker,
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
    from_file = check.value(table, (*where, "api_key"), checks.secret)
    env_name = check.value(table, (*where, "api_key_env"), checks.env_name)
    command = check.value(table, (*where, "api_key_cmd"), checks.command)
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


def _model_overrides(check: Checker, data: Mapping[str, object]) -> Mapping[str, ModelOverride]:
    """The ``[models."name"]`` tables with a valid value; each mistake is reported."""
    models = check.table(data, MODELS, known=False)
    overrides: dict[str, ModelOverride] = {}
    for name, raw in models.items():
        where = (MODELS, name)
        if not isinstance(raw, dict):
            message = f'must be a table, written [models."{name}"] (got {describe_type(raw)})'
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
        check.unknown_keys(plain, where, section=MODEL_SECTION)
        override = ModelOverride(
            input_price=check.value(table, (*where, "input_price"), checks.price),
            output_price=check.value(table, (*where, "output_price"), checks.price),
            cached_input_price=check.value(table, (*where, "cached_input_price"), checks.price),
            context_window=check.value(table, (*where, "context_window"), checks.token_limit),
            max_output=check.value(table, (*where, "max_output"), checks.token_limit),
        )
        if override != ModelOverride():  # a table with no valid value says nothing
            overrides[name] = override
    return MappingProxyType(overrides)
