"""The optional playground parameters beyond model, temperature, top_p and max_tokens.

:class:`ExtraParams` holds presence/frequency penalties, stop sequences, seed, response
format and reasoning effort; ``None`` means "not set, not sent". It lives apart from
:mod:`gpt_tui.core.params.fields` (which parses what a user types) because a conversation's
:class:`~gpt_tui.core.domain.conversation.Params` carries one, and
:mod:`gpt_tui.core.domain.conversation` must not depend on the parsers.
:class:`ParamError` is defined here for the same reason: every
parameter check raises it.

Stop sequences are typed on one line: ``|`` separates them, spaces around each are
trimmed, and ``\\n``, ``\\t``, ``\\s`` (a space), ``\\|`` and ``\\\\`` write what cannot be
typed plainly — ``\\n\\n | END`` is the two sequences "blank line" and "END".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

ResponseFormat = Literal["text", "json_object"]
RESPONSE_FORMATS: tuple[ResponseFormat, ...] = ("text", "json_object")
REASONING_EFFORT_VALUES: tuple[str, ...] = ("none", "minimal", "low", "medium", "high")
MAX_STOP_SEQUENCES = 4
EXTRA_FIELDS: tuple[str, ...] = (
    "presence_penalty",
    "frequency_penalty",
    "stop",
    "seed",
    "response_format",
    "reasoning_effort",
)
"""The field names, in the order the panel shows them."""


class ParamError(ValueError):
    """A parameter's value is not valid; the message names it and says what is expected."""


@dataclass(frozen=True, slots=True)
class ExtraParams:
    """Optional request parameters; ``None`` means "not sent".

    The constructor validates: it raises :class:`ParamError` (a ``ValueError``) naming the
    field, so a UI can show the message next to it.
    """

    presence_penalty: float | None = None
    """-2..2."""
    frequency_penalty: float | None = None
    """-2..2."""
    stop: tuple[str, ...] | None = None
    """Up to 4 non-empty stop sequences."""
    seed: int | None = None
    response_format: ResponseFormat | None = None
    """"json_object" is sent as ``{"type": "json_object"}`` (JSON mode; the prompt must
    mention JSON)."""
    reasoning_effort: str | None = None
    """"minimal", "low", "medium", "high" (which ones a model takes:
    ``capabilities_for(model).reasoning_efforts``)."""

    def __post_init__(self) -> None:
        for name in ("presence_penalty", "frequency_penalty"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or not -2 <= value <= 2
            ):
                raise ParamError(f"{name} must be a number from -2 to 2")
        stop: object = self.stop
        if stop is not None:
            if not isinstance(stop, tuple) or not all(isinstance(x, str) and x for x in stop):
                raise ParamError("stop must be a list of non-empty strings")
            if len(stop) > MAX_STOP_SEQUENCES:
                raise ParamError(f"stop takes at most {MAX_STOP_SEQUENCES} sequences")
        seed: object = self.seed
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ParamError("seed must be a whole number")
        if self.response_format is not None and self.response_format not in RESPONSE_FORMATS:
            raise ParamError("response_format must be text or json_object")
        if (
            self.reasoning_effort is not None
            and self.reasoning_effort not in REASONING_EFFORT_VALUES
        ):
            allowed = ", ".join(REASONING_EFFORT_VALUES)
            raise ParamError(f"reasoning_effort must be one of {allowed}")

    @classmethod
    def from_strings(cls, fields_: Mapping[str, str]) -> ExtraParams:
        """Parse typed text fields (empty or missing = not set; ``stop`` as :func:`parse_stop`).

        Raises :class:`ParamError` for the first bad field.
        """
        return cls(**{name: EXTRA_PARSERS[name](fields_.get(name, "")) for name in EXTRA_FIELDS})

    def wire_values(self) -> dict[str, Any]:
        """The set parameters as request keys and JSON values (before the model's table)."""
        values: dict[str, Any] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value is None:
                continue
            if spec.name == "stop":
                value = list(value)
            elif spec.name == "response_format":
                value = {"type": value}
            values[spec.name] = value
        return values

    def to_dict(self) -> dict[str, Any]:
        """The set fields as JSON values (``stop`` as a list); unset fields are left out."""
        return {
            spec.name: list(value) if isinstance(value, tuple) else value
            for spec in fields(self)
            if (value := getattr(self, spec.name)) is not None
        }


_ESCAPES = {"n": "\n", "t": "\t", "s": " ", "|": "|", "\\": "\\"}


def parse_stop(text: str) -> tuple[str, ...] | None:
    """Stop sequences from one line (see the module docstring); ``None`` when empty.

    A literal new line separates sequences too (a pasted list). Raises :class:`ParamError`
    for an unknown escape, more than 4 sequences or an empty one between two bars.
    """
    parts: list[list[tuple[str, bool]]] = [[]]
    """Each sequence as (character, was it escaped): escaped spaces survive the trimming."""
    chars = iter(text)
    for char in chars:
        if char == "\\":
            code = next(chars, "")
            if code not in _ESCAPES:
                shown = f"\\{code}" if code else "a \\ at the end"
                raise ParamError(f"stop: unknown escape {shown} (write \\n, \\t, \\s, \\| or \\\\)")
            parts[-1].append((_ESCAPES[code], True))
        elif char in "|\n":
            parts.append([])
        else:
            parts[-1].append((char, False))
    found = [_trimmed(part) for part in parts]
    if any(not s for s in found[:-1]) and any(found):
        raise ParamError("stop: an empty sequence between two | (remove the extra |)")
    found = [s for s in found if s]
    if len(found) > MAX_STOP_SEQUENCES:
        raise ParamError(f"stop takes at most {MAX_STOP_SEQUENCES} sequences")
    return tuple(found) or None


def _trimmed(part: list[tuple[str, bool]]) -> str:
    """The sequence without the unescaped spaces at its ends."""
    start, end = 0, len(part)
    while start < end and part[start] == (" ", False):
        start += 1
    while end > start and part[end - 1] == (" ", False):
        end -= 1
    return "".join(char for char, _ in part[start:end])


def format_stop(stop: tuple[str, ...] | None) -> str:
    """The text :func:`parse_stop` reads back as ``stop``."""
    if not stop:
        return ""
    return " | ".join(_escape_sequence(s) for s in stop)


def _escape_sequence(sequence: str) -> str:
    escaped = (
        sequence.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n").replace("\t", "\\t")
    )
    stripped = escaped.strip(" ")
    lead = len(escaped) - len(escaped.lstrip(" "))
    trail = len(escaped) - len(escaped.rstrip(" "))
    if not stripped:
        return "\\s" * len(escaped)
    return "\\s" * lead + stripped + "\\s" * trail


def _penalty(name: str) -> Callable[[str], float | None]:
    def parse(text: str) -> float | None:
        text = text.strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            raise ParamError(f"{name} must be a number from -2 to 2") from None
        if not math.isfinite(value) or not -2 <= value <= 2:
            raise ParamError(f"{name} must be from -2 to 2 (got {text})")
        return value

    return parse


parse_presence_penalty = _penalty("presence_penalty")
"""Penalty for tokens already present at all, -2..2."""
parse_frequency_penalty = _penalty("frequency_penalty")
"""Penalty growing with how often a token already appeared, -2..2."""

SEED_LIMIT = 2**63
"""Seeds are 64-bit integers on the server."""


def parse_seed(text: str) -> int | None:
    """A whole number (negative allowed) for best-effort reproducible sampling."""
    text = text.strip().replace("_", "")
    if not text:
        return None
    digits = text.removeprefix("-")
    if not digits.isdigit() or not -SEED_LIMIT <= int(text) < SEED_LIMIT:
        raise ParamError("seed must be a whole number")
    return int(text)


def parse_response_format(text: str) -> ResponseFormat | None:
    """ "text", "json_object" or empty (the server's default, which is text)."""
    text = text.strip()
    if not text:
        return None
    for known in RESPONSE_FORMATS:
        if text == known:
            return known
    raise ParamError("response_format must be text or json_object")


def parse_reasoning_effort(text: str) -> str | None:
    """One of :data:`REASONING_EFFORT_VALUES` or empty (the model's default)."""
    text = text.strip()
    if not text:
        return None
    if text not in REASONING_EFFORT_VALUES:
        raise ParamError(f"reasoning_effort must be one of {', '.join(REASONING_EFFORT_VALUES)}")
    return text


EXTRA_PARSERS: Mapping[str, Callable[[str], Any]] = {
    "presence_penalty": parse_presence_penalty,
    "frequency_penalty": parse_frequency_penalty,
    "stop": parse_stop,
    "seed": parse_seed,
    "response_format": parse_response_format,
    "reasoning_effort": parse_reasoning_effort,
}
"""The parser of each :class:`ExtraParams` field's text, by field name."""


def format_extra(extra: ExtraParams) -> dict[str, str]:
    """The text each field shows for ``extra`` (what the parsers read back)."""

    def number(value: float | None) -> str:
        return "" if value is None else f"{value:g}"

    return {
        "presence_penalty": number(extra.presence_penalty),
        "frequency_penalty": number(extra.frequency_penalty),
        "stop": format_stop(extra.stop),
        "seed": "" if extra.seed is None else str(extra.seed),
        "response_format": extra.response_format or "",
        "reasoning_effort": extra.reasoning_effort or "",
    }
