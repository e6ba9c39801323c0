"""Token probabilities of a reply (``logprobs``): each token with its log probability and
the most likely alternatives, kept compactly with the reply for the probability view."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, cast

from gpt_tui.core.domain.schema import SchemaError

DIGITS = 4
"""Log probabilities are kept to 4 decimals (a probability to about 0.01 %)."""


@dataclass(frozen=True, slots=True)
class TokenLogprob:
    """One token of the reply, its log probability and the top alternatives."""

    token: str
    logprob: float
    top: tuple[tuple[str, float], ...] = ()
    """(token, log probability) of the most likely tokens at this place, likeliest first."""

    @property
    def probability(self) -> float:
        return math.exp(self.logprob)

    def to_json(self) -> list[Any]:
        """Compact: ``[token, logprob]`` or ``[token, logprob, [[alt, logprob], …]]``."""
        row: list[Any] = [self.token, round(self.logprob, DIGITS)]
        if self.top:
            row.append([[t, round(lp, DIGITS)] for t, lp in self.top])
        return row

    @classmethod
    def from_json(cls, raw: object, where: str) -> TokenLogprob:
        if not isinstance(raw, list) or len(raw) not in (2, 3):
            raise SchemaError(where, "expected [token, logprob, alternatives?]")
        row = cast(list[object], raw)
        token, logprob = row[0], row[1]
        if not isinstance(token, str) or not _number(logprob):
            raise SchemaError(where, "expected a token string and a number")
        top: list[tuple[str, float]] = []
        for alt in cast(list[object], row[2]) if len(row) == 3 and isinstance(row[2], list) else []:
            if isinstance(alt, list) and len(alt) == 2:
                pair = cast(list[object], alt)
                if isinstance(pair[0], str) and _number(pair[1]):
                    top.append((pair[0], float(cast(float, pair[1]))))
        return cls(token, float(cast(float, logprob)), tuple(top))


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def tokens_from_wire(content: object) -> list[TokenLogprob]:
    """The tokens of a chunk's ``choices[].logprobs.content`` (malformed entries skipped)."""
    if not isinstance(content, list):
        return []
    tokens: list[TokenLogprob] = []
    for entry in cast(list[object], content):
        if not isinstance(entry, dict):
            continue
        item = cast(dict[str, object], entry)
        token, logprob = item.get("token"), item.get("logprob")
        if not isinstance(token, str) or not _number(logprob):
            continue
        top: list[tuple[str, float]] = []
        raw_top = item.get("top_logprobs")
        for alt in cast(list[object], raw_top) if isinstance(raw_top, list) else []:
            if isinstance(alt, dict):
                pair = cast(dict[str, object], alt)
                alt_token, alt_lp = pair.get("token"), pair.get("logprob")
                if isinstance(alt_token, str) and _number(alt_lp):
                    top.append((alt_token, float(cast(float, alt_lp))))
        tokens.append(TokenLogprob(token, float(cast(float, logprob)), tuple(top)))
    return tokens


def logprobs_to_json(tokens: list[TokenLogprob]) -> list[list[Any]]:
    return [t.to_json() for t in tokens]


def logprobs_from_json(raw: object, where: str = "logprobs") -> list[TokenLogprob]:
    if not isinstance(raw, list):
        raise SchemaError(where, "expected a list")
    return [TokenLogprob.from_json(row, f"{where}[{i}]") for i, row in enumerate(raw)]
