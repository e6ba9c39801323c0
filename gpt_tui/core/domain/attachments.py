"""Files and images attached to a prompt, as a message refers to them.

A message never holds an attachment's bytes: it holds an :class:`Attachment` (kind, name,
the sha256 of the stored bytes, size, type and, for images, the size in pixels). The bytes
live once in the data folder's ``attachments/`` store, named by their sha256
(:mod:`gpt_tui.core.store.attachments`), so the conversation file and the search index stay
small. An image given by URL is kept as its URL and sent as one; it is never fetched.

:func:`classify` decides what a file is from its bytes (the extension only names the
language of a text file): images by their signature, PDFs by theirs, text when the bytes
decode as UTF-8 without control characters; anything else is refused with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

from gpt_tui.core.domain.schema import SchemaError, as_dict, opt, req

AttachmentKind = Literal["image", "text", "pdf", "url"]
KINDS: tuple[AttachmentKind, ...] = ("image", "text", "pdf", "url")

IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
"""The images the API takes, by their first bytes (WebP is checked apart: RIFF….WEBP)."""
URL_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
TEXT_SNIFF_BYTES = 64 * 1024
"""How much of a file :func:`classify` reads to tell text from binary."""
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\x1b")


class AttachmentRefused(ValueError):
    """A file that cannot be attached; the message says why, in words for the user."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attached file or image URL, as a message refers to it."""

    kind: AttachmentKind
    name: str
    """The file name shown on its chip and heading its text ("notes.py")."""
    sha256: str = ""
    """The hex sha256 of the stored bytes (what is sent); "" for a URL."""
    size: int = 0
    """Bytes stored (after an image was scaled down)."""
    mime: str = ""
    width: int | None = None
    height: int | None = None
    """Pixels of an image as sent; ``None`` for other kinds and for URL images."""
    url: str | None = None
    """The address of an image sent by URL."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "name": self.name}
        if self.sha256:
            data["sha256"] = self.sha256
        data["size"] = self.size
        if self.mime:
            data["mime"] = self.mime
        if self.width is not None and self.height is not None:
            data["width"] = self.width
            data["height"] = self.height
        if self.url is not None:
            data["url"] = self.url
        return data

    @classmethod
    def from_dict(cls, raw: object, where: str = "attachment") -> Attachment:
        data = as_dict(raw, where)
        kind = req(data, "kind", str, where)
        if kind not in KINDS:
            raise SchemaError(f"{where}.kind", f"unknown kind {kind!r}")
        return cls(
            kind=cast(AttachmentKind, kind),
            name=req(data, "name", str, where),
            sha256=opt(data, "sha256", str, where) or "",
            size=opt(data, "size", int, where) or 0,
            mime=opt(data, "mime", str, where) or "",
            width=opt(data, "width", int, where),
            height=opt(data, "height", int, where),
            url=opt(data, "url", str, where),
        )

    @property
    def label(self) -> str:
        """The chip's text: name and size ("chart.png 120 KB, 1024×768")."""
        parts = [self.name]
        if self.size:
            parts.append(human_size(self.size))
        if self.width and self.height:
            parts.append(f"{self.width}×{self.height}")
        return " ".join(parts)


def attachments_from(raw: object, where: str) -> tuple[Attachment, ...]:
    """A message's attachments, read leniently: a missing key is none, and an entry this
    version cannot read is left out (the message, and its conversation, still open)."""
    if not isinstance(raw, list):
        return ()
    found: list[Attachment] = []
    for index, item in enumerate(cast(list[object], raw)):
        try:
            found.append(Attachment.from_dict(item, f"{where}[{index}]"))
        except SchemaError:
            continue
    return tuple(found)


def human_size(size: int) -> str:
    """``size`` bytes in the units a person reads ("3.2 MB")."""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1000 or unit == "MB":
            return f"{value:.0f} {unit}" if unit == "B" or value >= 100 else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover - the loop returns


def is_image_url(text: str) -> bool:
    """Whether ``text`` is an http(s) address of an image (by its extension)."""
    lower = text.lower()
    if not lower.startswith(("https://", "http://")):
        return False
    path = lower.split("?", 1)[0].split("#", 1)[0]
    return path.endswith(URL_IMAGE_SUFFIXES)


def classify(head: bytes, name: str) -> tuple[AttachmentKind, str]:
    """What a file is, from its first bytes (:data:`TEXT_SNIFF_BYTES` of them): its kind and
    MIME type. :class:`AttachmentRefused` for binary files that are neither images nor PDFs."""
    for signature, mime in IMAGE_SIGNATURES:
        if head.startswith(signature):
            return "image", mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image", "image/webp"
    if head.startswith(b"%PDF-"):
        return "pdf", "application/pdf"
    if is_text(head):
        return "text", "text/plain"
    raise AttachmentRefused(
        f"{name} is a binary file: only images (PNG, JPEG, WebP, GIF), PDFs and text files "
        "can be attached."
    )


def is_text(head: bytes) -> bool:
    """Whether these bytes read as UTF-8 text (a character cut at the end is allowed) with
    no control characters but tabs, line ends, form feeds and escapes."""
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            return False
        text = head[: exc.start].decode("utf-8")
    return not any(ch < " " and ch not in _ALLOWED_CONTROLS for ch in text)


LANGUAGES = {
    ".py": "python",
    ".js": "javascript",
    ".ts": "typescript",
    ".md": "markdown",
    ".json": "json",
    ".toml": "toml",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".sh": "bash",
    ".rs": "rust",
    ".go": "go",
    ".c": "c",
    ".h": "c",
    ".cpp": "cpp",
    ".java": "java",
    ".html": "html",
    ".css": "css",
    ".sql": "sql",
    ".csv": "csv",
}
"""The fence's language hint, by extension (none for other text)."""


def fenced(name: str, text: str) -> str:
    """A text file as the prompt sends it: its name, then its text in a fence longer than
    any run of backticks inside it."""
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    body = text if text.endswith("\n") else text + "\n"
    return f"{name}:\n{fence}{LANGUAGES.get(suffix, '')}\n{body}{fence}"
