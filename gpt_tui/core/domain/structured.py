"""How a structured reply (``response_format`` JSON or a JSON Schema) compared with what
was asked: saved with the reply, shown under it as ✓ or ✗ with the first error's path."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from gpt_tui.core.domain.schema import as_dict, opt


@dataclass(frozen=True, slots=True)
class StructuredCheck:
    """The verdict on a reply that had to be JSON (matching ``schema``, when named)."""

    schema: str | None
    """The schema's name; ``None``: any JSON object (``json_object``)."""
    valid: bool
    error: str = ""
    """The first problem, in the validator's words."""
    path: str = ""
    """Where in the reply it is, as ``$.items[2].ok`` (``$``: the whole reply)."""

    def line(self) -> str:
        """One line for the reply's status: "✓ matches the schema answer" or the error."""
        what = "valid JSON" if self.schema is None else f"the schema {self.schema}"
        if self.valid:
            return f"✓ {'valid JSON' if self.schema is None else 'matches ' + what}"
        where = f" at {self.path}" if self.path else ""
        return f"✗ does not match {what}{where}: {self.error}"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"schema": self.schema, "valid": self.valid}
        if self.error:
            data["error"] = self.error
        if self.path:
            data["path"] = self.path
        return data

    @classmethod
    def from_dict(cls, raw: object, where: str = "structured") -> StructuredCheck:
        data = as_dict(raw, where)
        return cls(
            schema=opt(data, "schema", str, where),
            valid=bool(opt(data, "valid", bool, where)),
            error=opt(data, "error", str, where) or "",
            path=opt(data, "path", str, where) or "",
        )


def pretty_json(text: str) -> str | None:
    """``text`` indented when it is a JSON object or array (None otherwise)."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict | list):
        return None
    return json.dumps(value, indent=2, ensure_ascii=False)
