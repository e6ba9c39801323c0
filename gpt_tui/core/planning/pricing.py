"""What a model costs and how much it holds, and how to show money and token counts.

Sources, first match wins per field:

1. ``[models."name"]`` in ``config.toml`` (:class:`~gpt_tui.core.config.types.ModelOverride`);
2. the price data bundled in `genai-prices <https://github.com/pydantic/genai-prices>`_:
   prices per million tokens (tiers, cached-input prices, conditional prices by date) and
   context windows for many models; it has no maximum-output data;
3. :data:`OPENAI_MODEL_LIMITS`, a small table of context windows and maximum output tokens
   of common OpenAI models, for what genai-prices leaves out.

genai-prices is imported lazily, on the first lookup or in :meth:`PriceBook.load`, never at
launch. Its bundled snapshot is used as is: its opt-in updater (``UpdatePrices``), the only
part of it that touches the network, is never started here, so nothing is fetched at run
time.

A model is found in genai-prices in this order, the first hit winning:

1. by the server URL, when it identifies a provider (``None`` means api.openai.com; an Azure
   URL such as ``https://x.openai.azure.com`` resolves to Azure, which prices OpenAI models);
2. by the model name alone (``gpt-…``, ``o3…``, ``claude-…``, ``gemini-…``), so a known model
   reached through a gateway, proxy or localhost is priced by its name;
3. by the ``openai`` provider, for OpenAI-looking names the name match misses
   (``chatgpt-4o-latest``);
4. for ``vendor/model`` names (LiteLLM style), by that vendor, then by the bare name.

All money is :class:`~decimal.Decimal`, in USD.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar

from gpt_tui.core.config.types import KEY_SOURCE_FILE, ModelOverride
from gpt_tui.core.domain.conversation import DEMO_MODEL
from gpt_tui.core.domain.message import Usage

if TYPE_CHECKING:
    from genai_prices.data_snapshot import DataSnapshot
    from genai_prices.types import ModelInfo as GenaiModel
    from genai_prices.types import Provider as GenaiProvider

_V = TypeVar("_V")

OPENAI_API_URL = "https://api.openai.com/v1"
"""Where requests go when no base URL is configured (the SDK default)."""

TOKENS_PER_MTOK = Decimal(1_000_000)

UNKNOWN_MONEY = "—"
"""What :func:`format_money` shows for an unknown amount (never "$0.00")."""

SOURCE_CONFIG = KEY_SOURCE_FILE
SOURCE_LIMITS_TABLE = "gpt-tui limits table"

OPENAI_MODEL_LIMITS: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        # name prefix: (context window, maximum output tokens), from OpenAI's model pages.
        "gpt-3.5-turbo": (16_385, 4_096),
        "gpt-4": (8_192, 8_192),
        "gpt-4-0125": (128_000, 4_096),
        "gpt-4-1106": (128_000, 4_096),
        "gpt-4-turbo": (128_000, 4_096),
        "gpt-4-vision": (128_000, 4_096),
        "gpt-4o": (128_000, 16_384),
        "gpt-4o-2024-05-13": (128_000, 4_096),
        "gpt-4o-mini": (128_000, 16_384),
        "chatgpt-4o": (128_000, 16_384),
        "gpt-4.1": (1_047_576, 32_768),
        "gpt-4.5": (128_000, 16_384),
        "gpt-5": (400_000, 128_000),
        "gpt-5-chat": (128_000, 16_384),
        "gpt-oss": (131_072, 131_072),
        "o1": (200_000, 100_000),
        "o1-mini": (128_000, 65_536),
        "o1-preview": (128_000, 32_768),
        "o3": (200_000, 100_000),
        "o4-mini": (200_000, 100_000),
    }
)
"""Fallback limits of common OpenAI models, matched by the longest prefix of the name.

genai-prices has context windows for most models but no maximum output, which
:meth:`PriceBook.max_request_cost` needs when ``max_tokens`` is unset. Its context window
wins over this table; ``[models."name"]`` in config.toml wins over both.
"""

_OPENAI_NAME_RE = re.compile(r"(gpt-|chatgpt-|o\d|text-embedding-|codex-|computer-use)", re.I)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """Prices and limits of one model as reached through one server; ``None`` = unknown."""

    input_per_mtok: Decimal | None
    """USD per 1M input tokens (the base tier when the price is tiered)."""
    output_per_mtok: Decimal | None
    cached_input_per_mtok: Decimal | None
    """``None`` when there is no separate price: cached tokens then cost the input price."""
    context_window: int | None
    max_output: int | None
    source: str
    """Where the figures came from, e.g. "config.toml", "genai-prices (openai)"."""
    window_source: str | None = None
    """Where ``context_window`` came from when the server reported it (None otherwise)."""

    @property
    def priced(self) -> bool:
        """Whether replies can be costed: both the input and the output price are known."""
        return self.input_per_mtok is not None and self.output_per_mtok is not None


@dataclass(frozen=True, slots=True)
class _Entry:
    """A cached lookup: the merged info, and genai-prices' match when its calculation applies."""

    info: ModelInfo | None
    genai: tuple[GenaiProvider, GenaiModel] | None


class PriceBook:
    """Looks up and caches model prices and limits; computes costs. Thread-safe."""

    def __init__(self, overrides: Mapping[str, ModelOverride] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._folded = {name.lower(): o for name, o in self._overrides.items()}
        self._cache: dict[tuple[str, str | None], _Entry] = {}
        self._lock = threading.Lock()
        self._loaded = False

    @property
    def loaded(self) -> bool:
        """Whether :meth:`load` has finished, so lookups will not block on importing data."""
        return self._loaded

    def load(self) -> None:
        """Import genai-prices and warm its data (blocking: run it in a worker thread).

        Safe to call more than once and from several threads. Lookups work without it; the
        first one then pays the import (about 0.2-0.3 s).
        """
        snapshot = _snapshot()
        if snapshot is not None:
            found = _find(snapshot, "gpt-4o-mini", None)
            if found is not None:  # builds genai-prices' unit registry too
                _genai_cost(found, Usage(prompt_tokens=1, completion_tokens=1))
        self._loaded = True

    def info(self, model: str, base_url: str | None = None) -> ModelInfo | None:
        """Prices and limits of ``model`` reached at ``base_url``; ``None`` if unknown.

        A ``[models."name"]`` override wins field by field; the fields it leaves out are
        filled from genai-prices when the model is known there. The demo model is never
        priced. Results are cached per ``(model, base_url)``.
        """
        return self._entry(model, base_url).info

    def configured_window(self, model: str) -> int | None:
        """The ``[models."name"] context_window`` of ``model``, if the config sets one."""
        name = model.strip()
        override = self._overrides.get(name) or self._folded.get(name.lower())
        return None if override is None else override.context_window

    def reply_cost(self, usage: Usage, model: str, base_url: str | None = None) -> Decimal | None:
        """What a reply cost, from the usage the server reported; ``None`` if unpriced.

        Cached input tokens cost the cached-input price (the input price if there is none).
        Reasoning tokens are billed as output: OpenAI counts them inside
        ``completion_tokens``, and so does this (a server reporting more reasoning than
        completion tokens is taken to count them apart, and they are added). Unless the
        config overrides a price, genai-prices does the arithmetic, so tiers, per-request
        fees and a separate reasoning price (a few models have one) apply.
        """
        entry = self._entry(model, base_url)
        info = entry.info
        if info is None or not info.priced:
            return None
        if entry.genai is not None:
            cost = _genai_cost(entry.genai, usage)
            if cost is not None:
                return cost
        return _flat_cost(info, usage)

    def max_request_cost(
        self, prompt_tokens: int, max_tokens: int | None, model: str, base_url: str | None = None
    ) -> Decimal | None:
        """The most the next request can cost: its prompt plus a reply of the output cap.

        The cap is ``max_tokens``, else the model's ``max_output``; ``None`` if neither is
        known or the model is unpriced. No input is assumed cached.
        """
        info = self.info(model, base_url)
        if info is None or not info.priced:
            return None
        cap = max_tokens if max_tokens is not None else info.max_output
        if cap is None:
            return None
        usage = Usage(prompt_tokens=max(prompt_tokens, 0), completion_tokens=max(cap, 0))
        return self.reply_cost(usage, model, base_url)

    # --- lookups -------------------------------------------------------------------------

    def _entry(self, model: str, base_url: str | None) -> _Entry:
        key = (model, base_url)
        with self._lock:
            entry = self._cache.get(key)
        if entry is None:
            entry = self._lookup(model, base_url)
            with self._lock:
                entry = self._cache.setdefault(key, entry)
        return entry

    def _lookup(self, model: str, base_url: str | None) -> _Entry:
        name = model.strip()
        if not name or name.lower() == DEMO_MODEL:
            return _Entry(None, None)
        override = self._overrides.get(name) or self._folded.get(name.lower())
        genai = None if _complete(override) else _genai_lookup(name, base_url)
        info = _merge(name, override, genai)
        uses_genai_prices = override is None or (
            override.input_price is None
            and override.output_price is None
            and override.cached_input_price is None
        )
        return _Entry(info, genai if uses_genai_prices else None)


def _complete(override: ModelOverride | None) -> bool:
    """Whether an override sets every field (genai-prices is then not consulted at all)."""
    return override is not None and None not in (
        override.input_price,
        override.output_price,
        override.cached_input_price,
        override.context_window,
        override.max_output,
    )


def _merge(
    name: str,
    override: ModelOverride | None,
    genai: tuple[GenaiProvider, GenaiModel] | None,
) -> ModelInfo | None:
    o = override or ModelOverride()
    g_input = g_output = g_cached = None
    g_window: int | None = None
    if genai is not None:
        model = genai[1]
        prices = model.get_prices(datetime.now(UTC))
        g_input = _base_price(getattr(prices, "input_mtok", None))
        g_output = _base_price(getattr(prices, "output_mtok", None))
        g_cached = _base_price(getattr(prices, "cache_read_mtok", None))
        g_window = model.context_window
    t_window, t_output = _table_limits(name, None if genai is None else genai[1].id)
    sources = []
    if o != ModelOverride():
        sources.append(SOURCE_CONFIG)
    if genai is not None:
        sources.append(f"genai-prices ({genai[0].id})")
    info = ModelInfo(
        input_per_mtok=_first(o.input_price, g_input),
        output_per_mtok=_first(o.output_price, g_output),
        cached_input_per_mtok=_first(o.cached_input_price, g_cached),
        context_window=_first(o.context_window, g_window, t_window),
        max_output=_first(o.max_output, t_output),
        source=" + ".join(sources) or SOURCE_LIMITS_TABLE,
    )
    return None if info == ModelInfo(None, None, None, None, None, info.source) else info


def _first(*values: _V | None) -> _V | None:
    return next((v for v in values if v is not None), None)


def _base_price(price: object) -> Decimal | None:
    """A flat price, or the base of a tiered one (genai-prices' ``TieredPrices``)."""
    if isinstance(price, Decimal):
        return price
    base = getattr(price, "base", None)
    return base if isinstance(base, Decimal) else None


def _table_limits(name: str, genai_id: str | None) -> tuple[int | None, int | None]:
    """:data:`OPENAI_MODEL_LIMITS` for the name (``vendor/`` stripped) or genai-prices' id."""
    for candidate in (name.lower().rpartition("/")[2], (genai_id or "").lower()):
        matches = [prefix for prefix in OPENAI_MODEL_LIMITS if candidate.startswith(prefix)]
        if matches:
            return OPENAI_MODEL_LIMITS[max(matches, key=len)]
    return None, None


# --- genai-prices (imported lazily) ----------------------------------------------------------


def _snapshot() -> DataSnapshot | None:
    """genai-prices' bundled data, or ``None`` if the package is missing or broken."""
    try:
        from genai_prices import data_snapshot
    except ImportError:
        return None
    return data_snapshot.get_snapshot()


def _genai_lookup(name: str, base_url: str | None) -> tuple[GenaiProvider, GenaiModel] | None:
    snapshot = _snapshot()
    return None if snapshot is None else _find(snapshot, name, base_url)


def _find(
    snapshot: DataSnapshot, name: str, base_url: str | None
) -> tuple[GenaiProvider, GenaiModel] | None:
    """The first hit of the lookup order described in the module docstring."""
    attempts: list[tuple[str | None, str | None, str]] = [
        (None, base_url or OPENAI_API_URL, name),
        (None, None, name),
    ]
    if _OPENAI_NAME_RE.match(name):
        attempts.append(("openai", None, name))
    vendor, slash, bare = name.partition("/")
    if slash and vendor and bare:
        attempts += [(vendor, None, bare), (None, None, bare)]
        if _OPENAI_NAME_RE.match(bare):
            attempts.append(("openai", None, bare))
    for provider_id, url, ref in attempts:
        try:
            return snapshot.find_provider_model(ref, None, provider_id, url)
        except (LookupError, ValueError):
            continue
    return None


def _billable(usage: Usage) -> tuple[int, int, int, int]:
    """(prompt, cached, output, reasoning) tokens, made consistent with each other."""
    prompt = max(usage.prompt_tokens, 0)
    cached = min(max(usage.cached_tokens, 0), prompt)
    output = max(usage.completion_tokens, 0)
    reasoning = max(usage.reasoning_tokens, 0)
    if reasoning > output:  # counted apart from the completion, not inside it
        output += reasoning
    return prompt, cached, output, reasoning


def _genai_cost(found: tuple[GenaiProvider, GenaiModel], usage: Usage) -> Decimal | None:
    import genai_prices

    provider, model = found
    prompt, cached, output, reasoning = _billable(usage)
    genai_usage = genai_prices.Usage(
        input_tokens=prompt,
        cache_read_tokens=cached,
        output_tokens=output,
        output_reasoning_tokens=reasoning,
    )
    try:
        total = model.calc_price(genai_usage, provider).total_price
    except (ValueError, ArithmeticError):
        return None
    return total if isinstance(total, Decimal) else Decimal(str(total))


def _flat_cost(info: ModelInfo, usage: Usage) -> Decimal:
    """The cost at flat per-million prices (``info`` must be priced)."""
    assert info.input_per_mtok is not None and info.output_per_mtok is not None
    prompt, cached, output, _ = _billable(usage)
    cached_price = _first(info.cached_input_per_mtok, info.input_per_mtok)
    assert cached_price is not None
    total = (
        (prompt - cached) * info.input_per_mtok
        + cached * cached_price
        + output * info.output_per_mtok
    )
    return total / TOKENS_PER_MTOK


# --- display ---------------------------------------------------------------------------------

_CENT = Decimal("0.01")


def format_money(amount: Decimal | None) -> str:
    """``amount`` USD for a compact panel.

    - ``None`` (or not finite): "—", never "$0.00", so unknown never reads as free;
    - exactly zero: "$0";
    - below $1: two significant digits, at least two decimals, no trailing zeros beyond
      them: $0.42, $0.05, $0.042, $0.0042, $0.000031;
    - $1 and above: cents, with thousands separators: $1.00, $12.37, $1,234.56.

    Rounding is half-up; an amount that rounds up to $1 is shown as $1.00. Negative
    amounts get a leading "-".
    """
    if amount is None or not amount.is_finite():
        return UNKNOWN_MONEY
    if amount == 0:
        return "$0"
    sign = "-" if amount < 0 else ""
    value = abs(amount)
    if value < 1:
        step = Decimal(1).scaleb(value.adjusted() - 1)
        rounded = value.quantize(step, rounding=ROUND_HALF_UP)
        if rounded < 1:
            whole, _, decimals = f"{rounded:f}".partition(".")
            decimals = decimals.rstrip("0").ljust(2, "0")
            return f"{sign}${whole}.{decimals}"
        value = rounded
    return f"{sign}${value.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}"


_TOKEN_SCALES: tuple[tuple[int, str, int], ...] = (
    (10**9, "B", 2),
    (10**6, "M", 2),
    (10**3, "k", 0),
)


def format_tokens(n: int) -> str:
    """A token count for a compact panel: 950, 1.2k, 12k, 128k, 1.23M, 2B.

    Below 1,000 as is; below 10k with one decimal (1.2k, 1k); below 1M in whole thousands
    (12k); then millions and billions with two decimals, trailing zeros dropped (1.23M, 1M).
    Rounding is half-up and moves up a unit when needed (999,999 is 1M, not 1000k).
    """
    if n < 0:
        return f"-{format_tokens(-n)}"
    if n < 1000:
        return str(n)
    for scale, suffix, places in _TOKEN_SCALES:
        if n < scale:
            continue
        text = _scaled(n, scale, places)
        if suffix == "k" and n < 10_000:
            text = _scaled(n, scale, 1)
        if Decimal(text) >= 1000 and suffix != "B":  # rounded up into the next unit
            return format_tokens(_next_unit(scale))
        return f"{text}{suffix}"
    return str(n)  # unreachable: n >= 1000 always matches "k"


def _scaled(n: int, scale: int, places: int) -> str:
    step = Decimal(1).scaleb(-places)
    text = f"{(Decimal(n) / scale).quantize(step, rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _next_unit(scale: int) -> int:
    return scale * 1000


def price_hint(model: str) -> str:
    """How to give ``model`` a price (doctor and ``gpt-tui usage`` say it the same way)."""
    return (
        f'add [models."{model}"] input_price = … and output_price = … (USD per million '
        "tokens) to config.toml"
    )
