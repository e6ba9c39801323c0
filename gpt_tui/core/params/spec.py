"""The request parameters, declared once: what each one is called, takes, shows and sends.

:data:`SPECS` is the only list of the parameters a conversation carries. Everything that
reads or checks one derives from it: ``[defaults]`` and ``[presets.NAME]`` in config.toml,
role files (presets and imports), the panel's fields, labels and hints, the palette's field
commands, :class:`~gpt_tui.core.params.extra.ExtraParams`, and the request builder. A new
parameter is one :class:`ParamSpec` here (plus its field on ``Params`` or ``ExtraParams``,
and its row in :mod:`~gpt_tui.core.params.capabilities` if some models reject it).

One rule per kind of value, used by every path: :meth:`ParamSpec.check` takes a value read
from TOML or JSON, :meth:`ParamSpec.parse` the text typed in a field, and both raise the
same :class:`ParamError` ("max_tokens must be a whole number of at least 1 (got 0)").
Ranges are bounded only where the spec says so; ``max_tokens`` stops at
:data:`MAX_TOKENS_LIMIT`, far above any model's reply length, to catch a typo.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from gpt_tui.core.params.error import ParamError, describe_type, show_value
from gpt_tui.core.params.stop import MAX_STOP_SEQUENCES, format_stop, parse_stop

Kind = Literal[
    "model", "number", "whole", "choice", "stop", "prompt", "name", "names", "flag", "switch"
]
"""How a value is written: a model name, a real number, a whole number, one of some words,
stop sequences, free text (kept as written), an optional name (trimmed), a list of names
(typed with commas or spaces between), a flag (``true`` in files, "on" in the panel; off is
not sent at all), or a switch (true or false, both sent; empty: the server's default)."""
FLAG_ON = "on"
"""How the panel shows a switched-on flag (off is the select's blank choice)."""
MAX_TOP_LOGPROBS = 20
"""The most alternatives per token OpenAI returns."""
Where = Literal["defaults", "preset", "role_file", "form"]
"""Where a parameter may be written: config.toml's ``[defaults]``, a preset (``[presets.NAME]``
and presets.toml), a role file's top level, a field of the panel."""

ContextStrategy = Literal["all", "last_turns", "fit"]
"""Which history the next request sends: everything, the last N turns, or what fits."""
CONTEXT_STRATEGIES: tuple[ContextStrategy, ...] = ("all", "last_turns", "fit")
ResponseFormat = Literal["text", "json_object"]
RESPONSE_FORMATS: tuple[ResponseFormat, ...] = ("text", "json_object")
JSON_SCHEMA_PREFIX = "json_schema:"
"""``response_format = "json_schema:NAME"``: the schema ``[schemas.NAME]`` of config.toml."""
REASONING_EFFORT_VALUES: tuple[str, ...] = ("none", "minimal", "low", "medium", "high")
IMAGE_DETAILS: tuple[str, ...] = ("auto", "low", "high")
MAX_TOKENS_LIMIT = 10_000_000
"""No model writes a reply this long: a larger ``max_tokens`` is a typo."""
SEED_LIMIT = 2**63
"""Seeds are 64-bit integers on the server."""
DEFAULT_TOOL_ROUNDS = 8
"""``max_tool_rounds`` when it is not set."""
TOOL_CHOICE_WORDS: tuple[str, ...] = ("auto", "none", "required")
"""``tool_choice`` values other than a function's name."""
_FLAG_WORDS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter: its name everywhere (the ``Params``/``ExtraParams`` field, the config,
    preset and role-file key), its rule, and what the UI shows for it."""

    name: str
    kind: Kind
    label: str
    """The panel's label ("presence penalty")."""
    command: str
    """The palette command that focuses its field ("Parameter: presence penalty")."""
    command_help: str
    """The palette command's one-line hint."""
    placeholder: str = ""
    """The panel field's placeholder, or a select's blank choice."""
    tooltip: str | None = None
    where: frozenset[Where] = frozenset(("defaults", "preset", "role_file", "form"))
    low: float | None = None
    high: float | None = None
    """Inclusive bounds (``None``: unbounded on that side)."""
    expected: str | None = None
    """What a valid value is, when the kind and bounds do not say it well."""
    choices: tuple[str, ...] = ()
    choice_labels: tuple[str, ...] = ()
    """How the panel shows each choice (default: the choice itself)."""
    empty: Any = None
    """The value of an empty field (``None``: not set, not sent)."""
    extra: bool = False
    """Held in :class:`~gpt_tui.core.params.extra.ExtraParams` (sent in ``ChatRequest.extra``)."""
    advanced: bool = False
    """Shown in the panel's collapsed "Advanced" section."""
    tools: bool = False
    """A function-calling field: shown last in the panel's "Advanced" section."""
    wire_wrap: str | None = None
    """Sent as ``{wire_wrap: value}`` (``response_format`` goes out as ``{"type": …}``)."""
    named_prefix: str | None = None
    """A choice may also be this prefix and a name (``json_schema:answer``)."""
    request_key: bool = True
    """False: not a key of the request body. ``max_tool_rounds`` rules gpt-tui, not the
    model; ``detail`` goes on each image part (the request builder applies it there)."""

    @property
    def field_id(self) -> str:
        """The id of the panel's widget for this parameter."""
        return f"param-{self.name}"

    @property
    def expectation(self) -> str:
        """What a valid value is, in words ("a number from 0 to 2")."""
        return self._expected()

    @property
    def json_types(self) -> tuple[type, ...]:
        """The JSON types a stored value of this parameter has (before :meth:`check`)."""
        if self.kind == "number":
            return (int, float)
        if self.kind == "whole":
            return (int,)
        if self.kind in ("stop", "names"):
            return (list,)
        if self.kind in ("flag", "switch"):
            return (bool,)
        return (str,)

    def _expected(self, *, too_high: bool = False) -> str:
        if self.expected:
            return self.expected
        kind = self.kind
        if kind == "number":
            return f"a number from {self.low:g} to {self.high:g}"
        if kind == "whole":
            # Whole numbers name the bound they broke: "of at least 1" for 0 or 1.5,
            # "of at most 10,000,000" for 20,000,000.
            if too_high:
                return f"a whole number of at most {self.high:,}"
            return f"a whole number of at least {self.low:,}"
        if self.kind == "choice" and self.named_prefix:
            return f"{' or '.join(self.choices)}, or {self.named_prefix}NAME"
        if self.kind == "choice":
            if len(self.choices) == 2:
                return " or ".join(self.choices)
            return f"one of {', '.join(self.choices)}"
        if kind == "model":
            return "a model name"
        if kind == "stop":
            return f"a string or a list of up to {MAX_STOP_SEQUENCES} non-empty strings"
        if kind == "names":
            return "a list of names"
        if kind in ("flag", "switch"):
            return "true or false"
        return "a string"

    def _bad(self, got: str, *, too_high: bool = False) -> ParamError:
        expected = self._expected(too_high=too_high)
        return ParamError(self.name, f"must be {expected} (got {got})", expected=expected)

    def check(self, value: object) -> Any:
        """The clean value of ``value`` as read from TOML or JSON (``None``: unset), or
        :class:`ParamError` saying what is expected."""
        kind = self.kind
        if kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self._bad(show_value(value))
            try:
                number = float(value)
            except OverflowError:
                number = math.inf
            if not math.isfinite(number) or not self._in_range(number):
                raise self._bad(show_value(value))
            return number
        if kind == "whole":
            if isinstance(value, bool) or not isinstance(value, int) or not self._in_range(value):
                too_high = isinstance(value, int) and self.high is not None and value > self.high
                raise self._bad(show_value(value), too_high=too_high)
            return value
        if kind == "stop":
            return self._check_stop(value)
        if kind == "flag":
            if not isinstance(value, bool):
                raise self._bad(describe_type(value))
            return True if value else None
        if kind == "names":
            return self._check_names(value)
        if kind == "switch":
            if not isinstance(value, bool):
                raise self._bad(describe_type(value))
            return value
        if not isinstance(value, str):
            raise self._bad(describe_type(value))
        if kind == "prompt":
            return value
        text = value.strip()
        if kind == "name":
            return text or None
        if kind == "model":
            if not text:
                raise ParamError(self.name, "cannot be empty", expected=self.expectation)
            return text
        if not text and self.empty is not None:
            return self.empty
        if not text:
            return None
        prefix = self.named_prefix
        if prefix and text.startswith(prefix) and text[len(prefix) :].strip():
            return prefix + text[len(prefix) :].strip()
        if text not in self.choices:
            raise self._bad(show_value(value))
        return text

    def _in_range(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def _check_stop(self, value: object) -> tuple[str, ...] | None:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(s, str) for s in items):
            raise self._bad(describe_type(value))
        sequences = tuple(cast(list[str], items))
        if not all(sequences):
            raise ParamError(self.name, "must be a list of non-empty strings")
        if len(sequences) > MAX_STOP_SEQUENCES:
            raise ParamError(self.name, f"takes at most {MAX_STOP_SEQUENCES} sequences")
        return sequences or None

    def _check_names(self, value: object) -> tuple[str, ...] | None:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(s, str) for s in items):
            raise self._bad(describe_type(value))
        names = tuple(dict.fromkeys(n.strip() for n in cast(list[str], items) if n.strip()))
        return names or None

    def parse(self, text: str) -> Any:
        """The value of the text typed in this parameter's field (empty: :attr:`empty`), or
        :class:`ParamError` with the same wording as :meth:`check`."""
        kind = self.kind
        if kind in ("prompt", "model", "name", "choice"):
            return self.check(text)
        if kind == "stop":
            return self.check(list(parse_stop(text) or ()))
        if kind == "flag":
            typed = text.strip().lower()
            if typed not in ("", "off", FLAG_ON, "true", "false"):
                raise self._bad(show_value(text))
            return True if typed in (FLAG_ON, "true") else None
        if kind == "names":
            return self.check(text.replace(",", " ").split())
        typed = text.strip()
        if kind == "switch":
            if not typed:
                return self.empty
            if typed.lower() not in _FLAG_WORDS:
                raise self._bad(typed)
            return _FLAG_WORDS[typed.lower()]
        if not typed:
            return self.empty
        try:
            if kind == "number":
                value: float | int = float(typed)
            else:
                value = int(typed.replace("_", "").replace(",", ""))
        except ValueError:
            raise self._bad(typed) from None
        try:
            return self.check(value)
        except ParamError:
            too_high = self.high is not None and value > self.high
            raise self._bad(typed, too_high=too_high) from None

    def format(self, value: Any) -> str:
        """The text :meth:`parse` reads back as ``value``."""
        if value is None:
            return ""
        if self.kind == "number":
            return f"{value:g}"
        if self.kind == "stop":
            return format_stop(value)
        if self.kind == "flag":
            return FLAG_ON if value else ""
        if self.kind == "names":
            return ", ".join(value)
        if self.kind == "switch":
            return "true" if value else "false"
        return str(value)

    def wire(self, value: Any) -> Any:
        """``value`` as the request's JSON sends it."""
        if isinstance(value, tuple):
            return list(cast(tuple[object, ...], value))
        return value if self.wire_wrap is None else {self.wire_wrap: value}


_NOT_FORM: frozenset[Where] = frozenset(("defaults", "preset", "role_file"))
_NOT_ROLE: frozenset[Where] = frozenset(("defaults", "preset", "form"))

SPECS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "model",
        "model",
        label="model",
        command="Model: switch model",
        command_help="Type a model name for this chat",
        placeholder="e.g. gpt-4o-mini",
        where=frozenset(("preset", "role_file", "form")),  # [defaults] has it as `model` on top
    ),
    ParamSpec(
        "temperature",
        "number",
        label="temperature",
        command="Parameter: temperature",
        command_help="0–2; empty = server default",
        placeholder="0–2 (empty: server default)",
        low=0.0,
        high=2.0,
    ),
    ParamSpec(
        "top_p",
        "number",
        label="top_p",
        command="Parameter: top_p",
        command_help="0–1; empty = server default",
        placeholder="0–1 (empty: server default)",
        low=0.0,
        high=1.0,
    ),
    ParamSpec(
        "max_tokens",
        "whole",
        label="max_tokens",
        command="Parameter: max_tokens",
        command_help="Cap the reply length",
        placeholder="≥ 1 (empty: no limit)",
        low=1,
        high=MAX_TOKENS_LIMIT,
    ),
    ParamSpec(
        "system_prompt",
        "prompt",
        label="system prompt",
        command="Parameter: system prompt",
        command_help="Instructions sent first",
        placeholder="Instructions sent first in every request",
        where=_NOT_ROLE,  # a role file's system prompt is its system messages
        empty="",
    ),
    ParamSpec(
        "context",
        "choice",
        label="history sent",
        command="Parameter: history sent",
        command_help="Everything, last N turns, or fit",
        where=_NOT_ROLE,
        choices=CONTEXT_STRATEGIES,
        choice_labels=("send everything", "last N turns", "fit the context window"),
        empty="all",
    ),
    ParamSpec(
        "context_turns",
        "whole",
        label="turns",
        command="",  # focused with "history sent"
        command_help="",
        placeholder="10",
        tooltip="How many recent turns 'last N turns' keeps",
        where=_NOT_ROLE,
        low=1,
        high=100_000,
        empty=10,
    ),
    ParamSpec(
        "presence_penalty",
        "number",
        label="presence penalty",
        command="Parameter: presence penalty",
        command_help="-2–2; advanced",
        placeholder="-2–2 (empty: server default)",
        low=-2.0,
        high=2.0,
        extra=True,
        advanced=True,
    ),
    ParamSpec(
        "frequency_penalty",
        "number",
        label="frequency penalty",
        command="Parameter: frequency penalty",
        command_help="-2–2; advanced",
        placeholder="-2–2 (empty: server default)",
        low=-2.0,
        high=2.0,
        extra=True,
        advanced=True,
    ),
    ParamSpec(
        "seed",
        "whole",
        label="seed",
        command="Parameter: seed",
        command_help="Best-effort reproducible sampling; advanced",
        placeholder="whole number (empty: random)",
        low=-SEED_LIMIT,
        high=SEED_LIMIT - 1,
        expected="a whole number (64-bit)",
        extra=True,
        advanced=True,
    ),
    ParamSpec(
        "stop",
        "stop",
        label="stop",
        command="Parameter: stop sequences",
        command_help="Up to 4, | between; advanced",
        placeholder="e.g. \\n\\n | END (≤ 4)",
        tooltip=(
            "Up to 4 stop sequences, separated by |. Escapes: \\n new line, \\t tab, "
            "\\s space (kept at the ends), \\| a bar, \\\\ a backslash."
        ),
        extra=True,
        advanced=True,
    ),
    ParamSpec(
        "response_format",
        "choice",
        label="response format",
        command="Parameter: response format",
        command_help="Text or JSON; advanced",
        placeholder="server default",
        choices=RESPONSE_FORMATS,
        choice_labels=("text", "JSON object"),
        extra=True,
        advanced=True,
        wire_wrap="type",
        named_prefix=JSON_SCHEMA_PREFIX,
    ),
    ParamSpec(
        "reasoning_effort",
        "choice",
        label="reasoning effort",
        command="Parameter: reasoning effort",
        command_help="Reasoning models",
        placeholder="model default",
        choices=REASONING_EFFORT_VALUES,
        extra=True,
        advanced=True,
    ),
    ParamSpec(
        "logprobs",
        "flag",
        label="token probabilities",
        command="Parameter: token probabilities (logprobs)",
        command_help="Keep each token's probability; advanced",
        placeholder="off",
        tooltip="Ask for each token's log probability (logprobs); the reply keeps them "
        "for the probability view.",
        expected="true or false",
        choices=(FLAG_ON,),
        extra=True,
        advanced=True,
    ),
    ParamSpec(
        "top_logprobs",
        "whole",
        label="top alternatives",
        command="Parameter: top alternatives (top_logprobs)",
        command_help="0–20 alternatives per token; advanced",
        placeholder=f"0–{MAX_TOP_LOGPROBS} (needs token probabilities)",
        tooltip="How many likely alternatives to keep for each token (top_logprobs); "
        "sent only with token probabilities on.",
        low=0,
        high=MAX_TOP_LOGPROBS,
        extra=True,
        advanced=True,
    ),
    ParamSpec(
        "tools",
        "names",
        label="tools",
        command="Parameter: tools",
        command_help="Functions the model may call; tools",
        placeholder="e.g. get_weather, mcp:time",
        tooltip=(
            "Names of [tools.NAME] tables in config.toml or of loaded tools, separated by "
            "commas; mcp:SERVER for all of a server's tools, mcp:SERVER/TOOL for one."
        ),
        extra=True,
        tools=True,
    ),
    ParamSpec(
        "tool_choice",
        "name",
        label="tool choice",
        command="Parameter: tool choice",
        command_help="auto, none, required or a function; tools",
        placeholder="auto | none | required | a function",
        extra=True,
        tools=True,
    ),
    ParamSpec(
        "parallel_tool_calls",
        "switch",
        label="parallel tool calls",
        command="Parameter: parallel tool calls",
        command_help="true or false; tools",
        placeholder="true | false (empty: server default)",
        extra=True,
        tools=True,
    ),
    ParamSpec(
        "max_tool_rounds",
        "whole",
        label="max tool rounds",
        command="Parameter: max tool rounds",
        command_help="Follow-ups sent by themselves after a prompt; tools",
        placeholder=f"≥ 1 (empty: {DEFAULT_TOOL_ROUNDS})",
        tooltip=(
            "How many times after one prompt gpt-tui sends tool results back by itself "
            "before it waits for ctrl+r, so a loop of calls can't run up cost."
        ),
        low=1,
        high=1000,
        extra=True,
        tools=True,
        request_key=False,
    ),
    ParamSpec(
        "detail",
        "choice",
        label="image detail",
        command="Parameter: image detail",
        command_help="auto, low or high; images",
        placeholder="auto",
        tooltip=(
            "How closely the model looks at attached images: low costs a fixed few tokens, "
            "high reads 512 px tiles (more tokens)."
        ),
        choices=IMAGE_DETAILS,
        extra=True,
        advanced=True,
        request_key=False,
    ),
    ParamSpec(
        "profile",
        "name",
        label="profile",
        command="",  # the palette lists one command per profile
        command_help="",
        where=frozenset(("preset",)),
    ),
)
"""Every parameter, in the order the panel shows them."""

BY_NAME: Mapping[str, ParamSpec] = {spec.name: spec for spec in SPECS}
EXTRA_FIELDS: tuple[str, ...] = tuple(spec.name for spec in SPECS if spec.extra)
"""The :class:`~gpt_tui.core.params.extra.ExtraParams` fields, in the order the panel shows
them."""


def spec_for(name: str) -> ParamSpec:
    """The spec of parameter ``name``; ``KeyError`` for an unknown one."""
    return BY_NAME[name]


def keys_for(where: Where) -> tuple[str, ...]:
    """The parameter keys accepted in ``where``, in :data:`SPECS` order."""
    return tuple(spec.name for spec in SPECS if where in spec.where)


def check_value(key: str, value: object) -> Any:
    """The clean value of parameter ``key`` read from TOML or JSON, or :class:`ParamError`."""
    return BY_NAME[key].check(value)


def palette_fields() -> tuple[tuple[str, str, str], ...]:
    """``(title, field_id, hint)`` of each palette command that focuses a parameter's field."""
    return tuple((s.command, s.field_id, s.command_help) for s in SPECS if s.command)


def wire_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The set values (by parameter name) as request keys and JSON values."""
    return {
        k: BY_NAME[k].wire(v) for k, v in values.items() if v is not None and BY_NAME[k].request_key
    }
