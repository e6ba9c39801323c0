"""Which request parameters apply to which model, and why not when they don't.

OpenAI's reasoning models (o1, o3, o3-mini, o4-mini, the gpt-5 family…) take
``max_completion_tokens`` instead of ``max_tokens``, reject the sampling parameters
(temperature, top_p, penalties, logprobs), take the system prompt as a ``developer``
message (o1-mini and o1-preview take neither: the prompt is folded into the first user
message) and are the only models with ``reasoning_effort``. Every other model — chat models,
``gpt-5-chat*``, local and third-party models — takes the classic parameters.

:func:`capabilities_for` answers per model name (date suffixes like ``-2025-01-31`` and
gateway prefixes like ``openai/`` are ignored);
:func:`~gpt_tui.core.planning.request_builder.build_request` applies the answer, and the UI
can show :attr:`Support.reason` next to a field that will not be sent.
What a server rejects despite this table is
learned at run time by the provider (see ``OpenAIProvider``), per profile and model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

SystemRole = Literal["system", "developer", "user"]
"""How the system prompt is sent: as itself, as a developer message, or folded into the
first user message."""

PARAMS: tuple[str, ...] = (
    "temperature",
    "top_p",
    "max_tokens",
    "presence_penalty",
    "frequency_penalty",
    "stop",
    "seed",
    "response_format",
    "reasoning_effort",
    "logprobs",
    "top_logprobs",
    "system_prompt",
    "tools",
)
"""The parameters :class:`Capabilities` answers for (names as in the request/UI)."""

REASONING_EFFORTS: tuple[str, ...] = ("low", "medium", "high")
GPT5_REASONING_EFFORTS: tuple[str, ...] = ("minimal", "low", "medium", "high")


@dataclass(frozen=True, slots=True)
class Support:
    """Whether one parameter applies to a model."""

    applies: bool
    reason: str = ""
    """Why it does not apply, or how it is sent differently; "" when plain."""
    wire_name: str | None = None
    """The name it is sent under when that differs (``max_completion_tokens``)."""


_PLAIN = Support(True)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What applies to one model; one :class:`Support` per parameter of :data:`PARAMS`."""

    model: str
    family: str | None
    """The reasoning family ("o3-mini", "gpt-5"…); ``None`` for other models."""
    reasoning: bool
    system_role: SystemRole
    temperature: Support
    top_p: Support
    max_tokens: Support
    presence_penalty: Support
    frequency_penalty: Support
    stop: Support
    seed: Support
    response_format: Support
    reasoning_effort: Support
    logprobs: Support
    system_prompt: Support
    top_logprobs: Support
    tools: Support = _PLAIN
    """``tools`` (with ``tool_choice`` and ``parallel_tool_calls``, which follow it)."""
    reasoning_efforts: tuple[str, ...] = ()
    """The values ``reasoning_effort`` takes for this model (empty when it does not apply)."""
    vision: bool | None = None
    """Whether the model reads images (and PDF ``file`` parts): True for OpenAI's vision
    models, False for OpenAI models known to refuse them, None when unknown (local and
    other vendors' models: a profile's ``vision`` setting decides, else the server)."""

    def support(self, param: str) -> Support:
        """The :class:`Support` of ``param`` (one of :data:`PARAMS`); unknown ones apply."""
        if param not in PARAMS:
            return _PLAIN
        value: Support = getattr(self, param)
        return value

    @property
    def reasoning_in_tool_turns(self) -> bool:
        """Whether the reasoning of replies that called tools goes back within that turn:
        DeepSeek's thinking mode requires it (its API docs, "thinking mode" with tool
        calls); every other server is sent no reasoning at all."""
        return "deepseek" in self.model.lower()

    @property
    def max_tokens_param(self) -> str:
        """The request key for the reply-length limit."""
        return self.max_tokens.wire_name or "max_tokens"

    def notes(self) -> list[str]:
        """One line per parameter that is not sent, or sent differently, for this model."""
        return [s.reason for p in PARAMS if (s := self.support(p)).reason]


@dataclass(frozen=True, slots=True)
class _Family:
    name: str
    pattern: str
    efforts: tuple[str, ...]
    legacy: bool = False
    """o1-mini / o1-preview: no system or developer messages, no reasoning_effort, no
    response_format."""


_FAMILIES: tuple[_Family, ...] = (
    _Family("o1-mini", r"o1-mini", (), legacy=True),
    _Family("o1-preview", r"o1-preview", (), legacy=True),
    _Family("o1", r"o1(?:-pro)?", REASONING_EFFORTS),
    _Family("o3-mini", r"o3-mini", REASONING_EFFORTS),
    _Family("o3", r"o3(?:-pro|-deep-research)?", REASONING_EFFORTS),
    _Family("o4-mini", r"o4-mini(?:-deep-research)?", REASONING_EFFORTS),
    _Family(
        "gpt-5",
        r"gpt-5(?:\.\d+)?(?:-(?:mini|nano|pro|codex(?:-mini|-max)?))?",
        GPT5_REASONING_EFFORTS,
    ),
)
_SUFFIX = r"(?:-\d{4}-\d{2}-\d{2}|-latest|-preview)?"
_COMPILED = tuple((f, re.compile(f.pattern + _SUFFIX)) for f in _FAMILIES)
_DATE = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def model_family(model: str) -> str | None:
    """The reasoning family of ``model`` ("o3-mini", "gpt-5"…), or ``None``."""
    found = _match(model)
    return None if found is None else found[0].name


def _match(model: str) -> tuple[_Family, str] | None:
    """The family and the display name (without a date or gateway prefix)."""
    name = model.strip().lower().rsplit("/", 1)[-1]
    for family, pattern in _COMPILED:
        if pattern.fullmatch(name):
            return family, _DATE.sub("", name)
    return None


@lru_cache(maxsize=256)
def capabilities_for(model: str) -> Capabilities:
    """What applies to ``model`` (any name: unknown models get the classic parameters)."""
    found = _match(model)
    if found is None:
        return _chat(model)
    family, label = found
    return _reasoning(model, family, label)


def _chat(model: str) -> Capabilities:
    not_reasoning = Support(
        False, f"{model or 'this model'} ignores reasoning_effort: only reasoning models take it"
    )
    return Capabilities(
        model=model,
        family=None,
        reasoning=False,
        system_role="system",
        temperature=_PLAIN,
        top_p=_PLAIN,
        max_tokens=_PLAIN,
        presence_penalty=_PLAIN,
        frequency_penalty=_PLAIN,
        stop=_PLAIN,
        seed=_PLAIN,
        response_format=_PLAIN,
        reasoning_effort=not_reasoning,
        logprobs=_PLAIN,
        top_logprobs=_PLAIN,
        system_prompt=_PLAIN,
        vision=vision_for(model),
    )


def _reasoning(model: str, family: _Family, label: str) -> Capabilities:
    def rejected(param: str, why: str) -> Support:
        return Support(False, f"{label} ignores {param}: {why}")

    sampling = "reasoning models use a fixed sampling temperature"
    if family.legacy:
        system = Support(
            True,
            f"{label} takes no system message: the system prompt is sent in the first user message",
        )
        role: SystemRole = "user"
        effort = Support(False, f"{label} ignores reasoning_effort: it has a fixed effort")
        response_format = rejected("response_format", "it has no JSON mode")
        tools = rejected("tools", "it cannot call functions")
    else:
        system = Support(True, f"{label} takes the system prompt as a developer message")
        role = "developer"
        effort = _PLAIN
        response_format = _PLAIN
        tools = _PLAIN
    return Capabilities(
        model=model,
        family=family.name,
        reasoning=True,
        system_role=role,
        temperature=rejected("temperature", sampling),
        top_p=rejected("top_p", sampling),
        max_tokens=Support(
            True,
            f"{label} counts max_tokens as max_completion_tokens (reasoning tokens included)",
            wire_name="max_completion_tokens",
        ),
        presence_penalty=rejected("presence_penalty", sampling),
        frequency_penalty=rejected("frequency_penalty", sampling),
        stop=_PLAIN,
        seed=_PLAIN,
        response_format=response_format,
        reasoning_effort=effort,
        logprobs=rejected("logprobs", "reasoning models do not return token probabilities"),
        top_logprobs=rejected("top_logprobs", "reasoning models do not return token probabilities"),
        system_prompt=system,
        tools=tools,
        reasoning_efforts=family.efforts,
        vision=vision_for(model),
    )


_VISION = re.compile(
    r"gpt-4o.*|chatgpt-4o.*|gpt-4\.1.*|gpt-4\.5.*|gpt-4-turbo.*|gpt-4-vision.*|gpt-5.*"
    r"|o1(?:-pro)?(?:-\d.*)?|o3(?:-pro)?(?:-\d.*)?|o4-mini.*|computer-use.*"
)
_NO_VISION = re.compile(
    r"gpt-3\.5.*|gpt-35.*|gpt-4(?:-\d{4})?(?:-32k.*)?|o1-mini.*|o1-preview.*|o3-mini.*"
)


def vision_for(model: str) -> bool | None:
    """Whether ``model`` reads images: True, False, or None when the table does not know it."""
    name = model.strip().lower().rsplit("/", 1)[-1]
    if _NO_VISION.fullmatch(name):
        return False
    if _VISION.fullmatch(name):
        return True
    return None


def adapt_system_messages(
    messages: Sequence[dict[str, Any]], role: SystemRole, *, source: str = "system"
) -> list[dict[str, Any]]:
    """``messages`` with each ``source``-role message sent as ``role``.

    ``"user"`` folds their text into the start of the first user message (a user message is
    added if there is none), for models that take neither system nor developer messages.
    """
    if role == source:
        return [dict(m) for m in messages]
    if role != "user":
        return [{**m, "role": role} if m.get("role") == source else dict(m) for m in messages]
    folded = [m["content"] for m in messages if m.get("role") == source and m.get("content")]
    rest = [dict(m) for m in messages if m.get("role") != source]
    if not folded:
        return rest
    prefix = "\n\n".join(folded)
    for message in rest:
        if message.get("role") == "user":
            message["content"] = f"{prefix}\n\n{message['content']}"
            return rest
    return [{"role": "user", "content": prefix}, *rest]
