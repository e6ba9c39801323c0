"""Token counting with the shipped tokenizer files: exact, offline, cached per message."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import textwrap
from collections.abc import Collection
from pathlib import Path
from typing import Any, NoReturn

import pytest

from gpt_tui.core.planning import tokens
from gpt_tui.core.planning.tokens import (
    SHIPPED_ENCODINGS,
    ChatMessageKey,
    TokenCount,
    TokenCounter,
    encoding_name_for,
    estimate_tokens,
    load_encoding,
    shipped_file,
)

CHINESE = "我爱自然语言处理，今天天气很好。"
EMOJI = "🎉🚀👍🏽 emoji test 😀"

# Computed once with tiktoken 0.14 from the same files (encode(text, disallowed_special=())).
GOLDEN: dict[str, dict[str, int]] = {
    "o200k_base": {
        "hello world": 2,
        "Hello, world!": 4,
        "The quick brown fox jumps over the lazy dog.": 10,
        CHINESE: 11,
        EMOJI: 10,
        "<|endoftext|>": 7,
        "def f(x):\n    return x * 2\n": 11,
        "": 0,
    },
    "cl100k_base": {
        "hello world": 2,
        "Hello, world!": 4,
        "The quick brown fox jumps over the lazy dog.": 10,
        CHINESE: 18,
        EMOJI: 15,
        "<|endoftext|>": 7,
        "def f(x):\n    return x * 2\n": 11,
        "": 0,
    },
}

# The example of OpenAI's cookbook "How to count tokens with tiktoken" (section 6).
COOKBOOK_MESSAGES = [
    ChatMessageKey(
        "0",
        "system",
        "You are a helpful, pattern-following assistant that translates corporate jargon "
        "into plain English.",
    ),
    ChatMessageKey(
        "1", "system", "New synergies will help drive top-line growth.", name="example_user"
    ),
    ChatMessageKey(
        "2",
        "system",
        "Things working well together will increase revenue.",
        name="example_assistant",
    ),
    ChatMessageKey(
        "3",
        "system",
        "Let's circle back when we have more bandwidth to touch base on opportunities for "
        "increased leverage.",
        name="example_user",
    ),
    ChatMessageKey(
        "4",
        "system",
        "Let's talk later when we're less busy about how to do better.",
        name="example_assistant",
    ),
    ChatMessageKey(
        "5",
        "user",
        "This late pivot means we don't have time to boil the ocean for the client deliverable.",
    ),
]


def _no_network(*args: object, **kwargs: object) -> NoReturn:
    raise AssertionError(f"network access attempted: {args!r}")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No sockets, an empty tiktoken cache and an empty encoding cache."""
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    monkeypatch.setattr(tokens, "_ENCODINGS", {})
    return cache


class CountingEncoder:
    """Wraps a real encoding and records what it was asked to encode."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def encode(self, text: str, *, disallowed_special: Collection[str] = ()) -> list[int]:
        self.calls.append(text)
        result: list[int] = self.inner.encode(text, disallowed_special=disallowed_special)
        return result


# --- shipped files and offline loading ----------------------------------------------------


@pytest.mark.parametrize("name", sorted(SHIPPED_ENCODINGS))
def test_shipped_files_match_the_hashes_tiktoken_declares(name: str) -> None:
    import inspect

    from tiktoken_ext import openai_public

    data = shipped_file(name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == SHIPPED_ENCODINGS[name]
    source = inspect.getsource(openai_public.ENCODING_CONSTRUCTORS[name])
    assert f"/encodings/{name}.tiktoken" in source
    assert SHIPPED_ENCODINGS[name] in source


def test_loads_both_encodings_without_network(offline: Path) -> None:
    with pytest.raises(AssertionError, match="network"):
        socket.create_connection(("openaipublic.blob.core.windows.net", 443))
    o200k = load_encoding("o200k_base")
    cl100k = load_encoding("cl100k_base")
    assert o200k.name == "o200k_base"
    assert cl100k.name == "cl100k_base"
    assert len(o200k.encode("hello world")) == 2
    assert len(cl100k.encode(CHINESE)) == 18
    assert load_encoding("o200k_base") is o200k  # cached
    # tiktoken's own regex and special tokens, not copies.
    from tiktoken_ext import openai_public

    assert o200k.max_token_value == 200018
    assert cl100k.n_vocab == 100277
    assert openai_public.load_tiktoken_bpe.__name__ == "load_tiktoken_bpe"
    assert openai_public.load_tiktoken_bpe.__module__ == "tiktoken.load"  # restored


def test_harmony_encoding_of_gpt_oss_also_loads_offline(offline: Path) -> None:
    assert encoding_name_for("gpt-oss-120b") == "o200k_harmony"
    harmony = load_encoding("o200k_harmony")
    assert len(harmony.encode(CHINESE, disallowed_special=())) == 11


def test_counter_is_exact_in_a_fresh_process_without_network(tmp_path: Path) -> None:
    """The whole path in a new interpreter: nothing cached, sockets forbidden."""
    code = textwrap.dedent(
        """
        import socket

        def refuse(*args, **kwargs):
            raise OSError("network forbidden")

        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from gpt_tui.core.planning.tokens import TokenCounter

        counter = TokenCounter()
        for model in ("gpt-4o", "gpt-4"):
            counter.load(model)
            print(model, counter.load_error, counter.count_text(model, "hello world"))
        """
    )
    cache = tmp_path / "cache"
    cache.mkdir()
    env = {"TIKTOKEN_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout.splitlines()
    assert out == [
        "gpt-4o None TokenCount(tokens=2, exact=True)",
        "gpt-4 None TokenCount(tokens=2, exact=True)",
    ]


def test_a_corrupt_shipped_file_is_refused(
    monkeypatch: pytest.MonkeyPatch, offline: Path, tmp_path: Path
) -> None:
    corrupt = tmp_path / "cl100k_base.tiktoken"
    data = bytearray(shipped_file("cl100k_base").read_bytes())
    data[100] ^= 1
    corrupt.write_bytes(bytes(data))
    monkeypatch.setattr(tokens, "shipped_file", lambda name: corrupt)
    with pytest.raises(ValueError, match="Hash mismatch"):
        load_encoding("cl100k_base")
    counter = TokenCounter()
    counter.load("gpt-4")
    assert counter.load_error is not None
    assert "Hash mismatch" in counter.load_error
    assert not counter.count_text("gpt-4", "hello").exact
    assert "cl100k_base" not in tokens._ENCODINGS


def test_no_redirect_when_tiktoken_pins_another_file(
    monkeypatch: pytest.MonkeyPatch, offline: Path
) -> None:
    # Should a future tiktoken expect another file for the URL, ours would count wrongly:
    # tiktoken's usual download path is taken instead (here: refused, no network).
    monkeypatch.setitem(tokens.SHIPPED_ENCODINGS, "cl100k_base", "0" * 64)
    from tiktoken_ext import openai_public

    with pytest.raises(AssertionError, match="network"):
        load_encoding("cl100k_base")
    assert openai_public.load_tiktoken_bpe.__module__ == "tiktoken.load"  # restored
    assert "cl100k_base" not in tokens._ENCODINGS


# --- golden counts ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_counts(name: str) -> None:
    encoding = load_encoding(name)
    counts = {text: len(encoding.encode(text, disallowed_special=())) for text in GOLDEN[name]}
    assert counts == GOLDEN[name]


@pytest.mark.parametrize(("model", "expected"), [("gpt-4o", 124), ("gpt-4", 129)])
def test_cookbook_example_matches_the_stated_counts(model: str, expected: int) -> None:
    # The cookbook prints 124 (gpt-4o, gpt-4o-mini) and 129 (gpt-3.5-turbo, gpt-4) prompt
    # tokens for this list, counted by its function and by the API alike.
    counter = TokenCounter()
    counter.load(model)
    assert counter.count_messages(model, COOKBOOK_MESSAGES) == TokenCount(expected, exact=True)


def test_message_formula_by_hand() -> None:
    counter = TokenCounter()
    counter.load("gpt-4o-mini")
    encoding = load_encoding("o200k_base")
    messages = [
        ChatMessageKey("system", "system", "Be brief."),
        ChatMessageKey("m1", "user", CHINESE),
        ChatMessageKey("m2", "assistant", EMOJI),
    ]
    expected = 3 + sum(
        3 + len(encoding.encode(m.role)) + len(encoding.encode(m.content)) for m in messages
    )
    assert counter.count_messages("gpt-4o-mini", messages) == TokenCount(expected, exact=True)
    assert counter.count_messages("gpt-4o-mini", []) == TokenCount(3, exact=True)


def test_special_token_text_counts_instead_of_raising() -> None:
    counter = TokenCounter()
    counter.load("gpt-4o")
    text = "before <|endoftext|> after <|endofprompt|>"
    assert counter.count_text("gpt-4o", text).exact
    assert counter.count_text("gpt-4o", "<|endoftext|>") == TokenCount(7, exact=True)
    message = ChatMessageKey("draft", "user", text)
    assert counter.count_messages("gpt-4o", [message]).tokens > 7


# --- model names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4o-2024-08-06", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-35-turbo", "cl100k_base"),  # Azure
        ("o1", "o200k_base"),
        ("o1-mini", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("o4-mini", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("gpt-5-mini", "o200k_base"),
        ("ft:gpt-4o-mini:acme::abc123", "o200k_base"),
        ("llama3.2", "o200k_base"),
        ("llama3.2:latest", "o200k_base"),
        ("demo", "o200k_base"),
        ("", "o200k_base"),
        ("openai/gpt-4", "cl100k_base"),
        ("openai/gpt-4o-mini", "o200k_base"),
        ("azure/gpt-35-turbo", "cl100k_base"),
        ("GPT-4", "cl100k_base"),
        (" gpt-4 ", "cl100k_base"),
    ],
)
def test_encoding_name_for(model: str, encoding: str) -> None:
    assert encoding_name_for(model) == encoding


# --- the counter --------------------------------------------------------------------------


def test_estimates_before_load_and_exact_after() -> None:
    counter = TokenCounter()
    assert not counter.is_ready("gpt-4o")
    before = counter.count_text("gpt-4o", "hello world")
    assert before == TokenCount(estimate_tokens("hello world"), exact=False)
    estimated = counter.count_messages("gpt-4o", COOKBOOK_MESSAGES)
    assert not estimated.exact
    assert abs(estimated.tokens - 124) < 40
    counter.load("gpt-4o")
    assert counter.load_error is None
    assert counter.is_ready("gpt-4o")
    assert counter.count_text("gpt-4o", "hello world") == TokenCount(2, exact=True)
    # The estimate is not reused as an exact count for the same messages.
    assert counter.count_messages("gpt-4o", COOKBOOK_MESSAGES) == TokenCount(124, exact=True)
    # Another model of the loaded encoding is exact at once; one of another encoding is not.
    assert counter.is_ready("gpt-4o-mini")
    assert not counter.is_ready("gpt-4")
    assert not counter.count_text("gpt-4", "hello").exact


def test_a_failing_loader_sets_load_error_and_keeps_estimating() -> None:
    def broken(name: str) -> NoReturn:
        raise OSError(f"cannot read {name}")

    counter = TokenCounter(loader=broken)
    counter.load("gpt-4o")
    assert counter.load_error is not None
    assert "o200k_base" in counter.load_error
    assert "cannot read" in counter.load_error
    assert not counter.is_ready("gpt-4o")
    assert counter.count_text("gpt-4o", "x" * 40) == TokenCount(10, exact=False)
    assert not counter.count_messages("gpt-4o", COOKBOOK_MESSAGES).exact


def _load_error(counter: TokenCounter) -> str | None:
    return counter.load_error  # (a call: mypy would keep the narrowed type across loads)


def test_load_error_clears_after_a_successful_load() -> None:
    attempts: list[str] = []

    def flaky(name: str) -> Any:
        attempts.append(name)
        if len(attempts) == 1:
            raise ValueError("Hash mismatch")
        return load_encoding(name)

    counter = TokenCounter(loader=flaky)
    counter.load("gpt-4")
    assert _load_error(counter) == "Could not load the cl100k_base tokenizer: Hash mismatch"
    counter.load("gpt-4")
    assert _load_error(counter) is None
    assert counter.is_ready("gpt-4")
    counter.load("gpt-4")  # already loaded: the loader is not called again
    assert attempts == ["cl100k_base", "cl100k_base"]


def test_recount_after_a_draft_change_encodes_only_the_draft() -> None:
    encoder = CountingEncoder(load_encoding("o200k_base"))
    counter = TokenCounter(loader=lambda name: encoder)
    counter.load("gpt-4o")
    history = [ChatMessageKey("system", "system", "You are terse.")] + [
        ChatMessageKey(
            f"m{i}", "user" if i % 2 == 0 else "assistant", f"Message {i}: " + "word " * (i % 50)
        )
        for i in range(1000)
    ]
    first = counter.count_messages("gpt-4o", [*history, ChatMessageKey("draft", "user", "Hel")])
    assert first.exact
    assert len(encoder.calls) > 1000
    encoder.calls.clear()
    second = counter.count_messages("gpt-4o", [*history, ChatMessageKey("draft", "user", "Hello")])
    assert encoder.calls == ["Hello"]
    assert second.tokens == first.tokens  # "Hel" and "Hello" are one token each
    encoder.calls.clear()
    # An edited message is recounted; a same-content copy (new object) is not.
    edited = list(history)
    assert edited[11].key == "m10"
    edited[11] = ChatMessageKey("m10", "user", "edited text")
    edited[12] = ChatMessageKey("m11", edited[12].role, "".join(list(edited[12].content)))
    assert edited[12].content is not history[12].content
    counter.count_messages("gpt-4o", edited)
    assert encoder.calls == ["edited text"]


def test_the_same_key_in_another_encoding_is_counted_separately() -> None:
    counter = TokenCounter()
    counter.load("gpt-4o")
    counter.load("gpt-4")
    message = [ChatMessageKey("m1", "user", CHINESE)]
    assert counter.count_messages("gpt-4o", message).tokens == 3 + 3 + 1 + 11
    assert counter.count_messages("gpt-4", message).tokens == 3 + 3 + 1 + 18


def test_estimate_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_tokens("x" * 400) == 100
    assert estimate_tokens("你好世界") == 4  # about one per CJK character
    assert 5 <= estimate_tokens(EMOJI) <= 20
    assert estimate_tokens("\ud800") >= 1  # a lone surrogate does not raise
    long_text = "The quick brown fox jumps over the lazy dog. " * 100
    assert abs(estimate_tokens(long_text) - 1000) < 300


def test_tokens_module_does_not_import_tiktoken_until_used() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from gpt_tui.core.planning.tokens import TokenCounter, ChatMessageKey\n"
            "c = TokenCounter()\n"
            "c.count_text('gpt-4o', 'hi')\n"
            "c.count_messages('gpt-4o', [ChatMessageKey('d', 'user', 'hi')])\n"
            "print('tiktoken' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    assert out == "False"
