"""A data folder that cannot be written: said at launch in a banner that stays, asked about
before a prompt is sent, and offered for export when quitting, so no exchange is lost
without the user having chosen it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.widgets import Static

from gpt_tui.paths import display_path
from gpt_tui.ui.screens.dialogs import AskText, Choose, Confirm

if TYPE_CHECKING:
    from gpt_tui.core.domain.conversation import Conversation
    from gpt_tui.ui.screens.chat import ChatScreen

BANNER_ID = "store-banner"

QUIT_ANSWERS = (
    ("export", "Export them", "e"),
    ("quit", "Quit without them", "q"),
    ("cancel", "Cancel", "c"),
)


class UnsavedWork:
    """Watches whether conversations can be saved, for the chat screen."""

    def __init__(self, screen: ChatScreen) -> None:
        self._screen = screen
        self._chat = screen.services.chat
        self.agreed = False
        """The user chose to chat without saving: not asked again until the app restarts."""

    def banner(self) -> Static:
        """The banner, hidden until there is something to say."""
        banner = Static("", id=BANNER_ID, markup=False)
        banner.display = False
        return banner

    def check(self) -> str | None:
        """Why conversations cannot be saved now (None: they can); the banner says it
        while it lasts. Also called after a turn, when a save may have failed."""
        problem = self._chat.store_problem()
        unsaved = len(self._chat.unsaved()) if problem is None else 0
        if problem is None and unsaved:
            problem = f"{unsaved} conversation{'s' if unsaved > 1 else ''} could not be saved"
        banner = self._screen.query_one(f"#{BANNER_ID}", Static)
        if problem is not None:
            banner.update(
                f"⚠ Conversations cannot be saved: {problem}. What you send now is kept only "
                "until you quit (you will be offered to export it then). Fix the folder, or "
                "start gpt-tui with --data-dir DIR."
            )
        banner.display = problem is not None
        return problem

    def may_send(self, send: Callable[[], None]) -> bool:
        """Whether a turn may go out now. When conversations cannot be saved and the user
        has not agreed yet, asks first and calls ``send`` on yes; returns False then."""
        problem = self.check()
        if problem is None or self.agreed:
            return True

        def answered(yes: bool | None) -> None:
            if yes:
                self.agreed = True
                send()

        self._screen.app.push_screen(
            Confirm(
                f"Conversations cannot be saved: {problem}.\n\nSend anyway? The chat is kept "
                "only while gpt-tui runs; when you quit you can export it to a file elsewhere.",
                "Send unsaved",
            ),
            answered,
        )
        return False

    def confirm_quit(self, quit_now: Callable[[], None]) -> None:
        """Quit, after asking what to do with conversations that could not be saved."""
        unsaved = self._chat.unsaved()
        if not unsaved:
            quit_now()
            return
        count = len(unsaved)
        chats = f"{count} conversation{'s' if count > 1 else ''}"

        def answered(answer: str | None) -> None:
            if answer == "quit":
                quit_now()
            elif answer == "export":
                self._ask_folder(unsaved, quit_now)

        self._screen.app.push_screen(
            Choose(
                f"{chats} could not be saved and will be lost when gpt-tui quits.\n\n"
                "Export them as JSON to a folder of your choice (gpt-tui import reads them "
                "back)?",
                QUIT_ANSWERS,
            ),
            answered,
        )

    def _ask_folder(self, unsaved: list[Conversation], quit_now: Callable[[], None]) -> None:
        def chosen(folder: str | None) -> None:
            if not folder or not folder.strip():
                self.confirm_quit(quit_now)
                return
            directory = Path(folder.strip()).expanduser()
            written: list[Path] = []
            try:
                for conversation in unsaved:
                    written.append(self._chat.export(conversation, "json", directory))
            except OSError as exc:
                self._screen.notify(
                    f"Could not write to {display_path(directory)}: {exc.strerror or exc}. "
                    "Choose another folder.",
                    title="Not exported",
                    severity="error",
                    timeout=10,
                )
                self.confirm_quit(quit_now)
                return
            self._screen.notify(
                f"Exported {len(written)} to {display_path(directory)}.", title="Exported"
            )
            quit_now()

        self._screen.app.push_screen(
            AskText("Export the unsaved conversations to this folder:", str(Path.home())),
            chosen,
        )
