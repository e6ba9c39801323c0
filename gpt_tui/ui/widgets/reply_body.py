"""A reply's Markdown as one widget whose cost does not grow with what is already shown.

Textual's ``Markdown`` widget builds a tree of widgets (blocks, list items, table cells),
and every frame re-arranges and re-composites all of it; while a long reply streams, each
frame gets slower and a 4,000-token reply costs tens of seconds of CPU. Here a reply is a
single line-based widget:

- The text is split into top-level Markdown blocks with the same parser Textual uses
  (markdown-it, "gfm-like"). Every block but the last is final: later text cannot change it.
- Each block is rendered once per width and theme with Rich's Markdown renderer (headings,
  lists, tables, highlighted code, quotes) into lines, and those lines are cached.
- While streaming, only the unfinished last block is parsed and rendered again.
- The widget's height is the number of cached lines; a frame draws only the visible ones.
  While the reply streams, the height grows :data:`GROW_STEP` lines at a time (the last
  few lines are blank until text fills them): a change of height re-lays out the whole
  screen, which costs several times a frame that only redraws, and a reply gains a line
  every few tokens. When the reply ends the height is exact again.

Text can be selected with the mouse (the lines carry the offsets Textual's selection needs).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

from markdown_it import MarkdownIt
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import CodeBlock, Heading, MarkdownElement
from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax
from rich.text import Text
from rich.theme import Theme
from textual.color import Color
from textual.geometry import Region, Size
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

_PARSER = MarkdownIt("gfm-like")
_RICH_PARSER = MarkdownIt().enable("strikethrough").enable("table")
"""The parser Rich's Markdown builds anew for each text (its setup costs more than parsing
a short block), shared by every block instead."""

GROW_STEP = 4
"""Lines a streaming reply's height grows by at a time (one screen re-layout per step)."""

COMMON_LEXERS = ("python", "javascript", "typescript", "bash", "sql", "json", "yaml")
"""Code languages whose highlighters are prepared in the background after launch: the
first use of one compiles dozens of regular expressions (tens of ms each language)."""


def prepare_highlighters() -> None:
    """Build the common Pygments lexers once (blocking: the app runs it in a thread)."""
    for name in COMMON_LEXERS:
        _ = Syntax("", name).lexer  # Pygments compiles a lexer class's rules on first use


def split_blocks(text: str) -> list[str]:
    """``text`` cut into its top-level Markdown blocks (the texts, in order, lossless).

    Cuts fall at the line where a top-level block starts, so joining the parts gives
    ``text`` back; blank lines stay with the block before them.
    """
    starts = [
        token.map[0]
        for token in _PARSER.parse(text)
        if token.map is not None and token.level == 0 and token.nesting >= 0
    ]
    if len(starts) <= 1:
        return [text] if text else []
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    cuts = sorted({offsets[min(start, len(lines))] for start in starts[1:]})
    parts: list[str] = []
    previous = 0
    for cut in cuts:
        if cut > previous:
            parts.append(text[previous:cut])
            previous = cut
    parts.append(text[previous:])
    return parts


class _LeftHeading(Heading):
    """Headings flush left (Rich centres h1), with a rule under h1 and h2."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        text = self.text.copy()
        text.justify = "left"
        yield text
        if self.tag in ("h1", "h2"):
            rule = "━" if self.tag == "h1" else "─"
            width = min(options.max_width, max(text.cell_len, 1))
            yield Text(rule * width, style=console.get_style(f"markdown.{self.tag}.rule"))


class _CodeBlock(CodeBlock):
    """Highlighted code on the theme's panel colour instead of the Pygments background."""

    background: ClassVar[str] = "default"

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        code = str(self.text).rstrip()
        yield Syntax(
            code,
            self.lexer_name,
            theme=self.theme,
            word_wrap=True,
            padding=(0, 1),
            background_color=self.background,
        )


@dataclass(frozen=True, slots=True)
class MarkdownLook:
    """The colours a theme gives Markdown, and the Pygments style for code."""

    name: str
    styles: tuple[tuple[str, str], ...]
    code_theme: str
    code_background: str


def look_for(name: str, variables: dict[str, str], dark: bool) -> MarkdownLook:
    """The Markdown look for a Textual theme (from its CSS variables)."""

    background = Color.parse(variables.get("background", "#000000" if dark else "#ffffff"))

    def var(key: str, fallback: str) -> str:
        """A theme colour as opaque hex (theme colours may carry alpha; Rich's may not)."""
        try:
            return (background + Color.parse(variables.get(key, fallback))).hex
        except Exception:
            return fallback

    primary = var("text-primary", var("primary", "#0178D4"))
    secondary = var("text-secondary", var("secondary", primary))
    accent = var("text-accent", var("accent", primary))
    warning = var("warning", "#ffa62b")
    muted = var("foreground-muted", var("text-muted", "#808080"))
    inline_bg = background.blend(Color.parse(warning), 0.12).hex
    panel = var("panel", (background.lighten(0.06) if dark else background.darken(0.04)).hex)
    styles = {
        "markdown.h1": f"bold {primary}",
        "markdown.h1.rule": primary,
        "markdown.h2": f"bold {secondary}",
        "markdown.h2.rule": f"{secondary}",
        "markdown.h3": f"bold {accent}",
        "markdown.h4": f"italic bold {accent}",
        "markdown.h5": "italic",
        "markdown.h6": "dim italic",
        "markdown.code": f"{warning} on {inline_bg}",
        "markdown.code_block": "none",
        "markdown.block_quote": f"italic {muted}",
        "markdown.item.bullet": f"bold {accent}",
        "markdown.item.number": f"{accent}",
        "markdown.list": "none",
        "markdown.hr": f"{muted}",
        "markdown.link": f"underline {accent}",
        "markdown.link_url": f"{muted}",
        "markdown.table.border": f"{muted}",
        "markdown.table.header": "bold",
    }
    return MarkdownLook(
        name=name,
        styles=tuple(styles.items()),
        code_theme="monokai" if dark else "friendly",
        code_background=panel,
    )


@lru_cache(maxsize=8)
def _console(look: MarkdownLook) -> Console:
    return Console(
        file=io.StringIO(),
        width=80,
        color_system="truecolor",
        force_terminal=True,
        legacy_windows=False,
        markup=False,
        emoji=False,
        highlight=False,
        theme=Theme(dict(look.styles), inherit=True),
    )


def render_block(source: str, look: MarkdownLook, width: int, base: Style) -> list[Strip]:
    """One Markdown block as lines ``width`` cells wide (no blank lines around it)."""
    markdown = _markdown_type(look.code_background)(source, look.code_theme)
    console = _console(look)
    options = console.options.update(width=max(width, 1), height=None)
    lines = console.render_lines(markdown, options, style=base, pad=True, new_lines=False)
    while lines and _is_blank(lines[-1]):
        lines.pop()
    while lines and _is_blank(lines[0]):
        lines.pop(0)
    return [Strip(line, width) for line in lines]


@lru_cache(maxsize=8)
def _markdown_type(code_background: str) -> type[RichMarkdown]:
    """Rich's Markdown with flush-left headings and code on ``code_background``."""

    class Code(_CodeBlock):
        background = code_background

    class ReplyMarkdown(RichMarkdown):
        elements: ClassVar[dict[str, type[MarkdownElement]]] = {
            **RichMarkdown.elements,
            "heading_open": _LeftHeading,
            "fence": Code,
            "code_block": Code,
        }

        def __init__(self, markup: str, code_theme: str) -> None:
            # Rich's own __init__, with the shared parser instead of a new one per block.
            self.markup = markup
            self.parsed = _RICH_PARSER.parse(markup)
            self.code_theme = code_theme
            self.justify = None
            self.style = "none"
            self.hyperlinks = False
            self.inline_code_lexer = None
            self.inline_code_theme = code_theme

    return ReplyMarkdown


def _is_blank(line: list[Segment]) -> bool:
    return all(not segment.text.strip() for segment in line if not segment.control)


@dataclass(slots=True)
class _Block:
    source: str
    lines: dict[tuple[int, str, Style], list[Strip]] = field(default_factory=dict)

    def render(self, width: int, look: MarkdownLook, base: Style) -> list[Strip]:
        key = (width, look.name, base)
        lines = self.lines.get(key)
        if lines is None:
            self.lines.clear()
            lines = self.lines[key] = render_block(self.source, look, width, base)
        return lines


class ReplyBody(Widget):
    """The Markdown of one reply, shown at once or streamed in with :meth:`append`."""

    DEFAULT_CSS: ClassVar[str] = """
    ReplyBody {
        height: auto;
        width: 1fr;
    }
    """

    ALLOW_SELECT = True

    def __init__(self, markdown: str = "", *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._settled: list[_Block] = []
        self._settled_source = ""
        self._tail = _Block("")
        self._layout_key: tuple[int, str, Style] | None = None
        self._settled_lines: list[Strip] = []
        self._settled_count = 0
        """How many settled blocks ``_settled_lines`` holds."""
        self._lines: list[Strip] = []
        self._plain: list[str] | None = None
        self._base: Style | None = None
        """The widget's style as of the last frame (computing it is not free)."""
        self._changed = True
        """Text was added since the lines were last laid out."""
        self._streaming = False
        """Text is being appended: the height grows in steps (see :data:`GROW_STEP`)."""
        if markdown:
            self._add(markdown)

    @property
    def block_count(self) -> int:
        """Top-level Markdown blocks so far (the last one may still grow)."""
        return len(self._settled) + bool(self._tail.source)

    @property
    def source(self) -> str:
        """The Markdown shown so far."""
        return self._settled_source + self._tail.source

    async def append(self, text: str) -> None:
        """Add streamed text: only the unfinished last block is parsed and drawn again."""
        if not text:
            return
        before = self._height()
        unchanged = len(self._settled_lines) if self._layout_key is not None else 0
        self._streaming = True
        self._add(text)
        self._relayout()
        height = self._height()
        if height != before or self._layout_key is None:
            self.refresh(layout=height != before)
        elif height > unchanged:
            # Only the lines from the unfinished block on changed: repaint just those.
            self.refresh(Region(0, unchanged, self.size.width, height - unchanged))

    async def finish(self) -> None:
        """The reply is complete: its height is its lines' again (nothing is buffered)."""
        if self._streaming:
            before = self._height()
            self._streaming = False
            self.refresh(layout=self._height() != before)

    def _height(self, lines: int | None = None) -> int:
        """The height for ``lines`` lines (default: those laid out): rounded up to a
        whole :data:`GROW_STEP` while streaming."""
        count = len(self._lines) if lines is None else lines
        if not self._streaming or count == 0:
            return count
        return -(-count // GROW_STEP) * GROW_STEP

    def _add(self, text: str) -> None:
        parts = split_blocks(self._tail.source + text)
        for part in parts[:-1]:
            self._settled.append(_Block(part))
            self._settled_source += part
        self._tail = _Block(parts[-1] if parts else "")
        self._plain = None
        self._changed = True

    def _look(self) -> MarkdownLook:
        app = self.app
        look = _LOOKS.get(app.theme)
        if look is None:
            look = _LOOKS[app.theme] = look_for(
                app.theme, app.theme_variables, app.current_theme.dark
            )
        return look

    def _relayout(self, width: int | None = None) -> list[Strip]:
        """The lines for ``width`` (default: the current one), reusing what is cached."""
        width = self.size.width if width is None else width
        if width <= 0:
            return self._lines
        look = self._look()
        if self._base is None:
            self._base = self.rich_style
        base = self._base
        key = (width, look.name, base)
        if key == self._layout_key and not self._changed:
            return self._lines
        if key != self._layout_key:
            self._layout_key = key
            self._settled_lines = []
            self._settled_count = 0
        for block in self._settled[self._settled_count :]:
            if self._settled_lines:
                self._settled_lines.append(Strip.blank(width, base))
            self._settled_lines.extend(block.render(width, look, base))
            block.lines.clear()  # the joined lines above are the only copy needed
            self._settled_count += 1
        lines = self._settled_lines
        if self._tail.source.strip():
            gap = [Strip.blank(width, base)] if lines else []
            lines = [*lines, *gap, *self._tail.render(width, look, base)]
        self._lines = lines
        self._plain = None
        self._changed = False
        return lines

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._height(len(self._relayout(width)))

    def render_lines(self, crop: Region) -> list[Strip]:
        # A theme switch or a new width changes every line: lay out again first.
        self._base = base = self.rich_style
        key = (self.size.width, self._look().name, base)
        if key != self._layout_key:
            before = self._height()
            self._relayout()
            if self._height() != before:
                self.refresh(layout=True)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._base or self.rich_style
        if y >= len(self._lines):
            return Strip.blank(width, base)
        line = self._lines[y]
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            line = self._select(line, span, base)
        if line.cell_length != width:
            line = line.crop_extend(0, width, base)
        return line.apply_offsets(0, y)

    def _select(self, line: Strip, span: tuple[int, int], base: Style) -> Strip:
        start, end = span
        text = Text()
        for segment in line:
            if not segment.control:
                text.append(segment.text, segment.style)
        if end == -1:
            end = len(text)
        text.stylize(self.screen.get_component_rich_style("screen--selection"), start, end)
        return Strip(text.render(self.app.console), line.cell_length)

    def plain_lines(self) -> list[str]:
        """The lines as laid out last, as plain text (what a selection copies)."""
        if self._plain is None:
            self._plain = [line.text.rstrip() for line in self._lines]
        return self._plain

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selection.extract("\n".join(self.plain_lines())), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()


_LOOKS: dict[str, MarkdownLook] = {}
"""The look of each theme used so far, by theme name."""
