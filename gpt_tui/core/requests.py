"""Turn a conversation into the request its next turn sends.

:func:`build_request` applies the model's :func:`~gpt_tui.core.capabilities.capabilities_for`
table: for reasoning models ``max_tokens`` goes out as ``max_completion_tokens``, sampling
parameters they reject are left out, and the system prompt becomes a ``developer`` message
(or, for o1-mini/o1-preview, part of the first user message).

Parameters that :class:`~gpt_tui.core.models.Params` does not have yet (penalties, stop,
seed, response_format, reasoning_effort) come in an :class:`ExtraParams`; each is sent only
when set and when it applies to the model, under ``ChatRequest.extra``. To wire them into
the UI: keep an ``ExtraParams`` per conversation and pass it as ``build_request(params,
history, extra)``; :meth:`ExtraParams.from_strings` parses and validates typed fields.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

from gpt_tui.core.capabilities import Capabilities, adapt_system_messages, capabilities_for
from gpt_tui.core.models import Message, Params
from gpt_tui.core.params import ParamError
from gpt_tui.core.providers.base import ChatRequest

ResponseFormat = Literal["text", "json_object"]
RESPONSE_FORMATS: tuple[ResponseFormat, ...] = ("text", "json_object")
REASONING_EFFORT_VALUES: tuple[str, ...] = ("none", "minimal", "low", "medium", "high")
MAX_STOP_SEQUENCES = 4


@dataclass(frozen=True, slots=True)
class ExtraParams:
    """Optional request parameters beyond :class:`Params`; ``None`` means "not sent".

    The constructor validates: it raises :class:`~gpt_tui.core.params.ParamError` (a
    ``ValueError``) naming the field, so a UI can show the message next to it.
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
        """Parse typed text fields (empty = not set); ``stop`` is one sequence per line.

        Raises :class:`~gpt_tui.core.params.ParamError` for the first bad field.
        """

        def text(name: str) -> str | None:
            return fields_.get(name, "").strip() or None

        def number(name: str) -> float | None:
            raw = text(name)
            if raw is None:
                return None
            try:
                return float(raw)
            except ValueError:
                raise ParamError(f"{name} must be a number from -2 to 2") from None

        seed_text = text("seed")
        if seed_text is not None and not seed_text.lstrip("-").isdigit():
            raise ParamError("seed must be a whole number")
        stop = [line for line in fields_.get("stop", "").split("\n") if line]
        return cls(
            presence_penalty=number("presence_penalty"),
            frequency_penalty=number("frequency_penalty"),
            stop=tuple(stop) or None,
            seed=None if seed_text is None else int(seed_text),
            response_format=_response_format(text("response_format")),
            reasoning_effort=text("reasoning_effort"),
        )

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


def _response_format(value: str | None) -> ResponseFormat | None:
    if value is None:
        return None
    for known in RESPONSE_FORMATS:
        if value == known:
            return known
    raise ParamError("response_format must be text or json_object")


def build_request(
    params: Params, history: Sequence[Message], extra: ExtraParams | None = None
) -> ChatRequest:
    """The request for ``history`` (oldest first) with ``params`` and ``extra``.

    The system prompt goes first when set; replies that failed or were interrupted are left
    out (see :attr:`Message.sent_in_history`) so a re-sent prompt meets a clean history.
    What the model does not take is left out and what it takes under another name is
    renamed (see :mod:`gpt_tui.core.capabilities`).
    """
    caps = capabilities_for(params.model)
    messages: list[dict[str, str]] = []
    if params.system_prompt.strip():
        messages.append({"role": "system", "content": params.system_prompt})
    messages.extend({"role": m.role, "content": m.content} for m in history if m.sent_in_history)
    messages = adapt_system_messages(messages, caps.system_role)
    wire: dict[str, Any] = {}
    max_tokens = params.max_tokens
    if max_tokens is not None and caps.max_tokens.wire_name:
        wire[caps.max_tokens.wire_name] = max_tokens
        max_tokens = None
    if extra is not None:
        wire.update(_applicable(extra.wire_values(), caps))
    return ChatRequest(
        model=params.model,
        messages=messages,
        temperature=params.temperature if caps.temperature.applies else None,
        top_p=params.top_p if caps.top_p.applies else None,
        max_tokens=max_tokens,
        extra=wire,
    )


def _applicable(values: dict[str, Any], caps: Capabilities) -> dict[str, Any]:
    kept = {k: v for k, v in values.items() if caps.support(k).applies}
    effort = kept.get("reasoning_effort")
    if effort is not None and caps.reasoning_efforts and effort not in caps.reasoning_efforts:
        # Not one this model takes (e.g. "minimal" for o3): let the server's default apply.
        del kept["reasoning_effort"]
    return kept
