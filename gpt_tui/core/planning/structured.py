"""The check of a structured reply against what its request asked for: JSON for
``json_object``, the schema for ``json_schema`` (with the ``jsonschema`` library, the same
validator family that checked the schema itself when config was read)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, cast

from gpt_tui.core.domain.structured import StructuredCheck


def check_structured(response_format: object, content: str) -> StructuredCheck | None:
    """The verdict on ``content`` for the request's ``response_format`` value (as sent);
    None when the request did not ask for JSON."""
    if not isinstance(response_format, dict):
        return None
    wire = cast(dict[str, Any], response_format)
    kind = wire.get("type")
    if kind == "json_object":
        name = None
        schema: dict[str, Any] | None = None
    elif kind == "json_schema" and isinstance(wire.get("json_schema"), dict):
        spec = cast(dict[str, Any], wire["json_schema"])
        name = str(spec.get("name") or "")
        schema = spec.get("schema") if isinstance(spec.get("schema"), dict) else None
    else:
        return None
    try:
        value = json.loads(content)
    except ValueError as exc:
        error = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        return StructuredCheck(name, False, f"not JSON ({error})")
    if schema is None:
        if isinstance(value, dict):
            return StructuredCheck(name, True)
        return StructuredCheck(name, False, "not a JSON object")
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for

    validator = validator_for(schema)(schema)
    first = best_match(validator.iter_errors(value))
    if first is None:
        return StructuredCheck(name, True)
    return StructuredCheck(name, False, first.message, json_path(first.absolute_path))


def json_path(parts: Iterable[object]) -> str:
    """``["items", 2, "ok"]`` as ``$.items[2].ok``."""
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path
