"""Parse and validate the parameter fields a user types, before anything is sent.

Each parser takes the raw text of one field and returns the value (``None`` for an empty
field, meaning "not set, not sent") or raises :class:`ParamError` with a message that can be
shown next to the field.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gpt_tui.core.domain.conversation import CONTEXT_STRATEGIES, ContextStrategy, Params
from gpt_tui.core.params.extra import (
    EXTRA_FIELDS,
    EXTRA_PARSERS,
    ExtraParams,
    ParamError,
    format_extra,
)

__all__ = [
    "FIELD_PARAMS_HINTS",
    "FIELD_PARSERS",
    "MAX_TOKENS_LIMIT",
    "ParamError",
    "ParamsForm",
    "parse_context",
    "parse_context_turns",
    "parse_max_tokens",
    "parse_model",
    "parse_temperature",
    "parse_top_p",
]


def _number(text: str, name: str, low: float, high: float) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ParamError(f"{name} must be a number from {low:g} to {high:g}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ParamError(f"{name} must be from {low:g} to {high:g} (got {text})")
    return value


def parse_temperature(text: str) -> float | None:
    """Sampling temperature, 0–2."""
    return _number(text, "temperature", 0.0, 2.0)


def parse_top_p(text: str) -> float | None:
    """Nucleus sampling mass, 0–1."""
    return _number(text, "top_p", 0.0, 1.0)


MAX_TOKENS_LIMIT = 10_000_000


def parse_max_tokens(text: str) -> int | None:
    """Upper bound on reply tokens: a whole number ≥ 1."""
    text = text.strip().replace("_", "").replace(",", "")
    if not text:
        return None
    if not text.isdigit() or int(text) < 1 or int(text) > MAX_TOKENS_LIMIT:
        raise ParamError("max_tokens must be a whole number ≥ 1")
    return int(text)


def parse_context_turns(text: str) -> int:
    """How many recent turns "last turns" keeps: a whole number ≥ 1 (empty: 10)."""
    text = text.strip()
    if not text:
        return 10
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise ParamError("turns must be a whole number ≥ 1")
    return int(text)


def parse_context(text: str) -> ContextStrategy:
    """One of the context strategies."""
    if text not in CONTEXT_STRATEGIES:
        raise ParamError(f"context must be one of {', '.join(CONTEXT_STRATEGIES)}")
    return text


def parse_model(text: str) -> str:
    """A model name: anything non-blank (servers define their own names)."""
    name = text.strip()
    if not name:
        raise ParamError("model cannot be empty")
    return name


FIELD_PARSERS: Mapping[str, Callable[[str], Any]] = {
    "model": parse_model,
    "temperature": parse_temperature,
    "top_p": parse_top_p,
    "max_tokens": parse_max_tokens,
    "context": parse_context,
    "context_turns": parse_context_turns,
    **EXTRA_PARSERS,
}
"""Parsers of the single-line fields and selects, by :class:`Params` (or
:class:`~gpt_tui.core.params.extra.ExtraParams`) field name."""


@dataclass(frozen=True, slots=True)
class ParamsForm:
    """The raw text of every parameter field, as typed."""

    model: str
    temperature: str
    top_p: str
    max_tokens: str
    system_prompt: str
    context: str = "all"
    context_turns: str = "10"
    profile: str = ""
    """The profile's name; "" for the default profile."""
    presence_penalty: str = ""
    frequency_penalty: str = ""
    stop: str = ""
    """Stop sequences separated by ``|`` (see :func:`~gpt_tui.core.params.extra.parse_stop`)."""
    seed: str = ""
    response_format: str = ""
    reasoning_effort: str = ""

    @classmethod
    def from_params(cls, params: Params) -> ParamsForm:
        """The text each field shows for ``params``."""
        return cls(
            model=params.model,
            temperature=_fmt(params.temperature),
            top_p=_fmt(params.top_p),
            max_tokens="" if params.max_tokens is None else str(params.max_tokens),
            system_prompt=params.system_prompt,
            context=params.context,
            context_turns=str(params.context_turns),
            profile=params.profile or "",
            **format_extra(params.extra),
        )

    def errors(self) -> dict[str, str]:
        """Field name → message for every invalid field (empty when all are valid)."""
        errors: dict[str, str] = {}
        for name, parser in FIELD_PARSERS.items():
            try:
                parser(getattr(self, name))
            except ParamError as exc:
                errors[name] = str(exc)
        return errors

    def to_params(self) -> Params:
        """The parsed parameters; raises :class:`ParamError` on the first invalid field."""
        return Params(
            model=parse_model(self.model),
            temperature=parse_temperature(self.temperature),
            top_p=parse_top_p(self.top_p),
            max_tokens=parse_max_tokens(self.max_tokens),
            system_prompt=self.system_prompt,
            context=parse_context(self.context),
            context_turns=parse_context_turns(self.context_turns),
            profile=self.profile or None,
            extra=ExtraParams(
                **{name: EXTRA_PARSERS[name](getattr(self, name)) for name in EXTRA_FIELDS}
            ),
        )


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


FIELD_PARAMS_HINTS: Mapping[str, str] = {
    "model": "e.g. gpt-4o-mini",
    "temperature": "0–2 (empty: server default)",
    "top_p": "0–1 (empty: server default)",
    "max_tokens": "≥ 1 (empty: no limit)",
    "system_prompt": "Instructions sent first in every request",
    "context_turns": "10",
    "presence_penalty": "-2–2 (empty: server default)",
    "frequency_penalty": "-2–2 (empty: server default)",
    "stop": "e.g. \\n\\n | END (≤ 4)",
    "seed": "whole number (empty: random)",
}
"""Placeholder text for each field."""
