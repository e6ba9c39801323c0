"""Tests for model prices, costs and the money/token formats, against genai-prices' real data.

Every test runs with the network forbidden: the price data must come from the package.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import threading
from dataclasses import fields
from decimal import Decimal
from typing import Any

import pytest

from gpt_tui.core.config.types import ModelOverride
from gpt_tui.core.domain.message import Usage
from gpt_tui.core.planning import pricing
from gpt_tui.core.planning.pricing import (
    OPENAI_MODEL_LIMITS,
    ModelInfo,
    PriceBook,
    format_money,
    format_tokens,
)

MTOK = Decimal(1_000_000)
LOCAL = "http://localhost:8080/v1"
GATEWAY = "https://gateway.example.com/v1"
AZURE = "https://my-company.openai.azure.com/openai/deployments/chat"


class NetworkUsedError(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise NetworkUsedError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def book() -> PriceBook:
    return PriceBook()


def data_prices(provider_id: str, model_id: str) -> Any:
    """The standard prices of a model, read straight from genai-prices' bundled data."""
    from datetime import UTC, datetime

    from genai_prices.data import providers

    provider = next(p for p in providers if p.id == provider_id)
    model = next(m for m in provider.models if m.id == model_id)
    return model.get_prices(datetime.now(UTC))


def test_the_network_is_really_forbidden() -> None:
    with pytest.raises(NetworkUsedError):
        socket.create_connection(("example.com", 443))


# --- prices from genai-prices ----------------------------------------------------------------


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4o-mini"])
def test_openai_models_are_priced_from_the_bundled_data(book: PriceBook, model: str) -> None:
    expected = data_prices("openai", model)
    info = book.info(model)
    assert info == ModelInfo(
        input_per_mtok=expected.input_mtok,
        output_per_mtok=expected.output_mtok,
        cached_input_per_mtok=expected.cache_read_mtok,
        context_window=128_000,
        max_output=16_384,
        source="genai-prices (openai)",
    )
    assert info.priced


def test_known_prices_match_the_published_ones(book: PriceBook) -> None:
    """Checked against genai-prices 0.2.3's data (and OpenAI's price page)."""
    prices = {m: book.info(m) for m in ("gpt-4o", "gpt-4o-mini")}
    assert {
        m: (i.input_per_mtok, i.output_per_mtok, i.cached_input_per_mtok)
        for m, i in prices.items()
        if i is not None
    } == {
        "gpt-4o": (Decimal("2.5"), Decimal("10"), Decimal("1.25")),
        "gpt-4o-mini": (Decimal("0.15"), Decimal("0.6"), Decimal("0.075")),
    }


def test_dated_snapshot_names_resolve_to_their_model(book: PriceBook) -> None:
    assert book.info("gpt-4o-2024-08-06") == book.info("gpt-4o")
    assert book.info("GPT-4o-Mini") == book.info("gpt-4o-mini")


def test_reply_cost_with_cached_and_reasoning_tokens(book: PriceBook) -> None:
    info = book.info("gpt-4o-mini")
    assert info is not None
    assert info.input_per_mtok and info.output_per_mtok and info.cached_input_per_mtok
    usage = Usage(
        prompt_tokens=12_000, completion_tokens=3_000, cached_tokens=8_000, reasoning_tokens=1_000
    )
    # OpenAI counts reasoning inside completion_tokens: all 3,000 are billed as output.
    expected = (
        4_000 * info.input_per_mtok
        + 8_000 * info.cached_input_per_mtok
        + 3_000 * info.output_per_mtok
    ) / MTOK
    assert book.reply_cost(usage, "gpt-4o-mini") == expected
    # And with the published prices, by hand: 4000×0.15 + 8000×0.075 + 3000×0.6 per 1M.
    assert expected == Decimal("0.003")


def test_reasoning_reported_apart_from_the_completion_is_added(book: PriceBook) -> None:
    info = book.info("gpt-4o")
    assert info is not None and info.output_per_mtok is not None
    inside = book.reply_cost(Usage(0, 500, reasoning_tokens=400), "gpt-4o")
    apart = book.reply_cost(Usage(0, 500, reasoning_tokens=900), "gpt-4o")
    assert inside == 500 * info.output_per_mtok / MTOK
    assert apart == 1_400 * info.output_per_mtok / MTOK


def test_more_cached_than_prompt_tokens_is_clamped(book: PriceBook) -> None:
    info = book.info("gpt-4o")
    assert info is not None and info.cached_input_per_mtok is not None
    cost = book.reply_cost(Usage(100, 0, cached_tokens=500), "gpt-4o")
    assert cost == 100 * info.cached_input_per_mtok / MTOK


def test_tiered_prices_apply_from_the_tier_threshold(book: PriceBook) -> None:
    tiered = data_prices("google", "gemini-2.5-pro")
    [tier] = tiered.input_mtok.tiers
    [out_tier] = tiered.output_mtok.tiers
    assert out_tier.start == tier.start
    below = book.reply_cost(Usage(tier.start, 1_000), "gemini-2.5-pro")
    above = book.reply_cost(Usage(tier.start + 1, 1_000), "gemini-2.5-pro")
    assert below == (tier.start * tiered.input_mtok.base + 1_000 * tiered.output_mtok.base) / MTOK
    assert above == ((tier.start + 1) * tier.price + 1_000 * out_tier.price) / MTOK
    info = book.info("gemini-2.5-pro")
    assert info is not None and info.input_per_mtok == tiered.input_mtok.base  # the base tier


def test_max_request_cost(book: PriceBook) -> None:
    info = book.info("gpt-4o")
    assert info is not None and info.input_per_mtok and info.output_per_mtok
    with_cap = book.max_request_cost(2_000, 500, "gpt-4o")
    assert with_cap == (2_000 * info.input_per_mtok + 500 * info.output_per_mtok) / MTOK
    without_cap = book.max_request_cost(2_000, None, "gpt-4o")
    assert info.max_output == OPENAI_MODEL_LIMITS["gpt-4o"][1]
    assert (
        without_cap == (2_000 * info.input_per_mtok + info.max_output * info.output_per_mtok) / MTOK
    )


def test_max_request_cost_needs_a_cap_and_a_price() -> None:
    book = PriceBook({"local": ModelOverride(Decimal(1), Decimal(2))})
    assert book.max_request_cost(1_000, None, "local") is None
    assert book.max_request_cost(1_000, 10, "local") == Decimal("0.00102")
    assert book.max_request_cost(1_000, 10, "no-such-model") is None


def test_results_are_decimal_never_float(book: PriceBook) -> None:
    for model in ("gpt-4o", "gpt-4o-mini", "gemini-2.5-pro"):
        info = book.info(model)
        assert info is not None
        for name in ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok"):
            assert isinstance(getattr(info, name), Decimal), (model, name)
        costs = [
            book.reply_cost(Usage(1_234, 567, cached_tokens=100, reasoning_tokens=50), model),
            book.max_request_cost(1_234, 567, model),
        ]
        assert all(type(cost) is Decimal for cost in costs)


# --- unknown models -------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["llama3.2", "my-private-model", "demo", "", "Demo"])
def test_unknown_and_demo_models_are_unpriced(book: PriceBook, model: str) -> None:
    assert book.info(model) is None
    assert book.info(model, LOCAL) is None
    assert book.reply_cost(Usage(100, 100), model) is None
    assert book.max_request_cost(100, 100, model) is None
    assert format_money(book.reply_cost(Usage(100, 100), model, LOCAL)) == "—"


def test_demo_is_unpriced_even_with_an_override() -> None:
    book = PriceBook({"demo": ModelOverride(Decimal(1), Decimal(1))})
    assert book.info("demo") is None


# --- overrides from config.toml -------------------------------------------------------------


def test_override_alone_prices_a_local_model() -> None:
    override = ModelOverride(
        input_price=Decimal(0), output_price=Decimal(0), context_window=128_000, max_output=4_096
    )
    book = PriceBook({"llama3.2": override})
    info = book.info("llama3.2", "http://localhost:11434/v1")
    assert info == ModelInfo(Decimal(0), Decimal(0), None, 128_000, 4_096, "config.toml")
    cost = book.reply_cost(Usage(5_000, 700), "llama3.2", "http://localhost:11434/v1")
    assert cost == 0
    assert format_money(cost) == "$0"
    assert book.max_request_cost(5_000, None, "llama3.2") == 0


def test_override_wins_and_the_rest_is_filled_from_genai_prices() -> None:
    book = PriceBook({"gpt-4o": ModelOverride(input_price=Decimal("1"), context_window=50_000)})
    published = data_prices("openai", "gpt-4o")
    info = book.info("gpt-4o")
    assert info == ModelInfo(
        input_per_mtok=Decimal("1"),
        output_per_mtok=published.output_mtok,
        cached_input_per_mtok=published.cache_read_mtok,
        context_window=50_000,
        max_output=16_384,
        source="config.toml + genai-prices (openai)",
    )
    cost = book.reply_cost(Usage(10_000, 1_000, cached_tokens=4_000), "gpt-4o")
    assert (
        cost
        == (
            6_000 * Decimal("1") + 4_000 * published.cache_read_mtok + 1_000 * published.output_mtok
        )
        / MTOK
    )


def test_override_without_prices_keeps_genai_prices_arithmetic() -> None:
    book = PriceBook({"gemini-2.5-pro": ModelOverride(context_window=1_000_000)})
    plain = PriceBook()
    usage = Usage(300_000, 1_000)  # above the 200k tier
    assert book.reply_cost(usage, "gemini-2.5-pro") == plain.reply_cost(usage, "gemini-2.5-pro")
    info = book.info("gemini-2.5-pro")
    assert info is not None and info.context_window == 1_000_000


def test_override_names_match_case_insensitively_exact_first() -> None:
    book = PriceBook(
        {
            "My-Model": ModelOverride(Decimal(1), Decimal(2)),
            "my-model": ModelOverride(Decimal(3), Decimal(4)),
        }
    )
    exact = book.info("My-Model")
    folded = book.info("MY-MODEL")
    assert exact is not None and exact.input_per_mtok == 1
    assert folded is not None and folded.input_per_mtok in (1, 3)


def test_complete_override_does_not_import_genai_prices() -> None:
    code = """
        import sys
        from decimal import Decimal
        from gpt_tui.core.config.types import ModelOverride
        from gpt_tui.core.domain.message import Usage
        from gpt_tui.core.planning.pricing import PriceBook, format_money
        override = ModelOverride(Decimal(1), Decimal(2), Decimal("0.5"), 8192, 1024)
        book = PriceBook({"local": override})
        print(format_money(book.reply_cost(Usage(1000, 100), "local")))
        print("genai_prices" in sys.modules)
    """
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert out == ["$0.0012", "False"]


# --- base URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize("base_url", [LOCAL, GATEWAY, "https://api.openai.com/v1"])
@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4o-mini"])
def test_known_model_through_any_url_is_priced_by_name(
    book: PriceBook, base_url: str, model: str
) -> None:
    assert book.info(model, base_url) == book.info(model)
    usage = Usage(1_000, 200, cached_tokens=500)
    assert book.reply_cost(usage, model, base_url) == book.reply_cost(usage, model)


def test_openai_looking_names_outside_genai_prices_name_match(book: PriceBook) -> None:
    # genai-prices routes only gpt-*/o1/o3/o4… names to OpenAI by name.
    info = book.info("chatgpt-4o-latest", GATEWAY)
    assert info is not None and info.source == "genai-prices (openai)"


def test_vendor_prefixed_names_through_a_gateway(book: PriceBook) -> None:
    info = book.info("openai/gpt-4o", GATEWAY)
    assert info is not None
    assert info.input_per_mtok == data_prices("openai", "gpt-4o").input_mtok


def test_azure_url_resolves_to_azure_with_openai_prices(book: PriceBook) -> None:
    info = book.info("gpt-4o", AZURE)
    assert info is not None
    assert info.source == "genai-prices (azure)"
    assert info.input_per_mtok == data_prices("openai", "gpt-4o").input_mtok
    cost = book.reply_cost(Usage(1_000, 100), "gpt-4o", AZURE)
    assert cost == book.reply_cost(Usage(1_000, 100), "gpt-4o")
    assert book.info("my-deployment-name", AZURE) is None


# --- caching and loading --------------------------------------------------------------------


def test_lookups_are_cached_per_model_and_url(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str | None]] = []
    real = pricing._genai_lookup

    def counting(name: str, base_url: str | None) -> Any:
        calls.append((name, base_url))
        return real(name, base_url)

    monkeypatch.setattr(pricing, "_genai_lookup", counting)
    book = PriceBook()
    first = book.info("gpt-4o")
    assert book.info("gpt-4o") is first
    book.reply_cost(Usage(10, 10), "gpt-4o")
    book.max_request_cost(10, 10, "gpt-4o")
    assert book.info("nope") is None
    assert book.info("nope") is None
    book.info("gpt-4o", LOCAL)
    assert calls == [("gpt-4o", None), ("nope", None), ("gpt-4o", LOCAL)]


def test_load_is_idempotent_and_never_starts_the_updater() -> None:
    from genai_prices import data_snapshot

    book = PriceBook()
    states = [book.loaded]
    book.load()
    book.load()
    states.append(book.loaded)
    assert states == [False, True]
    assert data_snapshot.get_snapshot().from_auto_update is False
    assert not any(t.name.startswith("genai_prices") for t in threading.enumerate())


def test_concurrent_lookups_agree() -> None:
    book = PriceBook()
    results: list[ModelInfo | None] = []

    def work() -> None:
        results.append(book.info("gpt-4o-mini", GATEWAY))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert all(result is results[0] for result in results)


def test_limits_table_uses_the_longest_prefix(book: PriceBook) -> None:
    assert pricing._table_limits("o1-mini-2024-09-12", None) == OPENAI_MODEL_LIMITS["o1-mini"]
    assert pricing._table_limits("o1-2024-12-17", None) == OPENAI_MODEL_LIMITS["o1"]
    assert pricing._table_limits("openai/gpt-4o-mini", None) == (128_000, 16_384)
    assert pricing._table_limits("llama3.2", None) == (None, None)
    info = book.info("gpt-4.1-mini")
    assert info is not None and info.max_output == 32_768


def test_model_info_is_frozen() -> None:
    info = ModelInfo(None, None, None, None, None, "x")
    with pytest.raises(AttributeError):
        info.source = "y"  # type: ignore[misc]
    assert [f.name for f in fields(ModelInfo)] == [
        "input_per_mtok",
        "output_per_mtok",
        "cached_input_per_mtok",
        "context_window",
        "max_output",
        "source",
        "window_source",
    ]


# --- formatting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (None, "—"),
        (Decimal("NaN"), "—"),
        (Decimal(0), "$0"),
        (Decimal("0.000"), "$0"),
        (Decimal("0.0042"), "$0.0042"),
        (Decimal("0.00423"), "$0.0042"),
        (Decimal("0.000031"), "$0.000031"),
        (Decimal("0.0000314159"), "$0.000031"),
        (Decimal("0.00000015"), "$0.00000015"),
        (Decimal("0.004"), "$0.004"),
        (Decimal("0.0425"), "$0.043"),
        (Decimal("0.05"), "$0.05"),
        (Decimal("0.1"), "$0.10"),
        (Decimal("0.42"), "$0.42"),
        (Decimal("0.425"), "$0.43"),
        (Decimal("0.994"), "$0.99"),
        (Decimal("0.995"), "$1.00"),
        (Decimal("1"), "$1.00"),
        (Decimal("12.365"), "$12.37"),
        (Decimal("12.37"), "$12.37"),
        (Decimal("1234.56"), "$1,234.56"),
        (Decimal("1234567.891"), "$1,234,567.89"),
        (Decimal("-0.42"), "-$0.42"),
    ],
)
def test_format_money(amount: Decimal | None, shown: str) -> None:
    assert format_money(amount) == shown


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (0, "0"),
        (950, "950"),
        (999, "999"),
        (1_000, "1k"),
        (1_049, "1k"),
        (1_050, "1.1k"),
        (1_234, "1.2k"),
        (9_949, "9.9k"),
        (9_950, "10k"),
        (12_000, "12k"),
        (12_499, "12k"),
        (16_384, "16k"),
        (128_000, "128k"),
        (999_499, "999k"),
        (999_500, "1M"),
        (1_000_000, "1M"),
        (1_047_576, "1.05M"),
        (1_230_000, "1.23M"),
        (1_500_000, "1.5M"),
        (999_995_000, "1B"),
        (2_500_000_000, "2.5B"),
        (-1_234, "-1.2k"),
    ],
)
def test_format_tokens(n: int, shown: str) -> None:
    assert format_tokens(n) == shown
