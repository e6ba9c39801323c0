"""The optional playground parameters beyond model, temperature, top_p and max_tokens.

:class:`ExtraParams` holds presence/frequency penalties, stop sequences, seed, response
format and reasoning effort; ``None`` means "not set, not sent". Its rules are the spec's
(:mod:`gpt_tui.core.params.spec`); it lives below
:mod:`gpt_tui.core.domain.conversation`, whose ``Params`` carries one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from gpt_tui.core.params.error import ParamError
from gpt_tui.core.params.spec import (
    BY_NAME,
    EXTRA_FIELDS,
    REASONING_EFFORT_VALUES,
    RESPONSE_FORMATS,
    SEED_LIMIT,
    ResponseFormat,
    wire_values,
)
from gpt_tui.core.params.stop import MAX_STOP_SEQUENCES, format_stop, parse_stop

__all__ = [
    "EXTRA_FIELDS",
    "EXTRA_PARSERS",
    "MAX_STOP_SEQUENCES",
    "REASONING_EFFORT_VALUES",
    "RESPONSE_FORMATS",
    "SEED_LIMIT",
    "ExtraParams",
    "ParamError",
    "ResponseFormat",
    "format_extra",
    "format_stop",
    "parse_seed",
    "parse_stop",
]


@dataclass(frozen=True, slots=True)
class ExtraParams:
    """Optional request parameters; ``None`` means "not sent".

    The constructor validates each field with its spec: it raises :class:`ParamError` (a
    ``ValueError``) naming the field, so a UI can show the message next to it.
    """

    presence_penalty: float | None = None
    """-2..2."""
    frequency_penalty: float | None = None
    """-2..2."""
    stop: tuple[str, ...] | None = None
    """Up to 4 non-empty stop sequences."""
    seed: int | None = None
    response_format: str | None = None
    """"json_object" is sent as ``{"type": "json_object"}`` (JSON mode; the prompt must
    mention JSON); "json_schema:NAME" as the schema ``[schemas.NAME]`` (structured outputs,
    see :mod:`gpt_tui.core.config.schemas`)."""
    reasoning_effort: str | None = None
    """"minimal", "low", "medium", "high" (which ones a model takes:
    ``capabilities_for(model).reasoning_efforts``)."""
    logprobs: bool | None = None
    """True: the reply comes with each token's log probability (``None``: off, not sent)."""
    top_logprobs: int | None = None
    """0–20 alternatives per token; sent only with ``logprobs``."""
    tools: tuple[str, ...] | None = None
    """Names of the tools offered (``[tools.NAME]``, loaded ones, ``mcp:SERVER[/TOOL]``);
    the request builder sends their definitions."""
    tool_choice: str | None = None
    """"auto", "none", "required" or one function's name."""
    parallel_tool_calls: bool | None = None
    max_tool_rounds: int | None = None
    """Follow-ups sent by themselves after one prompt (None: ``DEFAULT_TOOL_ROUNDS``);
    never sent to the server."""
    detail: str | None = None
    """How closely attached images are read: "auto", "low" or "high" (sent on each image
    part, not as a request key; ``None``: the server's default, auto)."""

    def __post_init__(self) -> None:
        for name in EXTRA_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if name in ("stop", "tools") and not isinstance(value, tuple):
                raise ParamError(name, "must be a list of non-empty strings")
            object.__setattr__(self, name, BY_NAME[name].check(value))

    @classmethod
    def from_strings(cls, fields_: Mapping[str, str]) -> ExtraParams:
        """Parse typed text fields (empty or missing = not set; ``stop`` as :func:`parse_stop`).

        Raises :class:`ParamError` for the first bad field.
        """
        return cls(**{name: EXTRA_PARSERS[name](fields_.get(name, "")) for name in EXTRA_FIELDS})

    def wire_values(self) -> dict[str, Any]:
        """The set parameters as request keys and JSON values (before the model's table)."""
        return wire_values({spec.name: getattr(self, spec.name) for spec in fields(self)})

    def to_dict(self) -> dict[str, Any]:
        """The set fields as JSON values (``stop`` as a list); unset fields are left out."""
        return {
            spec.name: list(value) if isinstance(value, tuple) else value
            for spec in fields(self)
            if (value := getattr(self, spec.name)) is not None
        }


EXTRA_PARSERS: Mapping[str, Callable[[str], Any]] = {
    name: BY_NAME[name].parse for name in EXTRA_FIELDS
}
"""The parser of each :class:`ExtraParams` field's text, by field name."""

parse_seed = BY_NAME["seed"].parse
"""A whole number (negative allowed) for best-effort reproducible sampling."""


def format_extra(extra: ExtraParams) -> dict[str, str]:
    """The text each field shows for ``extra`` (what the parsers read back)."""
    return {name: BY_NAME[name].format(getattr(extra, name)) for name in EXTRA_FIELDS}
