"""The one error every parameter check raises, and how it describes a bad value (its
type or a short rendering; never a long or secret value in full)."""

from __future__ import annotations


class ParamError(ValueError):
    """A parameter's value is not valid; ``str()`` names the parameter and says what is
    expected, :attr:`reason` says the same without the name (for a message already placed
    at the key, like a config problem)."""

    def __init__(self, name: str, reason: str, *, expected: str | None = None) -> None:
        super().__init__(f"{name} {reason}" if name else reason)
        self.name = name
        self.reason = reason
        self.expected = expected
        """What a valid value is ("a number from 0 to 2"), when that says it all."""


def describe_type(value: object) -> str:
    """The TOML/JSON type of ``value`` in words; never the value itself."""
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
    if isinstance(value, list | tuple):
        return "an array"
    if value is None:
        return "null"
    return "a date/time"


def show_value(value: object, limit: int = 40) -> str:
    """A short TOML-like rendering of a non-secret value for a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) > 10**limit:
        return "a huge integer"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        shown = value if len(value) <= limit else value[: limit - 1] + "…"
        return '"' + shown.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return describe_type(value)
