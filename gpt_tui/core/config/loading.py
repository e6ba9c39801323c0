"""Load and validate ``config.toml`` into :class:`~gpt_tui.core.config.types.Settings`.

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

    [defaults]                  # parameters of new conversations (gpt_tui.core.params.spec)
    temperature = 0.7           # 0..2
    top_p = 1.0                 # 0..1
    max_tokens = 1024           # 1..10,000,000
    system_prompt = "You are a helpful assistant."
    # also: presence_penalty, frequency_penalty, seed, stop, response_format,
    # reasoning_effort, context, context_turns

    [models."llama3.2"]         # prices and limits of one model, by its exact name
    input_price = 0.0           # USD per million input tokens (number >= 0)
    output_price = 0.0          # USD per million output tokens (number >= 0)
    cached_input_price = 0.0    # USD per million cached input tokens (number >= 0)
    context_window = 128000     # int >= 1
    max_output = 4096           # int >= 1

    [budget]
    monthly_usd = 20            # USD a calendar month, all profiles (number > 0);
                                # [profiles.NAME] monthly_usd: one profile's limit

Precedence: a value in the file wins; the environment fills what the file leaves unset
(``OPENAI_API_KEY``, ``OPENAI_BASE_URL``). ``api_key_env`` replaces ``OPENAI_API_KEY`` as
the source of the key. Empty strings count as unset.

``[models."name"]`` tables describe models the bundled price data does not know (local,
private or new ones) or correct the ones it does: each key set there wins, each key left out
is filled from the price data when the model is known to it. Quote names that contain dots.
Prices are parsed exactly as written (``0.15`` is ``Decimal("0.15")``).

Profiles (``[provider]``, ``[profiles.NAME]``) are resolved by
:mod:`gpt_tui.core.config.profiles`; presets (``[presets.NAME]``) are read by
:mod:`gpt_tui.core.config.presets`.

A bad file must never stop the app: :func:`load_settings` keeps every valid value, drops
each bad one and returns a :class:`ConfigProblem` per mistake, with the line it is on, so
the UI can show precise warnings. API keys never appear in problems or reprs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar, cast

from gpt_tui.core.config import checks
from gpt_tui.core.config.checks import (
    KEYMAP,
    MODEL_SECTION,
    MODELS,
    PRESETS,
    Checker,
    parse_toml,
    read_text,
)
from gpt_tui.core.config.compare import read_compare
from gpt_tui.core.config.keys import key_problem
from gpt_tui.core.config.mcp import read_mcp_servers
from gpt_tui.core.config.presets import Preset, preset_from_table, presets_file_for
from gpt_tui.core.config.profiles import resolve_profiles
from gpt_tui.core.config.schemas import SCHEMAS, NamedSchema, read_schemas
from gpt_tui.core.config.tools import read_tools
from gpt_tui.core.config.types import (
    BudgetSettings,
    ConfigProblem,
    Defaults,
    ModelOverride,
    Settings,
    TitleSettings,
)
from gpt_tui.core.params.error import describe_type
from gpt_tui.core.params.spec import keys_for

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
    profiles, default_name = resolve_profiles(check, data, env)

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
        budget=BudgetSettings(
            monthly_usd=check.value(
                check.table(data, "budget"), ("budget", "monthly_usd"), checks.usd
            )
        ),
        schemas=_schemas(check, data),
        compare=read_compare(check, data),
        tools=read_tools(check, data),
        mcp=read_mcp_servers(check, data, env),
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


def _schemas(check: Checker, data: Mapping[str, object]) -> Mapping[str, NamedSchema]:
    """``[schemas.NAME]``: each schema checked (see :mod:`gpt_tui.core.config.schemas`)."""

    def report_file(path: Path, line: int | None, key: str, message: str) -> None:
        check.problems.append(ConfigProblem(path, line, key, message))

    tables = check.named_tables(data, SCHEMAS, "answer")
    return MappingProxyType(read_schemas(tables, check.path, check.report, report_file))


def _titles(check: Checker, data: Mapping[str, object]) -> TitleSettings:
    """``[titles]``: ``generate`` (true/false, default false) and an optional ``model``."""
    table = check.table(data, "titles")
    generate = check.value(table, ("titles", "generate"), checks.flag)
    return TitleSettings(
        generate=bool(generate), model=check.value(table, ("titles", "model"), checks.string)
    )


def _presets(check: Checker, data: Mapping[str, object]) -> dict[str, Preset]:
    """The ``[presets.NAME]`` tables of one file; each bad value is reported on its line."""
    presets: dict[str, Preset] = {}
    for name, table in check.named_tables(data, PRESETS, "engineer").items():

        def report(key: str, message: str, where: tuple[str, ...] = (PRESETS, name)) -> None:
            check.report((*where, key), message)

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
            if (problem := key_problem(keys)) is not None:
                check.report((KEYMAP, binding_id), problem)
                continue
            keymap[binding_id] = keys.strip()
        else:
            check.report(
                (KEYMAP, binding_id), f'must be a key such as "ctrl+s" (got {describe_type(keys)})'
            )
    return MappingProxyType(keymap)


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
