"""How a message's attachments go out, and what they cost in tokens.

- A text file goes inside the message's text, as a fenced block headed by its name
  (:func:`~gpt_tui.core.domain.attachments.fenced`), so every server and model takes it.
- An image goes as an ``image_url`` part holding a ``data:`` URL of the stored (already
  scaled) bytes, with the conversation's ``detail`` when set; an image given by URL goes as
  that URL.
- A PDF goes as a ``file`` part (``file_data`` a data URL), for models that take files.

A message with only text files keeps a plain string content; one with an image, URL or PDF
gets a list of parts, its text first. A stored file that has gone missing is sent as a
line saying so, never silently dropped.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, Protocol, cast

from gpt_tui.core.domain.attachments import Attachment, fenced
from gpt_tui.core.domain.message import Message
from gpt_tui.core.planning.image_tokens import Detail, image_tokens
from gpt_tui.core.store.attachments import MissingAttachment

PART_KINDS = frozenset(("image", "url", "pdf"))
"""Attachments that make a message's content a list of parts."""


class AttachmentFiles(Protocol):
    """Where attachments' bytes are read from (the data dir's
    :class:`~gpt_tui.core.store.attachments.AttachmentStore`)."""

    def read(self, sha256: str) -> bytes: ...


def missing_note(attachment: Attachment) -> str:
    """The line sent in place of a stored file that is gone."""
    return f"[{attachment.name}: the attached file is missing from gpt-tui's data folder]"


def prompt_text(
    content: str, attachments: Sequence[Attachment], files: AttachmentFiles | None
) -> str:
    """The message's text as sent: its own text, then each text file as a fenced block."""
    blocks = [content] if content else []
    for attachment in attachments:
        if attachment.kind != "text":
            continue
        blocks.append(_text_block(attachment, files))
    return "\n\n".join(blocks)


def _text_block(attachment: Attachment, files: AttachmentFiles | None) -> str:
    if files is None:
        return missing_note(attachment)
    try:
        data = files.read(attachment.sha256)
    except MissingAttachment:
        return missing_note(attachment)
    return fenced(attachment.name, data.decode("utf-8", errors="replace"))


def message_content(
    message: Message, files: AttachmentFiles | None, detail: str | None
) -> str | list[dict[str, Any]]:
    """What ``message``'s ``content`` is on the wire (see the module's description)."""
    text = prompt_text(message.content, message.attachments, files)
    if not any(a.kind in PART_KINDS for a in message.attachments):
        return text
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    for attachment in message.attachments:
        part = _part(attachment, files, detail)
        if part is not None:
            parts.append(part)
    return parts


def _part(
    attachment: Attachment, files: AttachmentFiles | None, detail: str | None
) -> dict[str, Any] | None:
    if attachment.kind == "url" and attachment.url:
        image: dict[str, Any] = {"url": attachment.url}
        if detail:
            image["detail"] = detail
        return {"type": "image_url", "image_url": image}
    if attachment.kind not in ("image", "pdf"):
        return None
    try:
        if files is None:
            raise MissingAttachment(attachment.name)
        data = files.read(attachment.sha256)
    except MissingAttachment:
        return {"type": "text", "text": missing_note(attachment)}
    url = data_url(attachment.mime, data)
    if attachment.kind == "pdf":
        return {"type": "file", "file": {"filename": attachment.name, "file_data": url}}
    image = {"url": url}
    if detail:
        image["detail"] = detail
    return {"type": "image_url", "image_url": image}


def data_url(mime: str, data: bytes) -> str:
    """``data:MIME;base64,…`` for ``data``."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def attachment_image_tokens(
    model: str, attachments: Sequence[Attachment], detail: str | None
) -> int:
    """Prompt tokens of the images among ``attachments`` (OpenAI's rule for ``model``).

    An image sent by URL has no known size before the server fetches it: it counts the
    low-detail base. PDFs are not counted (the server turns pages into text and images).
    """
    level: Detail = cast(Detail, detail) if detail in ("low", "high") else "auto"
    total = 0
    for attachment in attachments:
        if attachment.kind == "image" and attachment.width and attachment.height:
            total += image_tokens(model, attachment.width, attachment.height, level)
        elif attachment.kind == "url":
            total += image_tokens(model, 1, 1, "low")
    return total


def part_text(content: object) -> str:
    """The text of a wire ``content`` (a string, or the text parts of a list)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        ]
        return "\n\n".join(texts)
    return ""
