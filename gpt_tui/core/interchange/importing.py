"""Conversations into gpt-tui from files other tools (or gpt-tui itself) wrote.

:func:`import_data` recognises, from the shape of the JSON:

- **gpt-tui's export** (:mod:`gpt_tui.core.interchange.exporting`):
  ``{"format": "gpt-tui", "version": 1, "conversation": {...}}`` or ``"conversations": [...]``;
  also a bare conversation file copied out of the data folder. Lossless: ids, timestamps,
  usage, cost and statuses come back as they were. A conversation with a damaged field is skipped
  whole (never half-imported).
- **ChatGPT's data export** (``conversations.json``): a list of conversations whose messages
  form a tree in ``mapping``; every branch is imported (edited prompts and regenerated
  replies are forks here too), and the one that ends at ``current_node`` (the one the user
  last saw) is shown. Text parts are joined; images and other attachments are left out with a
  note; system, tool and hidden messages are left out.
- **a list of messages** ``[{"role": ..., "content": ...}, ...]``, what chat scripts keep
  in memory and dump to disk;
- **a role file** ``{"model": ..., "messages": [...]}`` (the body of a chat completions
  request): its model and sampling parameters become the conversation's, its leading system
  messages the system prompt. A role file with only a system prompt imports as a
  conversation with no messages yet, ready to chat in.

Whatever is valid is imported; everything left out is listed in :attr:`ImportResult.skipped`
as a short sentence saying what and why. Input that is not JSON at all, or JSON of no known
shape, raises :class:`ImportFailed`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any, cast

from gpt_tui.core.domain.conversation import Conversation, Params, title_from_prompt
from gpt_tui.core.domain.message import Message, Role
from gpt_tui.core.domain.schema import SchemaError, new_id
from gpt_tui.core.interchange.attachment_export import read_embedded
from gpt_tui.core.interchange.chatgpt import AssetLookup, import_chatgpt
from gpt_tui.core.interchange.exporting import EXPORT_FORMAT, EXPORT_VERSION
from gpt_tui.core.interchange.imported import (
    IMPORTED_MODEL,
    ImportFailed,
    ImportResult,
    clean_title,
    count_of,
    entry_label,
    type_name,
)
from gpt_tui.core.params.fields import params_with
from gpt_tui.core.params.rolefile import read_role_params
from gpt_tui.core.store.conversations import is_valid_id

EXPECTED_SHAPES = (
    'a gpt-tui export ({"format": "gpt-tui", ...}), a ChatGPT export (conversations.json), '
    'a list of {"role", "content"} messages, or a role file {"model", "messages"}'
)

EXPORT_SHAPE_HINT = '{"format": "gpt-tui", "version": 1, "conversation": {...}}'

_ROLE_ALIASES: dict[str, Role] = {
    "user": "user",
    "assistant": "assistant",
    "system": "system",
    "developer": "system",  # the newer OpenAI name for system instructions
}


def import_data(
    raw: bytes | str, *, source: str, now: datetime, assets: AssetLookup | None = None
) -> ImportResult:
    """Parse ``raw`` (the bytes or text of a file named ``source``) into conversations.

    ``now`` stamps conversations and messages whose data carries no time; ``assets`` finds
    the image files of a ChatGPT export (see :mod:`.chatgpt`). Raises
    :class:`ImportFailed` when ``raw`` is not JSON or not of any known shape.
    """
    data = _parse_json(raw, source)
    if isinstance(data, dict):
        document = cast(dict[str, Any], data)
        if "format" in document:
            return _import_gpt_tui(document, source)
        if "mapping" in document:
            return import_chatgpt([document], now, single=True, assets=assets)
        if "schema_version" in document and "params" in document:
            return _import_gpt_tui({"conversation": document}, source)
        if "messages" in document:
            return _import_role_file(document, source, now)
        keys = ", ".join(repr(k) for k in list(document)[:5]) or "none"
        raise ImportFailed(
            f"{source}: a JSON object with keys {keys} is not something gpt-tui can import; "
            f"expected {EXPECTED_SHAPES}"
        )
    if isinstance(data, list):
        items = cast(list[object], data)
        first = next((item for item in items if isinstance(item, dict)), None)
        if first is None and items:
            raise ImportFailed(
                f"{source}: a JSON list of {type_name(items[0])}s is not something gpt-tui "
                f"can import; expected {EXPECTED_SHAPES}"
            )
        if first is not None and "mapping" in first:
            return import_chatgpt(items, now, single=False, assets=assets)
        if first is not None and not any(
            isinstance(item, dict) and ("role" in item or "content" in item) for item in items
        ):
            keys = ", ".join(repr(k) for k in list(first)[:5]) or "none"
            raise ImportFailed(
                f"{source}: a JSON list of objects with keys {keys} is not something gpt-tui "
                f"can import; expected {EXPECTED_SHAPES}"
            )
        return _import_message_list(items, source, now)
    raise ImportFailed(
        f"{source}: a JSON {type_name(data)} is not something gpt-tui can import; "
        f"expected {EXPECTED_SHAPES}"
    )


# --- JSON --------------------------------------------------------------------------------------


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a valid JSON number")


def _parse_json(raw: bytes | str, source: str) -> object:
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFailed(
                f"{source}: not UTF-8 text (byte {exc.start}); expected a JSON file"
            ) from exc
    else:
        text = raw.removeprefix("\ufeff")
    if not text.strip():
        raise ImportFailed(f"{source}: the file is empty; expected {EXPECTED_SHAPES}")
    try:
        return cast(object, json.loads(text, parse_constant=_reject_constant))
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"{source}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise ImportFailed(f"{source}: not valid JSON: nested too deeply") from exc
    except ValueError as exc:  # NaN/Infinity, or an integer with too many digits
        raise ImportFailed(f"{source}: not valid JSON: {exc}") from exc


# --- gpt-tui's own format ----------------------------------------------------------------------


def _import_gpt_tui(document: dict[str, Any], source: str) -> ImportResult:
    marker = document.get("format", EXPORT_FORMAT)
    if marker != EXPORT_FORMAT:
        raise ImportFailed(
            f"{source}: unknown export format {marker!r}; expected {EXPORT_SHAPE_HINT}"
        )
    version = document.get("version", EXPORT_VERSION)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ImportFailed(f"{source}: 'version' should be a whole number, got {version!r}")
    if version > EXPORT_VERSION:
        raise ImportFailed(
            f"{source}: written by a newer gpt-tui (export version {version}, this one reads "
            f"{EXPORT_VERSION}); update gpt-tui to import it"
        )
    if "conversations" in document:
        entries = document["conversations"]
        if not isinstance(entries, list):
            raise ImportFailed(
                f"{source}: 'conversations' should be a list, got {type_name(entries)}"
            )
    elif "conversation" in document:
        entries = [document["conversation"]]
    else:
        raise ImportFailed(f"{source}: a gpt-tui export without 'conversation' or 'conversations'")
    result = ImportResult([], format="gpt-tui export")
    result.attachments, problems = read_embedded(document)
    result.skipped.extend(problems)
    for number, entry in enumerate(cast(list[object], entries), start=1):
        title = cast(dict[str, Any], entry).get("title") if isinstance(entry, dict) else None
        label = entry_label(number, title)
        if not isinstance(entry, dict):
            result.skipped.append(f"{label}: expected an object, got {type_name(entry)}")
            continue
        try:
            conversation = Conversation.from_dict(entry, "conversation")
        except SchemaError as exc:
            where = exc.where.removeprefix("conversation").lstrip(".") or "conversation"
            result.skipped.append(f"{label}: {where}: {exc.problem}")
            continue
        except (ValueError, OverflowError) as exc:
            result.skipped.append(f"{label}: invalid value: {exc}")
            continue
        if not conversation.messages and not conversation.params.system_prompt.strip():
            result.skipped.append(f"{label}: no messages")
            continue
        if not is_valid_id(conversation.id):
            conversation.id = new_id()
        result.conversations.append(conversation)
    return result


# --- plain message lists and role files --------------------------------------------------------


@dataclass(slots=True)
class _Messages:
    messages: list[Message]
    system_prompt: str
    skipped: list[str]


def _parse_messages(items: list[object], now: datetime, model: str | None) -> _Messages:
    """Messages from ``{"role", "content"}`` items (numbered from 1 in skipped entries);
    leading system messages form the system prompt."""
    parsed = _Messages([], "", [])
    system_parts: list[str] = []
    for number, item in enumerate(items, start=1):
        where = f"item {number}"
        if not isinstance(item, dict):
            parsed.skipped.append(
                f'{where}: expected an object with "role" and "content", got {type_name(item)}'
            )
            continue
        data = cast(dict[str, Any], item)
        raw_role = data.get("role")
        if raw_role is None:
            parsed.skipped.append(f"{where}: no role")
            continue
        if not isinstance(raw_role, str):
            parsed.skipped.append(f"{where}: role should be a string, got {type_name(raw_role)}")
            continue
        role = _ROLE_ALIASES.get(raw_role)
        if role is None:
            parsed.skipped.append(f"{where}: role {raw_role!r} not supported")
            continue
        text, problem = _message_text(data.get("content"))
        if text is None and ("tool_calls" in data or "function_call" in data):
            problem = "tool calls not supported"
        if text is None:
            parsed.skipped.append(f"{where}: {problem}")
            continue
        if problem:
            parsed.skipped.append(f"{where}: {problem}")
        if not text.strip():
            parsed.skipped.append(f"{where}: empty content")
            continue
        if role == "system":
            if parsed.messages:
                parsed.skipped.append(
                    f"{where}: system message in the middle of the conversation not supported "
                    "(only leading system messages become the system prompt)"
                )
            else:
                system_parts.append(text)
            continue
        parsed.messages.append(
            Message(
                role=role,
                content=text,
                created_at=now,
                model=model if role == "assistant" else None,
            )
        )
    parsed.system_prompt = "\n\n".join(system_parts)
    return parsed


def _message_text(content: object) -> tuple[str | None, str]:
    """The text of a message's ``content`` (a string, or OpenAI's list of parts) and a note
    about anything left out; ``(None, reason)`` when there is no text to import."""
    if isinstance(content, str):
        return content, ""
    if content is None:
        return None, "no content"
    if not isinstance(content, list):
        return None, f"content should be text, got {type_name(content)}"
    texts: list[str] = []
    dropped: Counter[str] = Counter()
    for part in cast(list[object], content):
        if isinstance(part, str):
            texts.append(part)
            continue
        kind = cast(dict[str, Any], part).get("type") if isinstance(part, dict) else None
        text = cast(dict[str, Any], part).get("text") if isinstance(part, dict) else None
        if kind == "text" and isinstance(text, str):
            texts.append(text)
        elif kind in ("image_url", "input_image", "image"):
            dropped["image"] += 1
        else:
            dropped[f"{kind if isinstance(kind, str) else type_name(part)} part"] += 1
    note = ", ".join(count_of(n, kind) for kind, n in sorted(dropped.items()))
    note = f"{note} left out (only text is imported)" if note else ""
    if not texts:
        return None, note or "empty content"
    return "\n\n".join(texts), note


def _fallback_title(messages: list[Message], system_prompt: str, source: str) -> str:
    first_prompt = next((m.content for m in messages if m.role == "user"), None)
    if first_prompt is not None:
        return title_from_prompt(first_prompt)
    stem = clean_title(PurePath(source).stem) if source else ""
    if stem and stem != "-":
        return stem
    return title_from_prompt(messages[0].content if messages else system_prompt)


def _import_message_list(items: list[object], source: str, now: datetime) -> ImportResult:
    result = ImportResult([], format="message list")
    parsed = _parse_messages(items, now, None)
    result.skipped.extend(parsed.skipped)
    if not parsed.messages:
        result.skipped.append("no messages to import")
        return result
    result.conversations.append(
        Conversation(
            params=Params(model=IMPORTED_MODEL, system_prompt=parsed.system_prompt),
            title=_fallback_title(parsed.messages, parsed.system_prompt, source),
            created_at=now,
            updated_at=now,
            messages=parsed.messages,
        )
    )
    return result


def _import_role_file(document: dict[str, Any], source: str, now: datetime) -> ImportResult:
    result = ImportResult([], format="role file")
    raw_messages = document.get("messages")
    if not isinstance(raw_messages, list):
        raise ImportFailed(
            f'{source}: \'messages\' should be a list of {{"role", "content"}} objects, '
            f"got {type_name(raw_messages)}"
        )
    values, notes = read_role_params(document, also=("messages", "title"))
    result.skipped.extend(notes)
    model_name: str | None = values.pop("model", None)
    parsed = _parse_messages(cast(list[object], raw_messages), now, model_name)
    result.skipped.extend(parsed.skipped)
    if not parsed.messages and not parsed.system_prompt:
        result.skipped.append("no messages to import")
        return result
    title = document.get("title")
    result.conversations.append(
        Conversation(
            params=params_with(
                Params(model=model_name or IMPORTED_MODEL, system_prompt=parsed.system_prompt),
                values,
            ),
            title=clean_title(title) if isinstance(title, str) and title.strip() else "",
            created_at=now,
            updated_at=now,
            messages=parsed.messages,
        )
    )
    conversation = result.conversations[0]
    if not conversation.title:
        conversation.title = _fallback_title(parsed.messages, parsed.system_prompt, source)
    return result
