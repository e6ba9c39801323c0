"""The fenced code blocks of a message's Markdown source, so one can be copied on its own.

Found from the text the model sent, never from rendered widgets, following CommonMark's
fence rules: a fence is three or more backticks or tildes; the block ends at a line of
the same character, at least as long, with nothing after it; an inner fence that is
shorter or of the other character is content (a ```` block can show a ``` block); a
backtick fence's info string cannot hold a backtick (```` ``not a fence`` ````); a block
left open (a reply stopped mid-code) runs to the end of the text.

One deliberate difference: a fence may be indented by any amount, not only up to three
spaces, because replies put code blocks inside list items; the fence's indentation is
removed from the block's lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,})(.*)$")


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """One fenced block: its language (first word of the info string) and its code."""

    language: str
    code: str
    line: int
    """Line of the opening fence (1-based) in the message."""
    closed: bool = True
    """False when the text ended before the closing fence."""

    @property
    def label(self) -> str:
        """A short description for a picker: language, size and first line of code."""
        lines = self.code.split("\n") if self.code else []
        first = next((s.strip() for s in lines if s.strip()), "")
        if len(first) > 48:
            first = first[:47] + "…"
        count = f"{len(lines)} line{'s' if len(lines) != 1 else ''}"
        return f"{self.language or 'text'} · {count} · {first}".rstrip(" ·")


def code_blocks(markdown: str) -> list[CodeBlock]:
    """Every fenced code block of ``markdown``, in order."""
    blocks: list[CodeBlock] = []
    lines = markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    index = 0
    while index < len(lines):
        opening = _opening(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence, language = opening
        body: list[str] = []
        start = index
        index += 1
        closed = False
        while index < len(lines):
            line = lines[index]
            index += 1
            if _closes(line, fence):
                closed = True
                break
            body.append(_dedent(line, indent))
        blocks.append(CodeBlock(language, "\n".join(body), start + 1, closed))
    return blocks


def _opening(line: str) -> tuple[int, str, str] | None:
    """(indentation, fence, language) when ``line`` opens a fenced block."""
    match = _FENCE.match(line)
    if match is None:
        return None
    indent, fence, info = match.groups()
    if fence[0] == "`" and "`" in info:
        return None
    words = info.split()
    return len(indent.expandtabs(4)), fence, words[0] if words else ""


def _closes(line: str, fence: str) -> bool:
    match = _FENCE.match(line)
    if match is None:
        return False
    _indent, candidate, rest = match.groups()
    return candidate[0] == fence[0] and len(candidate) >= len(fence) and not rest.strip()


def _dedent(line: str, indent: int) -> str:
    """``line`` without up to ``indent`` columns of leading whitespace."""
    removed = 0
    position = 0
    while position < len(line) and removed < indent and line[position] in " \t":
        removed += 4 - removed % 4 if line[position] == "\t" else 1
        position += 1
    return line[position:]
