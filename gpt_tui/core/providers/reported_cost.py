"""What a request cost, when the server says so: LiteLLM's ``x-litellm-response-cost``
response header and OpenRouter's ``usage.cost``. Used instead of the price worked out from
the token counts (the server knows its own discounts and routing)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

COST_HEADER = "x-litellm-response-cost"


def _amount(value: object) -> Decimal | None:
    """A finite, non-negative amount of USD, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def cost_from_headers(headers: Mapping[str, str]) -> Decimal | None:
    """LiteLLM's cost header (USD), when present and a number. Streamed replies may carry
    0 there before the cost is known: that is not taken as a cost."""
    amount = _amount(headers.get(COST_HEADER))
    return amount if amount else None


def cost_from_usage(usage: Mapping[str, object]) -> Decimal | None:
    """OpenRouter's ``usage.cost`` (USD), when present and a number."""
    return _amount(usage.get("cost"))
