"""The one error every parameter check raises."""

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
