"""Profiles: several servers side by side, each with its own key, URL, proxy and headers::

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
(with ``$OPENAI_API_KEY`` / ``$OPENAI_BASE_URL`` filling what it leaves unset: it sends
``$OPENAI_API_KEY`` to its ``base_url``, whatever that is). Which profile is used:
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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from gpt_tui.core.config import checks
from gpt_tui.core.config.checks import (
    AZURE_ONLY,
    PROFILE_KEYS,
    PROFILE_SECTION,
    PROFILE_TABLES,
    PROFILES,
    Checker,
    base_url_problem,
    check_permissions,
    holds_key,
)
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
    ProfileNotFound,
    ProviderKind,
    ProviderSettings,
    is_openai_url,
    no_strings,
)

T = TypeVar("T")


def resolve_profiles(
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
    if not profiles:  # nothing configured: an empty "default"
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
    tables: dict[str, dict[str, object]] = {}
    for name, table in check.named_tables(data, PROFILES, "work").items():
        where = (PROFILES, name)
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
        fallback = ENV_API_KEY  # [provider] sends $OPENAI_API_KEY to any URL
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
        monthly_usd=get("monthly_usd", checks.usd),
        vision=get("vision", checks.flag),
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
