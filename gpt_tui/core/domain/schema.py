"""Reading stored JSON documents strictly: each reader names the offending field's path.

``from_dict`` methods across the domain use these so a broken file is reported precisely,
and lenient about missing optional fields so older files still load.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast


class SchemaError(ValueError):
    """A stored document does not have the expected shape; ``where`` names the field."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


def new_id() -> str:
    """A short random identifier, safe in file names."""
    return uuid.uuid4().hex[:16]


def utc_now() -> datetime:
    """The current time, timezone-aware (the default clock)."""
    return datetime.now(UTC)


def iso(value: datetime) -> str:
    return value.isoformat()


def parse_time(data: dict[str, Any], key: str, where: str) -> datetime:
    raw = data.get(key)
    if not isinstance(raw, str):
        raise SchemaError(f"{where}.{key}", "expected an ISO 8601 timestamp string")
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise SchemaError(f"{where}.{key}", f"not a timestamp: {raw!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def opt(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise SchemaError(f"{where}.{key}", f"expected {kind_name(kind)}, got a boolean")
    if not isinstance(value, kind):
        raise SchemaError(
            f"{where}.{key}", f"expected {kind_name(kind)}, got {type(value).__name__}"
        )
    return value


def req(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = opt(data, key, kind, where)
    if value is None:
        raise SchemaError(f"{where}.{key}", "missing")
    return value


def kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def as_dict(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SchemaError(where, f"expected an object, got {type(value).__name__}")
    return cast(dict[str, Any], value)


def decimal_field(raw: object, where: str) -> Decimal | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise SchemaError(where, "expected a decimal number as a string")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise SchemaError(where, f"not a decimal number: {raw!r}") from exc
    if not value.is_finite():
        raise SchemaError(where, f"not a finite number: {raw!r}")
    return value


def string_list(raw: object, where: str) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        raise SchemaError(where, "expected a list of strings")
    return list(cast(list[str], raw))
