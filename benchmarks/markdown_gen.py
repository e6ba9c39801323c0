"""A deterministic, Markdown-heavy assistant reply of a given size.

:func:`markdown_reply` returns exactly ``tokens * 4`` characters (a token is taken as
four characters) of the kind of Markdown chat models write: headings, paragraphs with
inline bold, italics, code and links, bulleted and numbered lists, tables and fenced code
blocks in several languages. The same ``tokens`` and ``seed`` always give the same text.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from benchmarks.server import CHARS_PER_TOKEN

_WORDS = (
    "the",
    "request",
    "stream",
    "buffer",
    "token",
    "model",
    "server",
    "client",
    "reply",
    "render",
    "widget",
    "layout",
    "cache",
    "index",
    "latency",
    "frame",
    "cursor",
    "prompt",
    "history",
    "context",
    "window",
    "budget",
    "parser",
    "terminal",
    "screen",
    "event",
    "loop",
    "worker",
    "thread",
    "queue",
    "batch",
    "update",
    "markdown",
    "table",
    "code",
    "value",
    "result",
    "error",
    "retry",
    "timeout",
    "network",
    "socket",
    "header",
    "payload",
    "schema",
    "version",
    "config",
    "option",
    "default",
    "field",
    "state",
    "message",
    "conversation",
    "summary",
    "list",
    "item",
    "chunk",
)

_CODE: dict[str, tuple[str, ...]] = {
    "python": (
        "def {a}_{b}(items: list[str], limit: int = 10) -> dict[str, int]:",
        '    """Count {a} per {b}."""',
        "    counts: dict[str, int] = {{}}",
        "    for item in items[:limit]:",
        "        counts[item] = counts.get(item, 0) + 1",
        "    return counts",
    ),
    "javascript": (
        "export async function {a}{B}(url, options = {{}}) {{",
        "  const response = await fetch(url, {{ ...options, method: 'POST' }});",
        "  if (!response.ok) throw new Error(`{a} failed: ${{response.status}}`);",
        "  return response.json();",
        "}}",
    ),
    "bash": (
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        'for f in ./{a}/*.json; do jq ".{b}" "$f"; done | sort | uniq -c',
    ),
    "sql": (
        "SELECT {a}.id, count(*) AS {b}_count",
        "FROM {a} JOIN {b} ON {b}.{a}_id = {a}.id",
        "WHERE {a}.created_at > now() - interval '7 days'",
        "GROUP BY {a}.id ORDER BY {b}_count DESC LIMIT 20;",
    ),
}


class _Writer:
    """Builds blocks of Markdown from a seeded random source."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._section = 0
        self._blocks = 0

    def words(self, low: int, high: int) -> str:
        return " ".join(self._rng.choice(_WORDS) for _ in range(self._rng.randint(low, high)))

    def _inline(self) -> str:
        word = self._rng.choice(_WORDS)
        return self._rng.choice(
            (f"**{word}**", f"*{word}*", f"`{word}()`", f"[{word}](https://example.com/{word})")
        )

    def sentence(self) -> str:
        parts = [self.words(3, 9), self._inline(), self.words(2, 8)]
        text = " ".join(parts)
        return text[0].upper() + text[1:] + "."

    def heading(self) -> str:
        self._section += 1
        level = "##" if self._section % 3 == 1 else "###"
        return f"{level} {self._section}. {self.words(2, 5).title()}"

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self._rng.randint(2, 5)))

    def bullets(self) -> str:
        return "\n".join(f"- {self.sentence()}" for _ in range(self._rng.randint(3, 6)))

    def numbered(self) -> str:
        lines = []
        for i in range(1, self._rng.randint(3, 6) + 1):
            lines.append(f"{i}. {self.sentence()}")
            if self._rng.random() < 0.3:
                lines.append(f"   - {self.sentence()}")
        return "\n".join(lines)

    def table(self) -> str:
        columns = self._rng.randint(3, 5)
        header = [self._rng.choice(_WORDS).title() for _ in range(columns)]
        rows = [
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---" for _ in header) + "|",
        ]
        for _ in range(self._rng.randint(3, 7)):
            cells = [self.words(1, 3) for _ in range(columns - 1)]
            rows.append(f"| {self._rng.randint(1, 999)} | " + " | ".join(cells) + " |")
        return "\n".join(rows)

    def code(self) -> str:
        language = self._rng.choice(sorted(_CODE))
        a, b = self._rng.choice(_WORDS), self._rng.choice(_WORDS)
        body = "\n".join(line.format(a=a, b=b, B=b.title()) for line in _CODE[language])
        return f"```{language}\n{body}\n```"

    def block(self) -> str:
        """The next block in a fixed rotation, so every size has the same mix."""
        makers: tuple[Callable[[], str], ...] = (
            self.paragraph,
            self.bullets,
            self.code,
            self.paragraph,
            self.table,
            self.numbered,
            self.code,
        )
        self._blocks += 1
        return makers[self._blocks % len(makers)]()


def markdown_reply(tokens: int, seed: int = 0) -> str:
    """``tokens * 4`` characters of Markdown: sections of headings, text, lists, tables, code.

    Blocks are whole (no fence or table is cut off); the last block is a paragraph filled
    with words to the exact length, ending in a newline.
    """
    target = tokens * CHARS_PER_TOKEN
    writer = _Writer(seed)
    blocks: list[str] = []
    size = 0
    while True:
        block = writer.heading() if len(blocks) % 4 == 0 else writer.block()
        if size + len(block) + 2 > target - 120:
            break
        blocks.append(block)
        size += len(block) + 2
    filler = ""
    remaining = target - size - 1  # the final newline
    while len(filler) < remaining:
        filler += ("" if not filler else " ") + writer.sentence()
    blocks.append(filler[:remaining].rstrip().ljust(remaining, "."))
    text = "\n\n".join(blocks) + "\n"
    if len(text) != target:
        raise RuntimeError(f"generated {len(text)} characters instead of {target}")
    return text
