"""Checks of config.toml's values, each mistake reported with its file and line.

Every check returns the clean value (``None``: unset) or raises :class:`BadValueError`
saying what is expected; :class:`Checker` runs them over one parsed file and records a
:class:`~gpt_tui.core.config.types.ConfigProblem` per mistake. The keys each table takes
are declared by the settings types and the parameter spec, and derived here.
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
from dataclasses import dataclass, fields
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from gpt_tui.core.config.tomllines import find_line, toml_key
from gpt_tui.core.config.types import (
    PROVIDER_KINDS,
    BudgetSettings,
    CompareSettings,
    ConfigProblem,
    ModelOverride,
    ProviderKind,
    ProviderSettings,
    Settings,
    TitleSettings,
    no_strings,
)
from gpt_tui.core.params.error import ParamError, describe_type, show_value
from gpt_tui.core.params.spec import check_value, keys_for

T = TypeVar("T")


PROFILE_KEYS: tuple[str, ...] = tuple(
    key
    for spec in fields(ProviderSettings)
    if spec.metadata.get("key", True)
    for key in (spec.name, *spec.metadata.get("also", ()))
)
"""The keys of ``[provider]`` and ``[profiles.NAME]``: the profile's fields that are written
in the file, and the other sources of ``api_key``."""
AZURE_ONLY: tuple[str, ...] = tuple(
    spec.name for spec in fields(ProviderSettings) if spec.metadata.get("azure")
)
PROFILE_TABLES: tuple[str, ...] = tuple(
    spec.name for spec in fields(ProviderSettings) if spec.metadata.get("table")
)
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "provider": PROFILE_KEYS,
    "defaults": keys_for("defaults"),
    "titles": tuple(spec.name for spec in fields(TitleSettings)),
    "budget": tuple(spec.name for spec in fields(BudgetSettings)),
    "compare": tuple(spec.name for spec in fields(CompareSettings)),
}
MODELS = "models"
MODEL_KEYS: tuple[str, ...] = tuple(spec.name for spec in fields(ModelOverride))
MODEL_SECTION = 'models."name"'
"""How problems and suggestions name any ``[models."name"]`` table."""
PROFILES = "profiles"
PROFILE_SECTION = "profiles.NAME"
"""How problems and suggestions name any ``[profiles.NAME]`` table."""
KEYMAP = "keymap"
PRESETS = "presets"
ROOT_KEYS: tuple[str, ...] = tuple(
    spec.name for spec in fields(Settings) if spec.metadata.get("key", True)
)
"""The keys and tables at the top of the file: the fields of :class:`Settings`."""
KNOWN: dict[str, tuple[str, ...]] = {
    "": ROOT_KEYS,
    **TABLE_KEYS,
    MODEL_SECTION: MODEL_KEYS,
    PROFILE_SECTION: PROFILE_KEYS,
    PRESETS: (PRESETS,),
    "tools.NAME": ("description", "parameters"),
    "mcp": ("servers",),
    "mcp.servers.NAME": ("command", "args", "env", "url", "auto_approve", "timeout"),
}
"""Known keys per section; ``""`` is the top of the file."""

_ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_HEADER_NAME_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def read_text(path: Path, problems: list[ConfigProblem]) -> str | None:
    """The file's text, or ``None`` if it is missing or unreadable (reported)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        problems.append(file_problem(path, None, f"cannot read the file ({reason})"))
        return None
    try:
        return raw.decode("utf-8-sig")  # tolerate the BOM some Windows editors add
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (invalid byte at offset {exc.start})"
        problems.append(file_problem(path, None, message))
        return None


def parse_toml(path: Path, text: str, problems: list[ConfigProblem]) -> dict[str, Any]:
    """The parsed TOML, or ``{}`` with one problem if it does not parse."""
    try:
        return tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or int() refusing a 5000-digit number
        line, reason = syntax_location(exc, text)
        problems.append(file_problem(path, line, f"not valid TOML: {reason}"))
    except RecursionError:
        problems.append(file_problem(path, None, "not valid TOML: nested too deeply"))
    return {}


def file_problem(path: Path, line: int | None, message: str) -> ConfigProblem:
    return ConfigProblem(path, line, None, f"{message}; using the defaults for everything")


_LOCATION_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_AT_END = " (at end of document)"


def syntax_location(exc: ValueError, text: str) -> tuple[int | None, str]:
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


# --- finding the line of a key ---------------------------------------------------------------


class BadValueError(ValueError):
    """A value has the wrong type or range; the message says what is expected."""


def holds_key(table: Mapping[str, object]) -> bool:
    key = table.get("api_key")
    return isinstance(key, str) and bool(key.strip())


def check_permissions(path: Path, problems: list[ConfigProblem], key: str) -> None:
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
class Checker:
    """Validates values of one parsed file and records problems with their line numbers."""

    path: Path
    text: str
    problems: list[ConfigProblem]

    def report(self, where: tuple[str, ...], message: str) -> None:
        line = find_line(self.text, where)
        self.problems.append(ConfigProblem(self.path, line, ".".join(where), message))

    def value(
        self, table: Mapping[str, object], where: tuple[str, ...], check: Callable[[object], T]
    ) -> T | None:
        """``check(table[key])``, or ``None`` if the key is absent or its value is bad."""
        if where[-1] not in table:
            return None
        try:
            return check(table[where[-1]])
        except BadValueError as exc:
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
            written = {MODELS: '[models."..."]', PROFILES: "[profiles.NAME]"}.get(name, f"[{name}]")
            self.report((name,), f"must be a table, written {written} (got {describe_type(value)})")
            return {}
        table = cast(dict[str, object], value)
        if known:
            self.unknown_keys(table, (name,))
        return table

    def named_tables(
        self, data: Mapping[str, object], section: str, example: str
    ) -> dict[str, dict[str, object]]:
        """The ``[section.NAME]`` tables, by name. One that is not a table, or has a blank
        name, is reported (``example``: a name to suggest, e.g. "work") and left out."""
        tables: dict[str, dict[str, object]] = {}
        for name, raw in self.table(data, section, known=False).items():
            where = (section, name)
            if not isinstance(raw, dict):
                written = f"[{section}.{toml_key(name)}]"
                self.report(where, f"must be a table, written {written} (got {describe_type(raw)})")
            elif not name.strip():
                self.report(where, f"a {section[:-1]} needs a name, e.g. [{section}.{example}]")
            else:
                tables[name] = cast(dict[str, object], raw)
        return tables

    def unknown_keys(
        self, table: Mapping[str, object], where: tuple[str, ...], section: str | None = None
    ) -> None:
        """Report keys not known in ``section`` (default: the dotted ``where``)."""
        section = ".".join(where) if section is None else section
        for key, value in table.items():
            if key not in KNOWN[section]:
                self.report((*where, key), _unknown_message(section, key, value))


def _unknown_message(section: str, key: str, value: object) -> str:
    """ "unknown key 'x'", with the closest known key if one is close, in any section."""
    what = "table" if isinstance(value, dict) else "key"
    message = f"unknown {what} '{key}'"
    for other, keys in KNOWN.items():  # the right key in the wrong table says so first
        if other != section and key in keys:
            place = f"in [{other}]" if other else "at the top of the file, before any [table]"
            return f"{message} (did you mean '{key}' {place}?)"
    close = difflib.get_close_matches(key, KNOWN[section], n=1)
    if close:
        return f"{message} (did you mean '{close[0]}'?)"
    for other, keys in KNOWN.items():
        close = difflib.get_close_matches(key, keys, n=1, cutoff=0.8)
        if other != section and close:
            place = f"in [{other}]" if other else "at the top of the file, before any [table]"
            return f"{message} (did you mean '{close[0]}' {place}?)"
    return message


# --- value checks: return the clean value (None = unset) or raise BadValueError ---------------


def string(value: object) -> str | None:
    if not isinstance(value, str):
        raise BadValueError(f"must be a string (got {describe_type(value)})")
    return value.strip() or None


def secret(value: object) -> str | None:
    """Like :func:`string`; kept apart to make clear the value is never echoed."""
    return string(value)


def url(value: object) -> str | None:
    url = string(value)
    if url is None:
        return None
    problem = base_url_problem(url)
    if problem:
        raise BadValueError(problem)
    return url


def env_name(value: object) -> str | None:
    name = string(value)
    if name is not None and not _ENV_NAME_RE.fullmatch(name):
        # Not echoed: a pasted key is the likeliest mistake here.
        raise BadValueError("must be the name of an environment variable, like MY_KEY")
    return name


def real(expected: str, ok: Callable[[float], bool]) -> Callable[[object], float]:
    """A check for a finite number (int or float, not bool) for which ``ok`` holds."""

    def check(value: object) -> float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:
                number = math.inf
            if math.isfinite(number) and ok(number):
                return number
        raise BadValueError(f"must be {expected} (got {show_value(value)})")

    return check


def whole(minimum: int) -> Callable[[object], int]:
    """A check for an integer (not bool, not float) of at least ``minimum``."""

    def check(value: object) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
            return value
        raise BadValueError(
            f"must be a whole number of at least {minimum} (got {show_value(value)})"
        )

    return check


timeout = real("a number of seconds greater than 0", lambda x: x > 0)
max_retries = whole(0)
token_limit = whole(1)
_non_negative = real("a price in USD per million tokens, at least 0", lambda x: x >= 0)


def price(value: object) -> Decimal:
    """A price in USD per million tokens: a finite number >= 0, kept exactly as written."""
    _non_negative(value)
    # str() gives the decimal text TOML read (0.15, not the float's binary expansion).
    return Decimal(str(value)).copy_abs()  # copy_abs: -0.0 is 0


_positive_usd = real("an amount in USD greater than 0", lambda x: x > 0)


def usd(value: object) -> Decimal:
    """An amount of money in USD greater than 0, kept exactly as written."""
    _positive_usd(value)
    return Decimal(str(value))


def provider_kind(value: object) -> ProviderKind:
    kind = string(value) or ""
    for known in PROVIDER_KINDS:
        if kind.lower() == known:
            return known
    raise BadValueError(f'must be "openai", "azure" or "compatible" (got {show_value(value)})')


def command(value: object) -> str | None:
    """A command line for ``api_key_cmd`` / ``ad_token_cmd``; never echoed (may hold a secret)."""
    command = string(value)
    if command is None:
        return None
    from gpt_tui.core.config.secretcmd import split_command

    try:
        split_command(command)
    except ValueError as exc:
        raise BadValueError(f"the command {exc}") from None
    return command


def proxy(value: object) -> str | None:
    url = string(value)
    if url is None:
        return None
    from gpt_tui.core.config.proxies import SOCKS_PACKAGE_HINT, proxy_url_problem, socks_available

    problem = proxy_url_problem(url)
    if problem:
        raise BadValueError(problem)  # not echoed: proxy URLs may carry a password
    if url.lower().startswith("socks") and not socks_available():
        raise BadValueError(f"{SOCKS_PACKAGE_HINT}; until then requests go direct")
    return url


def model_names(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        items = cast(list[object], value)
        if all(isinstance(item, str) and item.strip() for item in items):
            names = (cast(str, item).strip() for item in items)
            return tuple(dict.fromkeys(names))  # without duplicates, in order
    raise BadValueError('must be a list of model names, e.g. ["gpt-4o", "o3-mini"]')


def string_table(
    check: Checker,
    table: Mapping[str, object],
    where: tuple[str, ...],
    what: str,
    *,
    header: bool = False,
) -> Mapping[str, str]:
    """A table of non-empty one-line strings (``deployments``, ``headers``); bad entries are
    reported and dropped. Header values are never echoed: they often carry credentials."""
    if where[-1] not in table:
        return no_strings()
    raw = table[where[-1]]
    if not isinstance(raw, dict):
        check.report(where, f"must be a table of {what} (got {describe_type(raw)})")
        return no_strings()
    found: dict[str, str] = {}
    for key, value in cast(dict[str, object], raw).items():
        if header and not _HEADER_NAME_RE.fullmatch(key):
            check.report((*where, key), "is not a valid HTTP header name")
            continue
        if not isinstance(value, str) or not value.strip() or "\r" in value or "\n" in value:
            got = (
                describe_type(value) if header or not isinstance(value, str) else show_value(value)
            )
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


def flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise BadValueError(f"must be true or false (got {describe_type(value)})")
    return value


def param(key: str) -> Callable[[object], object]:
    """The check of parameter ``key``, as the spec has it (the same rule everywhere)."""

    def check(value: object) -> object:
        try:
            return check_value(key, value)
        except ParamError as exc:
            raise BadValueError(exc.reason) from exc

    return check
