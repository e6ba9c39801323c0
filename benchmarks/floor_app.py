"""The floor for launch time: the smallest Textual app with a focused text area.

``python -m benchmarks.floor_app`` imports Textual, shows one ``TextArea`` with focus and
waits for ctrl+q; the same probe as the real app reports its first frame, so the
difference between the two launch figures is what gpt-tui itself adds.
"""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.widgets import TextArea

from benchmarks.probe import install_from_env


class FloorApp(App[None]):
    """One focused TextArea; nothing else."""

    def compose(self) -> ComposeResult:
        yield TextArea(id="prompt")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()


def main() -> int:
    """Run the floor app in this terminal."""
    app = FloorApp()
    install_from_env(app)
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
