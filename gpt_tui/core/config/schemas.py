"""``[schemas.NAME]``: JSON Schemas for structured outputs (``response_format =
"json_schema:NAME"``), written as a TOML table or kept in a JSON file::

    [schemas.answer]
    type = "object"
    properties = { ok = { type = "boolean" } }
    required = ["ok"]
    additionalProperties = false

    [schemas.invoice]
    file = "schemas/invoice.json"   # relative to the config folder
    strict = false                  # default true: OpenAI's strict mode

Every schema is checked before anything is sent: it must be valid JSON Schema (the
``jsonschema`` library's meta-schema check) and, in strict mode, follow OpenAI's rules
(every property required, ``additionalProperties: false`` on every object). A mistake is
reported with the file and line it is on; the schema is then left out, so a request that
names it is refused with the reason instead of failing at the server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

SCHEMAS = "schemas"
FILE_KEY = "file"
STRICT_KEY = "strict"
OWN_KEYS = (FILE_KEY, STRICT_KEY)
"""Keys of a ``[schemas.NAME]`` table that are gpt-tui's, not the schema's."""

SchemaPath = tuple[str | int, ...]
Report = Callable[[tuple[str, ...], str], None]
"""Report a problem at a dotted key of config.toml (its line is looked up)."""
ReportFile = Callable[[Path, int | None, str, str], None]
"""Report a problem in a schema file: (file, line, dotted key, message)."""


@dataclass(frozen=True, slots=True)
class NamedSchema:
    """One checked schema: what ``json_schema:NAME`` sends."""

    name: str
    schema: Mapping[str, Any] = field(hash=False)
    strict: bool = True
    source: Path | None = None
    """The JSON file it was read from (``None``: written in config.toml)."""

    def wire(self) -> dict[str, Any]:
        """The ``response_format`` value in OpenAI's shape."""
        return {
            "type": "json_schema",
            "json_schema": {"name": self.name, "schema": dict(self.schema), "strict": self.strict},
        }


def read_schemas(
    tables: Mapping[str, dict[str, object]],
    config_file: Path,
    report: Report,
    report_file: ReportFile,
) -> dict[str, NamedSchema]:
    """The valid schemas of the ``[schemas.NAME]`` tables; each mistake is reported."""
    schemas: dict[str, NamedSchema] = {}
    for name, table in tables.items():
        where = (SCHEMAS, name)
        strict = table.get(STRICT_KEY, True)
        if not isinstance(strict, bool):
            report((*where, STRICT_KEY), "must be true or false")
            continue
        found: tuple[dict[str, Any], Path | None, ProblemAt] | None
        if FILE_KEY in table:
            found = _from_file(where, table, config_file, report, report_file)
        else:
            found = _from_table(where, table, report)
        if found is None:
            continue
        schema, source, problem_at = found
        if _schema_ok(schema, strict, problem_at):
            schemas[name] = NamedSchema(name, schema, strict, source)
    return schemas


ProblemAt = Callable[[SchemaPath, str], None]


def _from_table(
    where: tuple[str, ...], table: Mapping[str, object], report: Report
) -> tuple[dict[str, Any], None, ProblemAt]:
    """A schema written in config.toml; problems point at its keys' lines."""

    def problem_at(key_path: SchemaPath, message: str) -> None:
        keys = tuple(str(k) for k in key_path if isinstance(k, str))
        report((*where, *keys), message)

    return {k: v for k, v in table.items() if k not in OWN_KEYS}, None, problem_at


def _from_file(
    where: tuple[str, ...],
    table: Mapping[str, object],
    config_file: Path,
    report: Report,
    report_file: ReportFile,
) -> tuple[dict[str, Any], Path, ProblemAt] | None:
    """A schema in a JSON file named by ``file``; problems point at the file's lines."""
    raw_file = table[FILE_KEY]
    if not isinstance(raw_file, str) or not raw_file.strip():
        report((*where, FILE_KEY), "must be the path of a JSON file")
        return None
    extra = [k for k in table if k not in OWN_KEYS]
    if extra:
        message = f"a schema read from a file takes only {FILE_KEY} and {STRICT_KEY} here"
        report((*where, extra[0]), message)
        return None
    path = (config_file.parent / raw_file).expanduser()
    read = _read_json(path, where[-1], report_file)
    if read is None:
        return None
    schema, text = read

    def problem_at(key_path: SchemaPath, message: str) -> None:
        report_file(path, json_line(text, key_path), _dotted(where, key_path), message)

    return schema, path, problem_at


def _read_json(path: Path, name: str, report_file: ReportFile) -> tuple[dict[str, Any], str] | None:
    key = f"{SCHEMAS}.{name}"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        report_file(path, None, key, f"cannot read the schema file: {exc.strerror or exc}")
        return None
    except UnicodeDecodeError:
        report_file(path, None, key, "the schema file is not UTF-8 text")
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        report_file(path, exc.lineno, key, f"not valid JSON: {exc.msg} (column {exc.colno})")
        return None
    if not isinstance(data, dict):
        report_file(path, 1, key, "a schema must be a JSON object")
        return None
    return cast(dict[str, Any], data), text


def _schema_ok(schema: dict[str, Any], strict: bool, problem_at: ProblemAt) -> bool:
    """Whether ``schema`` is valid JSON Schema (and keeps strict mode's rules when
    ``strict``); the first problem is reported."""
    from jsonschema import SchemaError
    from jsonschema.validators import validator_for

    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        problem_at(tuple(exc.path), f"not valid JSON Schema: {exc.message}")
        return False
    if strict:
        for key_path, message in strict_problems(schema):
            problem_at(key_path, f"{message} (strict mode; or set strict = false)")
            return False
    return True


def strict_problems(schema: Mapping[str, Any]) -> Iterator[tuple[SchemaPath, str]]:
    """Where ``schema`` breaks OpenAI's strict-mode rules: every object must list all its
    properties in ``required`` and set ``additionalProperties`` to false."""
    yield from _strict_walk(schema, ())


_SUBSCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties")
_SUBSCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
_SUBSCHEMA_ONE = ("items", "additionalItems", "not", "if", "then", "else", "contains")


def _strict_walk(node: object, path: SchemaPath) -> Iterator[tuple[SchemaPath, str]]:
    if not isinstance(node, dict):
        return
    schema = cast(dict[str, Any], node)
    kind = schema.get("type")
    is_object = kind == "object" or (isinstance(kind, list) and "object" in kind)
    if is_object or "properties" in schema:
        properties = schema.get("properties")
        names = list(properties) if isinstance(properties, dict) else []
        if schema.get("additionalProperties") is not False:
            yield path, "every object needs additionalProperties = false"
        required = schema.get("required")
        listed = set(required) if isinstance(required, list) else set()
        missing = [n for n in names if n not in listed]
        if missing:
            yield path, f"every property must be required; not listed: {', '.join(missing)}"
    for key in _SUBSCHEMA_MAPS:
        table = schema.get(key)
        if isinstance(table, dict):
            for name, sub in cast(dict[str, object], table).items():
                yield from _strict_walk(sub, (*path, key, name))
    for key in _SUBSCHEMA_LISTS:
        items = schema.get(key)
        if isinstance(items, list):
            for index, sub in enumerate(cast(list[object], items)):
                yield from _strict_walk(sub, (*path, key, index))
    for key in _SUBSCHEMA_ONE:
        if key in schema:
            yield from _strict_walk(schema[key], (*path, key))


def _dotted(where: tuple[str, ...], key_path: SchemaPath) -> str:
    return ".".join([*where, *(str(k) for k in key_path)])


def json_line(text: str, key_path: SchemaPath) -> int | None:
    """The line of ``key_path`` in a JSON text, found by its keys in order (a scan, good
    enough for hand-written schemas); the first line when the path is empty."""
    position = 0
    found_any = False
    for key in key_path:
        if not isinstance(key, str):
            continue
        index = text.find(json.dumps(key), position)
        if index < 0:
            break
        position, found_any = index, True
    if not found_any:
        return 1
    return text.count("\n", 0, position) + 1
