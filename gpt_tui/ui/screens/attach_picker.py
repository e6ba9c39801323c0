"""ctrl+o: choose a file to attach from a folder tree, narrowed by a filter.

Textual's own :class:`~textual.widgets.DirectoryTree` (it lists folders in a worker, so a
large folder does not block typing) with an :class:`~textual.widgets.Input` above it: the
tree shows only the files whose name holds the filter's text (folders stay, so one can
go into them). Enter on a file, or in the filter when exactly one file is shown, returns
its path; Esc returns None.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Static


class FilteredTree(DirectoryTree):
    """A directory tree that lists folders and the files whose name holds ``needle``."""

    def __init__(self, path: Path, *, id: str | None = None) -> None:
        super().__init__(path, id=id)
        self.show_root = False
        self.needle = ""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        needle = self.needle.lower()
        return [
            p
            for p in paths
            if not p.name.startswith(".") and (not needle or needle in p.name.lower() or _is_dir(p))
        ]


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


class AttachPicker(ModalScreen[Path | None]):
    """Pick one file to attach to the prompt.

    | Key | Action |
    | :- | :- |
    | escape | Close without attaching. |
    | enter | Attach the highlighted file. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            tooltip="Close the picker without attaching anything.",
            id="attach.cancel",
        ),
    ]

    DEFAULT_CSS = """
    AttachPicker {
        align: center middle;
    }
    AttachPicker > Vertical {
        width: 80%;
        height: 80%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    AttachPicker #attach-filter {
        margin-bottom: 1;
    }
    AttachPicker #attach-tree {
        height: 1fr;
    }
    """

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Attach a file: type to filter, Enter attaches, Esc closes", markup=False)
            yield Input(placeholder="filter by name", id="attach-filter")
            yield FilteredTree(self.folder, id="attach-tree")

    @on(Input.Changed, "#attach-filter")
    async def filter_changed(self, event: Input.Changed) -> None:
        tree = self.query_one(FilteredTree)
        tree.needle = event.value
        await tree.reload()

    @on(Input.Submitted, "#attach-filter")
    def filter_submitted(self) -> None:
        """Enter in the filter: attach the only file shown, else go to the tree."""
        tree = self.query_one(FilteredTree)
        shown = [n.data.path for n in tree.root.children if n.data is not None]
        files = [path for path in shown if not _is_dir(path)]
        if len(shown) == 1 and files:
            self.dismiss(files[0])
            return
        tree.focus()

    @on(DirectoryTree.FileSelected)
    def file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(event.path)

    def action_cancel(self) -> None:
        self.dismiss(None)
