"""Conversations out of gpt-tui: Markdown to read or share, JSON to back up or move.

Markdown layout (see :func:`to_markdown`)::

    # Title

    - **Model:** gpt-4o-mini
    - **Parameters:** temperature 0.7 · top_p 1 · max_tokens 1,024
    - **History sent:** last 10 turns
    - **Created:** 2026-01-02 03:04 UTC · **Updated:** 2026-01-02 03:10 UTC
    - **Messages:** 4 · **Tokens:** 1,234 · **Cost:** $0.0012

    > **System prompt**
    >
    > You are a helpful assistant.

    ---

    ## You

    <the prompt, verbatim>

    ---

    ## Assistant (gpt-4o-mini)

    <the reply, verbatim>

    *1,000 prompt + 234 completion tokens · $0.0012 · 2.1 s*

Message content is Markdown already and is kept verbatim (no escaping), so code blocks,
lists and headings render as they did in the chat. What keeps a message from breaking the
document's structure:

- every message starts with a thematic break (``---``) and a level-2 heading, so even a
  reply that contains its own ``# Heading`` or ``## You`` still sits after a clear rule;
- the content is always followed by a blank line, so a last line of text can never turn
  the next ``---`` into a setext heading;
- a code fence left open (a reply stopped in the middle of a code block) is closed after
  the content, so it cannot swallow the rest of the document;
- control characters (ANSI escapes, NUL, carriage returns…) are dropped so the file reads
  safely in a pager or with ``cat``; newlines and tabs stay.

The Markdown export holds the branch shown in the app (the active path); its header's
tokens and cost count every reply on every branch, since each was paid for, and say how
many messages other branches hold. The JSON format is gpt-tui's own and lossless, every
branch included: ``{"format": "gpt-tui", "version": 1,
"conversation": {...}}`` or ``"conversations": [...]``, each one ``Conversation.to_dict()``.
A Conversation holds no API key, so neither export can contain one.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from gpt_tui.core.domain.conversation import Conversation
from gpt_tui.core.domain.message import Message, MessageStatus, Usage
from gpt_tui.core.interchange.attachment_export import EMBEDDED_KEY, markdown_lines
from gpt_tui.core.planning.pricing import format_money
from gpt_tui.core.store.fsutil import write_new_file

EXPORT_FORMAT = "gpt-tui"
"""The ``format`` marker of gpt-tui's JSON export."""
EXPORT_VERSION = 1
"""The ``version`` of the JSON export envelope (the conversations carry their own schema)."""

FILENAME_TITLE_CHARS = 60
"""At most this many characters of the title go into an export's file name."""
_FILENAME_TITLE_BYTES = 180
"""…and at most this many UTF-8 bytes (file names are limited to 255 bytes)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters except tab and newline (C0, DEL, C1)."""
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
"""Bidirectional overrides: they can make text display in a misleading order."""
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")
"""ANSI CSI and OSC sequences: removed whole, not just their ESC."""
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_INLINE_SPECIAL = re.compile(r"([\\`*\[\]<]|(?<!\w)_|_(?!\w))")
"""Markdown punctuation to escape in our own one-line texts (an ``_`` inside a word, as in
``OPENAI_API_KEY``, cannot start emphasis and stays as it is)."""
_UNSAFE_FILENAME = re.compile(r'[/\\:*?"<>|]')

_STATUS_NOTES = {
    MessageStatus.STOPPED: "Stopped: you stopped this reply; the text above is incomplete.",
    MessageStatus.INTERRUPTED: "Interrupted: the stream broke; the text above is incomplete.",
    MessageStatus.STREAMING: "Incomplete: this reply was still arriving when it was saved.",
    MessageStatus.ERROR: "Failed",
}

_CONTEXT_LABELS = {"all": "everything", "fit": "what fits the context window"}


# --- Markdown ------------------------------------------------------------------------------


def to_markdown(conversation: Conversation, files: str | None = None) -> str:
    """The conversation as a Markdown document that reads well in a pager (see module doc).

    Attachments link into the folder ``files`` next to the document (see
    :mod:`~gpt_tui.core.interchange.attachment_export`); without one they are listed."""
    blocks: list[str] = [f"# {_inline(conversation.title) or 'Untitled conversation'}"]
    blocks.append("\n".join(_header_lines(conversation)))
    system_prompt = clean_text(conversation.params.system_prompt).strip("\n")
    if system_prompt.strip():
        blocks.append(_blockquote("**System prompt**\n\n" + system_prompt))
    for message in conversation.messages:
        blocks.append("---")
        blocks.extend(_message_blocks(message, conversation.params.model))
        if message.attachments:
            blocks.append("\n".join(markdown_lines(message.attachments, files)))
    return "\n\n".join(blocks) + "\n"


def _header_lines(conversation: Conversation) -> list[str]:
    params = conversation.params
    lines = [f"- **Model:** {_inline(params.model)}"]
    settings = []
    if params.temperature is not None:
        settings.append(f"temperature {_number(params.temperature)}")
    if params.top_p is not None:
        settings.append(f"top_p {_number(params.top_p)}")
    if params.max_tokens is not None:
        settings.append(f"max_tokens {params.max_tokens:,}")
    if settings:
        lines.append(f"- **Parameters:** {' · '.join(settings)}")
    if params.context == "last_turns":
        turns = params.context_turns
        lines.append(f"- **History sent:** last {turns} turn{'s' if turns != 1 else ''}")
    elif params.context != "all":
        lines.append(f"- **History sent:** {_CONTEXT_LABELS.get(params.context, params.context)}")
    lines.append(
        f"- **Created:** {_when(conversation.created_at)} · "
        f"**Updated:** {_when(conversation.updated_at)}"
    )
    shown = len(conversation.messages)
    elsewhere = len(conversation.tree) - shown
    totals = [f"**Messages:** {shown}"]
    everything = conversation.tree.all()
    usages = [m.usage for m in everything if m.usage is not None]
    if usages:
        tokens = sum(u.total_tokens for u in usages)
        approx = "≈" if any(u.estimated for u in usages) else ""
        totals.append(f"**Tokens:** {approx}{tokens:,}")
        totals.append(f"**Cost:** {_total_cost(everything)}")
    lines.append("- " + " · ".join(totals))
    if elsewhere:
        lines.append(
            f"- **Other branches:** {elsewhere} more message{'s' if elsewhere != 1 else ''} "
            "(edited prompts, other replies), not shown here; the JSON export keeps them"
        )
    return lines


def _total_cost(messages: Iterable[Message]) -> str:
    priced: list[Decimal] = []
    unpriced = 0
    for message in messages:
        if message.cost is not None:
            priced.append(message.cost)
        elif message.usage is not None and message.usage.total_tokens:
            unpriced += 1
    if not priced:
        return format_money(None)
    total = format_money(sum(priced, Decimal(0)))
    if unpriced:
        return f"{total} (+ {unpriced} repl{'ies' if unpriced != 1 else 'y'} of unknown price)"
    return total


def _message_blocks(message: Message, default_model: str) -> list[str]:
    if message.role == "user":
        heading = "## You"
    elif message.role == "system":
        heading = "## System"
    elif message.role == "tool":
        heading = f"## Tool result ({_inline(message.tool_call_id or 'no call id')})"
    else:
        heading = f"## Assistant ({_inline(message.model or default_model)})"
    blocks = [heading]
    if message.reasoning is not None and message.reasoning.text.strip():
        blocks.append(_reasoning_block(message))
    content = _close_fences(clean_text(message.content).strip("\n"))
    if content.strip():
        blocks.append(content)
    blocks.extend(_tool_call_blocks(message))
    if message.role == "assistant":
        note = _status_note(message)
        if note:
            blocks.append(note)
        details = _reply_details(message)
        if details:
            blocks.append(f"*{details}*")
    return blocks


def _reasoning_block(message: Message) -> str:
    """The reply's reasoning as a folded HTML block (Markdown viewers show the summary).

    The blank lines around the text let viewers render the Markdown inside.
    """
    reasoning = message.reasoning
    assert reasoning is not None
    tokens = message.usage.reasoning_tokens if message.usage is not None else 0
    summary = html.escape(reasoning.summary(tokens))
    text = _close_fences(clean_text(reasoning.text).strip("\n"))
    return f"<details>\n<summary>{summary}</summary>\n\n{text}\n\n</details>"


def _tool_call_blocks(message: Message) -> list[str]:
    """Each call a reply asked for: its function, its id and its arguments as JSON (the raw
    text, with a warning, when they do not parse)."""
    blocks: list[str] = []
    for call in message.tool_calls:
        _value, problem = call.parsed_arguments()
        heading = f"**Tool call** {_inline(call.name)} ({_inline(call.id)})"
        if problem is not None:
            heading += f" — *{_inline(problem)}*"
        blocks.append(heading)
        blocks.append(_fenced(clean_text(call.pretty_arguments()), "json"))
    return blocks


def _fenced(text: str, language: str) -> str:
    """``text`` in a fenced code block whose fence no backtick run inside can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _status_note(message: Message) -> str:
    if message.status == MessageStatus.COMPLETE:
        return ""
    if message.status == MessageStatus.ERROR or message.error is not None:
        error = message.error
        if error is None:
            return "**Failed.**"
        text = f"**Failed:** {_inline(error.title)}"
        if error.hint:
            text += f" — {_inline(error.hint)}"
        extra = []
        if error.status is not None and f"HTTP {error.status}" not in error.title:
            extra.append(f"HTTP {error.status}")
        if error.request_id:
            extra.append(f"request id {_inline(error.request_id)}")
        return f"{text} ({', '.join(extra)})" if extra else text
    return f"**{_STATUS_NOTES[message.status]}**"


def _reply_details(message: Message) -> str:
    parts = []
    if message.usage is not None:
        parts.append(_usage_text(message.usage))
    if message.cost is not None:
        parts.append(format_money(message.cost))
    elif message.usage is not None and message.usage.total_tokens:
        parts.append("price unknown")
    if message.timing is not None:
        parts.append(f"{message.timing.total_s:.1f} s")
    return " · ".join(parts)


def _usage_text(usage: Usage) -> str:
    approx = "≈" if usage.estimated else ""
    text = (
        f"{approx}{usage.prompt_tokens:,} prompt + {approx}{usage.completion_tokens:,} "
        "completion tokens"
    )
    extra = []
    if usage.cached_tokens:
        extra.append(f"{usage.cached_tokens:,} cached")
    if usage.reasoning_tokens:
        extra.append(f"{usage.reasoning_tokens:,} reasoning")
    return f"{text} ({', '.join(extra)})" if extra else text


def _close_fences(content: str) -> str:
    """Append a closing fence if ``content`` leaves a fenced code block open."""
    open_fence: str | None = None
    for line in content.split("\n"):
        match = _FENCE.match(line)
        if match is None:
            continue
        fence, rest = match.group(1), match.group(2)
        if open_fence is None:
            if not (fence[0] == "`" and "`" in rest):  # ``` info strings cannot hold a `
                open_fence = fence
        elif fence[0] == open_fence[0] and len(fence) >= len(open_fence) and not rest.strip():
            open_fence = None
    return content if open_fence is None else f"{content}\n{open_fence}"


def _blockquote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def _inline(text: str) -> str:
    """One line of text inside our own Markdown (title, model, error): no line breaks, no
    control characters, Markdown punctuation escaped so it shows as typed."""
    return _INLINE_SPECIAL.sub(r"\\\1", " ".join(clean_text(text).split()))


def _number(value: float) -> str:
    return f"{value:g}"


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M %Z").strip()


def clean_text(text: str) -> str:
    """``text`` without terminal control sequences: ANSI escapes, C0/C1 control characters
    (except newline and tab) and bidirectional overrides; CRLF and CR become newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _BIDI.sub("", _CONTROL.sub("", _ANSI.sub("", text)))


# --- JSON ------------------------------------------------------------------------------------


def to_json(conversation: Conversation, embedded: Mapping[str, str] | None = None) -> str:
    """gpt-tui's lossless JSON for one conversation (with ``embedded`` attachments,
    sha256 → base64, when given)."""
    document: dict[str, object] = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "conversation": conversation.to_dict(),
    }
    if embedded:
        document[EMBEDDED_KEY] = dict(embedded)
    return _dump(document)


def to_json_all(
    conversations: Iterable[Conversation], embedded: Mapping[str, str] | None = None
) -> str:
    """gpt-tui's lossless JSON for several conversations, in one document."""
    document: dict[str, object] = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "conversations": [c.to_dict() for c in conversations],
    }
    if embedded:
        document[EMBEDDED_KEY] = dict(embedded)
    return _dump(document)


def _dump(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- file names ------------------------------------------------------------------------------


def markdown_filename(conversation: Conversation) -> str:
    """A safe, unique file name for the Markdown export: ``<title>-<id>.md``."""
    return export_filename(conversation, "md")


def export_filename(conversation: Conversation, extension: str) -> str:
    """``<title>-<id>.<extension>``: the title keeps letters of every script (CJK included)
    but loses path separators, characters Windows forbids, control characters and leading
    dots, and is cut to :data:`FILENAME_TITLE_CHARS`; the id keeps names unique."""
    title = unicodedata.normalize("NFC", clean_text(conversation.title))
    title = _UNSAFE_FILENAME.sub("-", title)
    title = "-".join(title.split())  # whitespace (tabs, newlines) → single dashes
    title = re.sub(r"-{2,}", "-", title)
    title = _truncate(title, FILENAME_TITLE_CHARS, _FILENAME_TITLE_BYTES)
    title = title.strip("-. ")
    ident = re.sub(r"[^A-Za-z0-9_-]", "", conversation.id)[:64] or "conversation"
    stem = f"{title}-{ident}" if title else f"conversation-{ident}"
    return f"{stem}.{extension}"


def _truncate(text: str, max_chars: int, max_bytes: int) -> str:
    text = text[:max_chars]
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    return text


EXPORT_ATTEMPTS = 1000
"""How many numbered names :func:`write_export` tries before giving up."""


def write_export(directory: Path, name: str, text: str) -> Path:
    """Write ``text`` into ``directory`` (created, private, if missing) as ``name``, or, when
    that file exists, as ``<stem>-2.<ext>``, ``-3`` and so on: an export never replaces a
    file, not even an earlier export of the same conversation. Returns the file written
    (mode 0600); raises :class:`OSError` when it cannot be."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    for number in range(1, EXPORT_ATTEMPTS + 1):
        candidate = name if number == 1 else f"{stem}-{number}{dot}{extension}"
        path = directory / candidate
        try:
            write_new_file(path, text.encode("utf-8"))
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"{directory / name} and {EXPORT_ATTEMPTS - 1} numbered copies exist")
