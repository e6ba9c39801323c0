"""How long token counting takes: loading an encoder, and recounting per keystroke.

Run: ``python benchmarks/bench_tokens.py`` (``--quick`` for tiny sizes, e.g. in CI).

1. Encoder load time: median over fresh subprocesses (import of tiktoken included, empty
   ``TIKTOKEN_CACHE_DIR`` each time), so no in-process cache hides the cost.
2. Per-keystroke cost of recounting a whole request for a long conversation after the draft
   changed by one character: :meth:`TokenCounter.count_messages`, median and p95.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gpt_tui.core.domain.conversation import Params  # noqa: E402
from gpt_tui.core.domain.message import Message, MessageStatus  # noqa: E402
from gpt_tui.core.planning.planner import RequestPlanner  # noqa: E402
from gpt_tui.core.planning.pricing import PriceBook  # noqa: E402
from gpt_tui.core.planning.tokens import (  # noqa: E402
    ChatMessageKey,
    TokenCounter,
    encoding_name_for,
    estimate_tokens,
    load_encoding,
)

_LOAD_SNIPPET = """
import sys, time
start = time.perf_counter()
from gpt_tui.core.planning.tokens import load_encoding
encoding = load_encoding(sys.argv[1])
assert len(encoding.encode("hello world")) == 2
print(time.perf_counter() - start)
"""

_VOCABULARY = (
    "the of and to in is that for it as with was on be by this are or from at an which "
    "model token request reply stream context window prompt system user assistant python "
    "function return value error retry server terminal keyboard sidebar conversation "
    "parameter temperature because however although therefore example detail result "
    "configuration performance benchmark latency throughput cache encoder message draft"
)
_WORDS = _VOCABULARY.split()


@dataclass(frozen=True, slots=True)
class Sizes:
    load_runs: int
    messages: int
    keystrokes: int
    min_words: int
    max_words: int


FULL = Sizes(load_runs=5, messages=1000, keystrokes=200, min_words=50, max_words=400)
QUICK = Sizes(load_runs=1, messages=20, keystrokes=20, min_words=5, max_words=40)


def load_times(name: str, runs: int) -> list[float]:
    """Seconds to import tiktoken and load ``name``, each run in a fresh interpreter."""
    times: list[float] = []
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache:
            env["TIKTOKEN_CACHE_DIR"] = cache
            out = subprocess.run(
                [sys.executable, "-c", _LOAD_SNIPPET, name],
                capture_output=True,
                text=True,
                check=True,
                env=env,
                timeout=300,
            )
        times.append(float(out.stdout.strip()))
    return times


def make_text(rng: random.Random, words: int) -> str:
    sentences: list[str] = []
    left = words
    while left > 0:
        n = min(left, rng.randint(6, 20))
        sentence = " ".join(rng.choice(_WORDS) for _ in range(n))
        sentences.append(sentence.capitalize() + rng.choice([".", ".", "?", "!", ":"]))
        left -= n
    return " ".join(sentences)


def make_history(sizes: Sizes) -> list[ChatMessageKey]:
    rng = random.Random(1234)
    history = [ChatMessageKey("system", "system", "You are a helpful assistant.")]
    for i in range(sizes.messages):
        role = "user" if i % 2 == 0 else "assistant"
        words = rng.randint(sizes.min_words, sizes.max_words)
        history.append(ChatMessageKey(f"m{i:05d}", role, make_text(rng, words)))
    return history


def keystroke_times(
    counter: TokenCounter, model: str, history: list[ChatMessageKey], keystrokes: int
) -> tuple[float, list[float], int]:
    """The cold first count (s), then per-keystroke recount times (s), and the last total."""
    draft = "Summarise what we said about"
    start = time.perf_counter()
    total = counter.count_messages(model, [*history, ChatMessageKey("draft", "user", draft)])
    cold = time.perf_counter() - start
    times: list[float] = []
    typed = " the cache and the encoder, briefly, with examples and figures. " * 8
    for i in range(keystrokes):
        draft += typed[i % len(typed)]
        request = [*history, ChatMessageKey("draft", "user", draft)]
        start = time.perf_counter()
        total = counter.count_messages(model, request)
        times.append(time.perf_counter() - start)
    return cold, times, total.tokens


def planner_times(
    model: str, history: list[ChatMessageKey], keystrokes: int, context: str, failed_every: int = 0
) -> list[float]:
    """Per-keystroke time of what the panel really calls: ``RequestPlanner.estimate``.

    ``failed_every``: every Nth reply failed with no text (its prompt is then left out of
    the history, which the selection must find out on every keystroke)."""
    counter = TokenCounter()
    counter.load(model)
    prices = PriceBook()
    prices.load()
    planner = RequestPlanner(counter, prices)
    params = Params(model=model, max_tokens=1000, context=context)  # type: ignore[arg-type]
    messages = [
        Message(role="user" if m.role == "user" else "assistant", content=m.content, id=m.key)
        for m in history[1:]
    ]
    if failed_every:
        for reply in [m for m in messages if m.role == "assistant"][
            failed_every - 1 :: failed_every
        ]:
            reply.content, reply.status = "", MessageStatus.ERROR
    draft = "Summarise"
    planner.estimate(params, messages, draft, None)  # warm the per-message cache
    times: list[float] = []
    for i in range(keystrokes):
        draft += "abcdefgh "[i % 9]
        start = time.perf_counter()
        planner.estimate(params, messages, draft, None)
        times.append(time.perf_counter() - start)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (proves it runs)")
    parser.add_argument("--model", default="gpt-4o", help="model whose encoding to time")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    model: str = args.model
    encoding = encoding_name_for(model)

    rows: list[tuple[str, str, str]] = []
    for name in dict.fromkeys([encoding, "o200k_base", "cl100k_base"]):
        times = load_times(name, sizes.load_runs)
        rows.append(
            (
                f"load {name} (fresh process, {sizes.load_runs} runs)",
                fmt(statistics.median(times)),
                f"min {fmt(min(times))}, max {fmt(max(times))}",
            )
        )

    history = make_history(sizes)
    chars = sum(len(m.content) for m in history)
    load_encoding(encoding)
    exact_counter = TokenCounter()
    exact_counter.load(model)
    cold, times, total = keystroke_times(exact_counter, model, history, sizes.keystrokes)
    label = f"{sizes.messages} messages, {chars:,} chars, {total:,} tokens"
    rows.append((f"first exact count ({label})", fmt(cold), "encodes every message"))
    rows.append(
        (
            f"exact recount per keystroke ({sizes.keystrokes} keys)",
            fmt(statistics.median(times)),
            f"p95 {fmt(p95(times))}",
        )
    )
    estimate_counter = TokenCounter()  # never loaded: the estimates shown before load
    cold, times, estimated = keystroke_times(estimate_counter, model, history, sizes.keystrokes)
    rows.append(("first estimated count", fmt(cold), f"≈{estimated:,} tokens"))
    rows.append(
        (
            f"estimated recount per keystroke ({sizes.keystrokes} keys)",
            fmt(statistics.median(times)),
            f"p95 {fmt(p95(times))}",
        )
    )
    for context in ("all", "fit"):
        times = planner_times(model, history, sizes.keystrokes, context)
        rows.append(
            (
                f"panel update per keystroke, history '{context}' ({sizes.keystrokes} keys)",
                fmt(statistics.median(times)),
                f"p95 {fmt(p95(times))}",
            )
        )
    times = planner_times(model, history, sizes.keystrokes, "all", failed_every=10)
    rows.append(
        (
            f"panel update per keystroke, every 10th reply failed ({sizes.keystrokes} keys)",
            fmt(statistics.median(times)),
            f"p95 {fmt(p95(times))}",
        )
    )
    start = time.perf_counter()
    for message in history:
        estimate_tokens(message.content)
    rows.append(("estimate_tokens over the whole history", fmt(time.perf_counter() - start), ""))

    print(f"Token counting benchmark (model {model}, encoding {encoding}, python {sys.version})")
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    header = ("what", "median / time", "spread")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    line = "  ".join("-" * w for w in widths)
    print(line)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
