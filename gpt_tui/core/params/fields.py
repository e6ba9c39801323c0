"""The panel's fields as typed text, and their conversion to and from a conversation's
:class:`~gpt_tui.core.domain.conversation.Params`.

Each field is parsed by its spec (:meth:`~gpt_tui.core.params.spec.ParamSpec.parse`): the
value (``None`` for an empty field, meaning "not set, not sent") or :class:`ParamError` with a
message that can be shown next to the field. This module sits above the domain (it builds
``Params``); the spec and the value types sit below it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.params.error import ParamError
from gpt_tui.core.params.extra import EXTRA_FIELDS, ExtraParams
from gpt_tui.core.params.spec import BY_NAME, keys_for

__all__ = [
    "FIELD_PARSERS",
    "ParamError",
    "ParamsForm",
    "params_with",
    "parse_max_tokens",
    "parse_temperature",
    "parse_top_p",
]

FIELD_PARSERS: Mapping[str, Callable[[str], Any]] = {
    name: BY_NAME[name].parse for name in keys_for("form") if name != "system_prompt"
}
"""Parsers of the single-line fields and selects, by parameter name."""

parse_temperature = BY_NAME["temperature"].parse
parse_top_p = BY_NAME["top_p"].parse
parse_max_tokens = BY_NAME["max_tokens"].parse


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
    """Stop sequences separated by ``|`` (see :func:`~gpt_tui.core.params.stop.parse_stop`)."""
    seed: str = ""
    response_format: str = ""
    reasoning_effort: str = ""
    logprobs: str = ""
    top_logprobs: str = ""
    tools: str = ""
    """Tool names separated by commas."""
    tool_choice: str = ""
    parallel_tool_calls: str = ""
    max_tool_rounds: str = ""
    detail: str = ""

    @classmethod
    def from_params(cls, params: Params) -> ParamsForm:
        """The text each field shows for ``params``."""
        shown = {
            name: BY_NAME[name].format(getattr(params, name))
            for name in keys_for("form")
            if name not in EXTRA_FIELDS
        }
        extra = {name: BY_NAME[name].format(getattr(params.extra, name)) for name in EXTRA_FIELDS}
        return cls(profile=params.profile or "", **shown, **extra)

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
        values = {name: BY_NAME[name].parse(getattr(self, name)) for name in keys_for("form")}
        extra = {name: values.pop(name) for name in EXTRA_FIELDS}
        return Params(**values, profile=self.profile or None, extra=ExtraParams(**extra))


def params_with(params: Params, values: Mapping[str, Any]) -> Params:
    """``params`` with the checked ``values`` (by parameter name) replacing its own; the
    optional ones go into its ``extra``."""
    plain = {k: v for k, v in values.items() if k not in EXTRA_FIELDS}
    extra = {k: v for k, v in values.items() if k in EXTRA_FIELDS}
    return replace(params, **plain, extra=replace(params.extra, **extra))
