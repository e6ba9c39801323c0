"""Prompt token counts for the UI: exact with OpenAI's tokenizers, and offline.

tiktoken normally downloads its BPE rank files on first use (with no timeout). gpt-tui ships
the two files its models need, ``o200k_base`` (gpt-4o, gpt-4.1, gpt-5, o-series) and
``cl100k_base`` (gpt-4, gpt-3.5-turbo), in ``gpt_tui/data/tiktoken/`` and loads them with the
sha256 that tiktoken itself pins, so counting is exact on a machine with no network.

The regexes and special tokens are not copied: :func:`load_encoding` runs tiktoken's own
constructor from ``tiktoken_ext.openai_public`` while redirecting its ``load_tiktoken_bpe``
from the download URL to the shipped file. Encodings whose file is not shipped (the legacy
``gpt2``, ``r50k_base``, ``p50k_base`` and ``p50k_edit`` of completion-era models) are loaded
the way tiktoken always does, from its cache or the network; should that fail,
:class:`TokenCounter` records the error and keeps estimating. Mapping them to a shipped
encoding instead would show exact-looking numbers that are wrong.

tiktoken is imported lazily (the first frame of the app must not pay for it): nothing in this
module imports it until :func:`encoding_name_for` or :func:`load_encoding` is called, which
the app does from a worker thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    import tiktoken

DEFAULT_ENCODING = "o200k_base"
"""The encoding for model names tiktoken does not know (local models, "demo")."""

SHIPPED_ENCODINGS: Mapping[str, str] = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}
"""Encodings whose rank file ships in ``gpt_tui/data/tiktoken/``, with its sha256 (the
``expected_hash`` that ``tiktoken_ext.openai_public`` declares)."""

TOKENS_PER_MESSAGE = 3
"""Each message is wrapped as ``<|start|>{role}<|message|>{content}<|end|>``."""
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3
"""Every reply is primed with ``<|start|>assistant<|message|>``."""

_ESTIMATE = ""
"""Cache namespace of estimated counts (never a real encoding name)."""
_MAX_CACHED_MESSAGES = 20_000
"""Per encoding; beyond it the cache keeps only the messages of the latest count."""


@dataclass(frozen=True, slots=True)
class TokenCount:
    """A number of tokens, and whether it is exact or an estimate (shown with "≈")."""

    tokens: int
    exact: bool
    """False when the encoder is not loaded yet or failed to load."""


@dataclass(frozen=True, slots=True)
class ChatMessageKey:
    """One message of a request as the counter sees it."""

    key: str
    """A stable id: the message id, or "system", or "draft"; the per-message cache key."""
    role: str
    content: str
    name: str = ""
    """The optional ``name`` field of the Chat Completions API (gpt-tui does not send it)."""


class _Encoder(Protocol):
    def encode(self, text: str, *, disallowed_special: Collection[str]) -> list[int]: ...


# --- model → encoding ---------------------------------------------------------------------


def encoding_name_for(model: str) -> str:
    """The tiktoken encoding of ``model``, from tiktoken's own table; no network.

    Tries the name as given, then lower-cased, then without a ``vendor/`` prefix
    ("openai/gpt-4o" on OpenRouter, "azure/gpt-4"), then without an Ollama-style ``:tag``.
    Azure's "gpt-35-turbo" names are in tiktoken's table. Anything else, including local
    models and "demo", gets :data:`DEFAULT_ENCODING`.
    """
    from tiktoken.model import encoding_name_for_model

    for candidate in _name_candidates(model):
        try:
            return encoding_name_for_model(candidate)
        except KeyError:
            continue
    return DEFAULT_ENCODING


def _name_candidates(model: str) -> Iterator[str]:
    name = model.strip()
    seen: set[str] = set()
    bases = [name]
    if "/" in name:
        bases.append(name.rsplit("/", 1)[1])
    if not name.startswith("ft:"):
        bases.extend(base.split(":", 1)[0] for base in list(bases) if ":" in base)
    for base in bases:
        for candidate in (base, base.lower()):
            if candidate and candidate not in seen:
                seen.add(candidate)
                yield candidate


# --- loading encodings --------------------------------------------------------------------

_ENCODINGS: dict[str, tiktoken.Encoding] = {}
_LOAD_LOCK = threading.Lock()
"""Held for a whole load: one load at a time, and the redirect below is never nested."""


def load_encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken encoding ``name``, built from the shipped file when there is one.

    Blocking (about 0.1–0.4 s for a shipped file) and cached for the process; thread-safe.
    The shipped file's sha256 is checked by tiktoken (``expected_hash``); a mismatch raises
    ``ValueError``. Other encodings come from tiktoken as usual (cache or network).
    """
    encoding = _ENCODINGS.get(name)
    if encoding is not None:
        return encoding
    with _LOAD_LOCK:
        encoding = _ENCODINGS.get(name)
        if encoding is None:
            encoding = _build_encoding(name)
            _ENCODINGS[name] = encoding
        return encoding


def shipped_file(name: str) -> Traversable:
    """The shipped rank file of encoding ``name`` (which must be in SHIPPED_ENCODINGS)."""
    if name not in SHIPPED_ENCODINGS:
        raise KeyError(f"{name} is not shipped with gpt-tui")
    return resources.files("gpt_tui") / "data" / "tiktoken" / f"{name}.tiktoken"


def _build_encoding(name: str) -> tiktoken.Encoding:
    import tiktoken
    from tiktoken_ext import openai_public

    constructor = openai_public.ENCODING_CONSTRUCTORS.get(name)
    if constructor is None:
        # Not one of OpenAI's: maybe a tiktoken plugin's encoding.
        return tiktoken.get_encoding(name)
    # tiktoken's constructors call the module-global load_tiktoken_bpe(url, expected_hash).
    # While _LOAD_LOCK is held, point it at the shipped files. Another thread calling
    # tiktoken.get_encoding meanwhile would get the same verified ranks, so this is safe.
    original = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = _shipped_first(original)
    try:
        spec = constructor()
    finally:
        openai_public.load_tiktoken_bpe = original
    encoding = tiktoken.Encoding(**spec)
    # The encoder lives in tiktoken's Rust core; the Python copy of the ranks (200k
    # entries for o200k, ~30 MB) only serves pickling, which nothing here does.
    if isinstance(getattr(encoding, "_mergeable_ranks", None), dict):
        encoding._mergeable_ranks = {}
    return encoding


def _shipped_first(
    original: Callable[..., dict[bytes, int]],
) -> Callable[..., dict[bytes, int]]:
    def load_tiktoken_bpe(
        tiktoken_bpe_file: str, expected_hash: str | None = None
    ) -> dict[bytes, int]:
        stem = tiktoken_bpe_file.rsplit("/", 1)[-1].removesuffix(".tiktoken")
        pinned = SHIPPED_ENCODINGS.get(stem)
        if pinned is None or expected_hash not in (None, pinned):
            # Not shipped, or tiktoken now expects a different file: its usual path.
            return original(tiktoken_bpe_file, expected_hash=expected_hash)
        with resources.as_file(shipped_file(stem)) as path:
            return original(str(path), expected_hash=pinned)

    return load_tiktoken_bpe


# --- estimates ----------------------------------------------------------------------------


def estimate_tokens(text: str) -> int:
    """A fast estimate without an encoder.

    About 1 token per 4 ASCII characters, 1 per 3 two-byte UTF-8 characters (accented
    Latin, Cyrillic, Greek, Arabic…), 1 per CJK (three-byte) character and 2 per emoji.
    """
    if text.isascii():
        return (len(text) + 3) // 4
    ascii_chars = len(text.encode("ascii", "ignore"))
    non_ascii = len(text) - ascii_chars
    non_ascii_bytes = len(text.encode("utf-8", "surrogatepass")) - ascii_chars
    wide = max(0, non_ascii_bytes - 2 * non_ascii)  # 1 per 3-byte char, 2 per 4-byte char
    two_byte = max(0, non_ascii - wide)
    return (3 * ascii_chars + 4 * two_byte + 12 * wide + 11) // 12


# --- the counter --------------------------------------------------------------------------


@dataclass(slots=True)
class _Cached:
    role: str
    name: str
    content: str
    tokens: int


class TokenCounter:
    """Counts tokens for the UI; never blocks: exact once the encoder is loaded, estimates before.

    :meth:`load` runs in a worker thread; the ``count_*`` methods run on the UI thread and
    never import tiktoken or load anything. Per-message counts are cached by message key, so
    recounting a long conversation after a draft change only encodes the draft.
    """

    def __init__(self, loader: Callable[[str], Any] = load_encoding) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._encoders: dict[str, _Encoder] = {}
        self._encoding_of: dict[str, str] = {}
        self._cache: dict[str, dict[str, _Cached]] = {}
        self._role_tokens: dict[tuple[str, str], int] = {}
        self.load_error: str | None = None
        """Why the latest :meth:`load` failed (None after a successful one)."""

    def load(self, model: str) -> None:
        """Load the encoder of ``model`` (blocking). Records a failure in :attr:`load_error`."""
        name = model
        try:
            name = encoding_name_for(model)
            with self._lock:
                encoder = self._encoders.get(name)
            if encoder is None:
                encoder = cast(_Encoder, self._loader(name))
        except Exception as exc:
            self.load_error = f"Could not load the {name} tokenizer: {exc}"
            return
        with self._lock:
            self._encoders[name] = encoder
            self._encoding_of[model] = name
        self.load_error = None

    def is_ready(self, model: str) -> bool:
        """Whether counts for ``model`` are exact."""
        return self._encoder_for(model) is not None

    def count_text(self, model: str, text: str) -> TokenCount:
        """The tokens of ``text`` alone (no message overhead)."""
        resolved = self._encoder_for(model)
        if resolved is None:
            return TokenCount(estimate_tokens(text), exact=False)
        return TokenCount(len(resolved[1].encode(text, disallowed_special=())), exact=True)

    def count_messages(self, model: str, messages: Sequence[ChatMessageKey]) -> TokenCount:
        """The prompt tokens of a chat request with ``messages``.

        As OpenAI's cookbook counts them for gpt-3.5-turbo-0613 and later, gpt-4 and gpt-4o:
        3 tokens per message, its role and content (and name, plus 1), and 3 for the reply.
        """
        resolved = self._encoder_for(model)
        if resolved is None:
            namespace, encoder = _ESTIMATE, None
        else:
            namespace, encoder = resolved
        total = REPLY_PRIMING_TOKENS
        with self._lock:
            cache = self._cache.setdefault(namespace, {})
            for message in messages:
                entry = cache.get(message.key)
                if (
                    entry is None
                    or entry.content != message.content
                    or entry.role != message.role
                    or entry.name != message.name
                ):
                    entry = _Cached(
                        message.role,
                        message.name,
                        message.content,
                        self._message_tokens(namespace, encoder, message),
                    )
                    cache[message.key] = entry
                total += entry.tokens
            if len(cache) > _MAX_CACHED_MESSAGES:
                keep = {m.key for m in messages}
                self._cache[namespace] = {k: v for k, v in cache.items() if k in keep}
        return TokenCount(total, exact=encoder is not None)

    def _message_tokens(
        self, namespace: str, encoder: _Encoder | None, message: ChatMessageKey
    ) -> int:
        # Called with self._lock held.
        if encoder is None:
            tokens = TOKENS_PER_MESSAGE + 1 + estimate_tokens(message.content)
            if message.name:
                tokens += TOKENS_PER_NAME + estimate_tokens(message.name)
            return tokens
        role_tokens = self._role_tokens.get((namespace, message.role))
        if role_tokens is None:
            role_tokens = len(encoder.encode(message.role, disallowed_special=()))
            self._role_tokens[namespace, message.role] = role_tokens
        tokens = TOKENS_PER_MESSAGE + role_tokens
        tokens += len(encoder.encode(message.content, disallowed_special=()))
        if message.name:
            tokens += TOKENS_PER_NAME + len(encoder.encode(message.name, disallowed_special=()))
        return tokens

    def _encoder_for(self, model: str) -> tuple[str, _Encoder] | None:
        with self._lock:
            if not self._encoders:
                return None  # nothing loaded: stay away from tiktoken on the UI thread
            name = self._encoding_of.get(model)
        if name is None:
            # An encoder is loaded, so tiktoken is imported and this is a table lookup.
            try:
                name = encoding_name_for(model)
            except Exception:
                return None
            with self._lock:
                self._encoding_of[model] = name
        with self._lock:
            encoder = self._encoders.get(name)
        return None if encoder is None else (name, encoder)
