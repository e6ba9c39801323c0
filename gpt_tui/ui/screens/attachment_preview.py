"""A sent message's attachments: name, size and a preview of each.

Images show as a picture of half-block characters (each cell two pixel rows: ``▀`` in the
top pixel's colour on the bottom pixel's), which every terminal with true colour draws;
text files show their first lines, literally; other files their name and size, and a
missing file says so. The previews are made off the event loop by the chat screen's
attachments controller and handed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content, Span
from textual.screen import ModalScreen
from textual.widgets import Static

from gpt_tui.core.domain.text import printable
from gpt_tui.core.service.attachments import Preview


class AttachmentPreviewScreen(ModalScreen[None]):
    """The attachments of one message, one preview each.

    | Key | Action |
    | :- | :- |
    | escape | Close. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", tooltip="Back to the chat.", id="preview.close"),
    ]

    DEFAULT_CSS = """
    AttachmentPreviewScreen {
        align: center middle;
    }
    AttachmentPreviewScreen > Vertical {
        width: 90%;
        height: 90%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    AttachmentPreviewScreen .preview-name {
        text-style: bold;
        margin-top: 1;
    }
    AttachmentPreviewScreen .preview-body {
        height: auto;
    }
    """

    def __init__(self, previews: Sequence[Preview]) -> None:
        super().__init__()
        self.previews = tuple(previews)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Attached files · Esc closes", markup=False)
            with VerticalScroll():
                for preview in self.previews:
                    attachment = preview.attachment
                    yield Static(
                        Content(printable(f"{attachment.label} ({attachment.kind})")),
                        classes="preview-name",
                        markup=False,
                    )
                    yield Static(body(preview), classes="preview-body", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)


def body(preview: Preview) -> Content:
    """The preview as text: half blocks for an image, lines for text, else the problem."""
    if preview.cells:
        rows: list[str] = []
        spans: list[Span] = []
        offset = 0
        for row in preview.cells:
            for index, (top, bottom) in enumerate(row):
                style = (
                    f"rgb({top[0]},{top[1]},{top[2]}) on rgb({bottom[0]},{bottom[1]},{bottom[2]})"
                )
                spans.append(Span(offset + index, offset + index + 1, style))
            rows.append("▀" * len(row))
            offset += len(row) + 1
        return Content("\n".join(rows), spans=spans)
    if preview.lines:
        return Content(printable("\n".join(preview.lines)))
    return Content(preview.problem or "No preview.")


def _rgb(color: tuple[int, int, int]) -> str:
    red, green, blue = color
    return f"rgb({red},{green},{blue})"
