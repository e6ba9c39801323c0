"""The prompt's shell habits: its history of earlier prompts, and editing the draft in
the user's own editor.

The history comes from every saved conversation (so prompts sent with ``gpt-tui ask``
are there too) through :meth:`SearchService.recent_prompts`, read in a worker thread once
the screen is up. The editor is ``$VISUAL`` or ``$EDITOR`` (a command line, split like a
shell's), run on a private temporary file while the app is suspended the Textual way
(:meth:`App.suspend`); the edited text replaces the draft only when the editor exits 0.
"""

from __future__ import annotations

import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported

from gpt_tui.core.store.fsutil import atomic_write_text
from gpt_tui.ui.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from gpt_tui.ui.screens.chat import ChatScreen

HISTORY_SIZE = 1000
"""Earlier prompts ↑ can recall."""
EDITOR_HINT = "Set $VISUAL or $EDITOR to the editor to use (e.g. export EDITOR=nano)."


class PromptHabits:
    """Loads the prompt's history and runs the external editor, for the chat screen."""

    def __init__(self, screen: ChatScreen) -> None:
        self._screen = screen

    def load_history(self) -> None:
        """Read earlier prompts in a worker; the prompt gets them when they are read."""
        search = self._screen.services.search
        prompt = self._screen.query_one(PromptInput)

        def read() -> None:
            prompts = search.recent_prompts(HISTORY_SIZE)
            self._screen.app.call_from_thread(_merge, prompt, prompts)

        self._screen.run_worker(read, thread=True, group="prompt-history", exit_on_error=False)

    def edit(self, text: str) -> None:
        """Open ``text`` in the user's editor; put what was saved back in the prompt."""
        env = self._screen.gpt_app.env
        command = shlex.split(env.get("VISUAL") or env.get("EDITOR") or "")
        if not command:
            self._screen.notify(EDITOR_HINT, title="No editor", severity="warning")
            return
        with tempfile.TemporaryDirectory(prefix="gpt-tui-") as folder:  # private (0700)
            path = Path(folder) / "prompt.md"
            atomic_write_text(path, text)
            try:
                code = self._run([*command, str(path)])
            except SuspendNotSupported:
                self._screen.notify("An editor cannot be opened here.", severity="warning")
                return
            except OSError as exc:
                reason = exc.strerror or str(exc)
                self._screen.notify(
                    f"Could not start {command[0]}: {reason}. {EDITOR_HINT}",
                    title="No editor",
                    severity="error",
                )
                return
            if code != 0:
                self._screen.notify(
                    f"{command[0]} exited with status {code}: the prompt is as it was.",
                    severity="warning",
                )
                return
            edited = path.read_text(encoding="utf-8", errors="replace")
        prompt = self._screen.query_one(PromptInput)
        edited = edited.removesuffix("\n")  # editors end the file with one
        prompt.replace(edited, prompt.document.start, prompt.document.end)
        prompt.move_cursor(prompt.document.end)
        prompt.focus()

    def _run(self, argv: list[str]) -> int:
        """Run the editor with the terminal handed over to it. Headless (tests) there is
        no terminal to hand over: it runs as it is."""
        app = self._screen.app
        try:
            with app.suspend():
                return subprocess.run(argv, check=False).returncode
        except SuspendNotSupported:
            if not app.is_headless:
                raise
            return subprocess.run(argv, check=False, stdin=subprocess.DEVNULL).returncode


def _merge(prompt: PromptInput, prompts: list[str]) -> None:
    """Earlier prompts after those sent since the screen opened."""
    sent_here = [p for p in prompt.past_prompts if p not in prompts]
    prompt.past_prompts = [*sent_here, *prompts]
