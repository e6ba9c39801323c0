"""Attaching a file or image URL to a prompt: read, check, scale, store once.

:meth:`AttachmentService.attach` is blocking (it reads the file and may scale a 20 MB
photo): the UI calls it from a worker thread and posts the result back. An image is scaled
down the way the API would (fit a 2048 square, then shortest side 768; never up) with
Pillow before it is stored, so the stored copy is what is sent, the upload is small and
the token count matches; a JPEG keeps its orientation. Text is decided by content
(:func:`~gpt_tui.core.domain.attachments.classify`). What cannot be attached raises
:class:`~gpt_tui.core.domain.attachments.AttachmentRefused` with the reason.

It also says, before anything is sent, why a model cannot take a prompt's attachments
(:meth:`refusal`).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from urllib.parse import unquote, urlsplit

from gpt_tui.core.domain.attachments import (
    TEXT_SNIFF_BYTES,
    Attachment,
    AttachmentRefused,
    classify,
    human_size,
    is_image_url,
    is_text,
)
from gpt_tui.core.params.capabilities import capabilities_for
from gpt_tui.core.planning.image_tokens import scaled_size
from gpt_tui.core.store.attachments import AttachmentStore, MissingAttachment

MAX_FILE_BYTES = 50 * 1000 * 1000
"""The API's limit for a request's files; larger files are refused before reading."""
MAX_TEXT_BYTES = 2 * 1000 * 1000
"""A text file larger than this is surely not meant for a prompt (about 500,000 tokens)."""
JPEG_QUALITY = 90


class AttachmentService:
    """Prepares attachments into the data dir's store and reports missing ones."""

    def __init__(self, store: AttachmentStore) -> None:
        self.store = store

    def attach(self, target: str, cwd: Path) -> Attachment:
        """Attach ``target``: an ``http(s)://`` image URL (kept as a URL, not fetched), or a
        path (``~`` and relative to ``cwd`` work). Blocking: call from a worker thread."""
        if is_image_url(target):
            name = unquote(urlsplit(target).path.rsplit("/", 1)[-1]) or target
            return Attachment(kind="url", name=name, url=target)
        if target.lower().startswith(("http://", "https://")):
            raise AttachmentRefused(
                f"{target[:80]} is not an image address (.png, .jpg, .jpeg, .gif, .webp): "
                "only images can be attached by URL."
            )
        path = Path(target).expanduser()
        if not path.is_absolute():
            path = cwd / path
        return self.attach_file(path)

    def attach_file(self, path: Path) -> Attachment:
        """Read, check, scale (images) and store the file at ``path``."""
        name = path.name
        try:
            size = path.stat().st_size
            if path.is_dir():
                raise AttachmentRefused(f"{name} is a folder: attach the files in it one by one.")
            if size > MAX_FILE_BYTES:
                raise AttachmentRefused(
                    f"{name} is {human_size(size)}: files over {human_size(MAX_FILE_BYTES)} "
                    "cannot be sent."
                )
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise AttachmentRefused(f"There is no file {path}.") from exc
        except OSError as exc:
            raise AttachmentRefused(f"{path} cannot be read: {exc.strerror or exc}.") from exc
        kind, mime = classify(data[:TEXT_SNIFF_BYTES], name)
        if kind == "image":
            return self._image(name, mime, data)
        if kind == "text":
            if size > MAX_TEXT_BYTES:
                raise AttachmentRefused(
                    f"{name} is {human_size(size)} of text: text files over "
                    f"{human_size(MAX_TEXT_BYTES)} are not attached."
                )
            if not is_text(data):
                raise AttachmentRefused(f"{name} is not text all through: it is not attached.")
        return Attachment(
            kind=kind, name=name, sha256=self.store.put(data), size=len(data), mime=mime
        )

    def _image(self, name: str, mime: str, data: bytes) -> Attachment:
        from PIL import Image, ImageOps, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as opened:
                # A JPEG decodes straight at 1/2, 1/4 or 1/8 scale when that still covers
                # the target (either orientation): a 20 MB photo reads several times faster.
                side = min(scaled_size(*opened.size))
                opened.draft("RGB", (side, side))
                image = ImageOps.exif_transpose(opened)
                width, height = image.size
                target = scaled_size(width, height)
                if target != (width, height) or image is not opened:
                    image = image.resize(target, Image.Resampling.LANCZOS)
                    data, mime = _encode(image, mime)
                    width, height = target
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise AttachmentRefused(f"{name} looks like an image but cannot be read.") from exc
        return Attachment(
            kind="image",
            name=name,
            sha256=self.store.put(data),
            size=len(data),
            mime=mime,
            width=width,
            height=height,
        )

    def missing(self, attachments: Iterable[Attachment]) -> list[Attachment]:
        """The stored attachments among ``attachments`` whose file is gone."""
        return [
            a
            for a in attachments
            if a.kind in ("image", "text", "pdf") and not self.store.exists(a.sha256)
        ]

    def read(self, attachment: Attachment) -> bytes:
        """The stored bytes (for a preview or an export); :class:`MissingAttachment`."""
        return self.store.read(attachment.sha256)

    def path(self, attachment: Attachment) -> Path:
        """Where the stored file is."""
        return self.store.path(attachment.sha256)

    @staticmethod
    def refusal(
        model: str, attachments: Sequence[Attachment], vision: bool | None = None
    ) -> str | None:
        """Why ``model`` cannot take ``attachments``, or None. ``vision`` is the profile's
        own answer (None: the capability table's)."""
        sees = capabilities_for(model).vision if vision is None else vision
        images = [a.name for a in attachments if a.kind in ("image", "url")]
        pdfs = [a.name for a in attachments if a.kind == "pdf"]
        if images and sees is False:
            return (
                f"{model} cannot read images ({', '.join(images)}): choose a vision model "
                "such as gpt-4o, or remove the image. The draft is kept."
            )
        if pdfs and not sees:
            return (
                f"{model} does not take PDF files ({', '.join(pdfs)}): choose a model that "
                "does, such as gpt-4o, or remove the file. The draft is kept."
            )
        return None


def _encode(image: object, mime: str) -> tuple[bytes, str]:
    """The scaled image in its own format (JPEG and WebP stay lossy; the rest as PNG)."""
    from PIL import Image

    assert isinstance(image, Image.Image)
    out = io.BytesIO()
    if mime == "image/jpeg":
        image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY)
    elif mime == "image/webp":
        image.save(out, "WEBP", quality=JPEG_QUALITY)
    else:
        image.save(out, "PNG", optimize=False)
        mime = "image/png"
    return out.getvalue(), mime


_MENTION = re.compile(r"""(?<!\S)@(?:"([^"\n]+)"|'([^'\n]+)'|([^\s"']+))""")
MAX_COMPLETIONS = 200


@dataclass(frozen=True, slots=True)
class Mention:
    """One ``@path`` (or ``@"path with spaces"``, ``@https://…png``) in a prompt."""

    target: str
    start: int
    end: int


def mentions(text: str, cwd: Path) -> list[Mention]:
    """The ``@…`` words of ``text`` that name attachments: image URLs, files that exist,
    and words that look like paths (a ``/``, a ``.`` or a leading ``~``; attaching them
    says what is wrong). A plain ``@name`` is left as text."""
    found: list[Mention] = []
    for match in _MENTION.finditer(text):
        quoted = match.group(1) or match.group(2)
        target = quoted or match.group(3)
        if not quoted:
            target = target.rstrip(",;:!?)")
        end = match.start() + 1 + len(target) + (2 if quoted else 0)
        if not target:
            continue
        if target.lower().startswith(("http://", "https://")) or quoted:
            found.append(Mention(target, match.start(), end))
            continue
        path = Path(target).expanduser()
        looks_like_path = "/" in target or "." in target or target.startswith("~")
        if looks_like_path or (path if path.is_absolute() else cwd / path).exists():
            found.append(Mention(target, match.start(), end))
    return found


def without_mentions(text: str, found: Sequence[Mention]) -> str:
    """``text`` with the ``found`` mentions taken out (and the spaces they leave)."""
    for mention in sorted(found, key=lambda m: m.start, reverse=True):
        text = text[: mention.start] + text[mention.end :]
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def complete_path(prefix: str, cwd: Path) -> list[str]:
    """Paths that complete ``prefix`` (as typed: ``~`` and relative kept), folders ending
    in ``/``; hidden files only when the prefix's last part starts with a dot."""
    folder_text, _, start = prefix.rpartition("/")
    if "/" in prefix:
        folder_text += "/"
    folder = Path(folder_text or ".").expanduser()
    if not folder.is_absolute():
        folder = cwd / folder
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    out: list[str] = []
    for entry in entries:
        if not entry.name.startswith(start) or (entry.name[:1] == "." and start[:1] != "."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        out.append(folder_text + entry.name + ("/" if is_dir else ""))
        if len(out) >= MAX_COMPLETIONS:
            break
    return out


Rgb = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Preview:
    """What a preview of one attachment shows: a block picture of an image (each cell
    the colours of two pixel rows, top and bottom), the first lines of a text file, or why
    there is nothing to show."""

    attachment: Attachment
    cells: tuple[tuple[tuple[Rgb, Rgb], ...], ...] = ()
    lines: tuple[str, ...] = ()
    problem: str = ""


def preview(service: AttachmentService, attachment: Attachment, columns: int, rows: int) -> Preview:
    """A :class:`Preview` of ``attachment`` fitting ``columns``×``rows`` cells. Blocking
    (reads and scales the file): call from a worker thread."""
    if attachment.kind == "url":
        return Preview(attachment, problem=f"An image sent by its address: {attachment.url}")
    if attachment.kind == "pdf":
        return Preview(attachment, problem="A PDF file: no preview.")
    try:
        data = service.read(attachment)
    except MissingAttachment:
        return Preview(attachment, problem="The file is missing from gpt-tui's data folder.")
    if attachment.kind == "text":
        text = data[: 64 * 1024].decode("utf-8", errors="replace")
        return Preview(attachment, lines=tuple(text.splitlines()[:rows]))
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = opened.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError):
        return Preview(attachment, problem="The image cannot be read.")
    image.thumbnail((max(1, columns), max(2, rows * 2)))
    width, height = image.size
    height -= height % 2
    pixels = image.load()
    assert pixels is not None
    cells = tuple(
        tuple((cast(Rgb, pixels[x, y]), cast(Rgb, pixels[x, y + 1])) for x in range(width))
        for y in range(0, height, 2)
    )
    return Preview(attachment, cells=cells)
