"""The Textual application: wires the chat screen to the services it is handed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Input, TextArea

from gpt_tui import crashes
from gpt_tui.core.config.tomllines import line_in_file
from gpt_tui.core.config.types import DEFAULT_PROFILE, ConfigProblem, ConfigWriteError
from gpt_tui.core.domain.schema import utc_now
from gpt_tui.core.domain.text import printable
from gpt_tui.core.service.services import Services
from gpt_tui.paths import display_path
from gpt_tui.ui.chat.palette import ChatCommands, ConversationCommands, PresetCommands
from gpt_tui.ui.keymap import KnownBinding, check_keymap, known_bindings
from gpt_tui.ui.messages import ModelDataLoaded, SetupSaved
from gpt_tui.ui.screens.chat import ChatScreen
from gpt_tui.ui.screens.help import HelpScreen, help_rows
from gpt_tui.ui.screens.message_dialogs import CopiedText, clipboard_caveat
from gpt_tui.ui.screens.setup import SetupChoice, SetupScreen
from gpt_tui.ui.screens.usage import UsageScreen
from gpt_tui.ui.widgets.reply_body import prepare_highlighters


class GptTuiApp(App[None]):
    """gpt-tui. Built by :func:`gpt_tui.cli.build_app` (tests use the same factory)."""

    TITLE = "gpt-tui"
    CSS_PATH = "styles/app.tcss"
    COMMANDS = App.COMMANDS | {ChatCommands, ConversationCommands, PresetCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            priority=True,
            tooltip="Quit gpt-tui (a streaming reply is stopped and saved first).",
            id="app.quit",
        ),
        Binding("f1", "help", "Help", tooltip="Show the keys, as mapped now.", id="app.help"),
        Binding(
            "f10",
            "usage",
            "Usage",
            show=False,
            tooltip="Spend per day, the models and chats that cost most, the monthly budget.",
            id="app.usage",
        ),
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            show=False,
            priority=True,
            tooltip="Search every command.",
            id="app.commands",
        ),
    ]

    def __init__(
        self,
        services: Services,
        *,
        config_file: Path,
        env: Mapping[str, str],
        config_problems: list[ConfigProblem] | None = None,
        offer_setup: bool = False,
        warm_up: bool = True,
        keymap: Mapping[str, str] | None = None,
        cursor_blink: bool = True,
        initial_prompt: str | None = None,
        now: Callable[[], datetime] = utc_now,
        settle_heap: Callable[[], None] | None = None,
    ) -> None:
        """``settle_heap`` runs after each warm-up step (the CLI passes ``gc.freeze``)."""
        super().__init__()
        self._settle_heap = settle_heap
        self._initial_prompt = initial_prompt
        self._config_keymap = dict(keymap or {})
        self.remapped_keys: dict[str, str] = {}
        """Binding id → keys, for the ``[keymap]`` entries in use (see :mod:`gpt_tui.ui.keymap`)."""
        self._cursor_blink = cursor_blink
        self.services = services
        self._config_file = config_file
        self._env = env
        self._config_problems = list(config_problems or [])
        self._offer_setup = offer_setup
        self._warm_up = warm_up
        self.now = now

    @property
    def env(self) -> Mapping[str, str]:
        """The environment the app was started with (tests hand in their own)."""
        return self._env

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this platform; on Linux and macOS, one whose input parser
        keeps a paste whole and in order (see :mod:`gpt_tui.ui.input_parser`)."""
        driver = super().get_driver_class()
        if driver.__module__ == "textual.drivers.linux_driver" and driver.__name__ == "LinuxDriver":
            from gpt_tui.ui.terminal_driver import PasteSafeDriver

            return PasteSafeDriver
        return driver

    @property
    def chat_screen(self) -> ChatScreen:
        screen = self.get_screen("chat")
        assert isinstance(screen, ChatScreen)
        return screen

    @staticmethod
    def known_bindings() -> dict[str, KnownBinding]:
        """Every remappable binding, by id."""
        return known_bindings()

    def on_mount(self) -> None:
        self._restore_theme()
        usable, keymap_problems = check_keymap(self._config_keymap, self.known_bindings())
        self.remapped_keys = usable
        self.set_keymap(usable)
        self.install_screen(ChatScreen(self.services), name="chat")
        self.push_screen("chat")
        for keymap_problem in keymap_problems:
            where = ("keymap", keymap_problem.binding_id)
            line = line_in_file(self._config_file, where)
            self._config_problems.append(
                ConfigProblem(self._config_file, line, ".".join(where), keymap_problem.message)
            )
        for problem in self._config_problems:
            self.notify(
                str(problem), title="Problem in config.toml", severity="warning", timeout=15
            )
        if self._initial_prompt and self._initial_prompt.strip():
            self.call_after_refresh(self.chat_screen.send_new, self._initial_prompt)
        elif self._offer_setup:
            self.call_after_refresh(self.action_setup)
        if self._warm_up:
            self.call_after_refresh(self._start_warm_up)

    def _start_warm_up(self) -> None:
        """After the first frame: load what the first send and the usage panel need."""
        self.chat_screen.start_warm_up()
        if self.services.connections.settings.configured:
            self._preload_sdk()
        self._prepare_highlighters()

    @work(thread=True, exit_on_error=False, group="warm-up")
    def _prepare_highlighters(self) -> None:
        """Compile the common code highlighters off the UI thread (see COMMON_LEXERS)."""
        prepare_highlighters()

    @work(thread=True, exit_on_error=False, group="warm-up")
    def _preload_sdk(self) -> None:
        """Import the SDK off the UI thread so the first send does not wait for it."""
        from gpt_tui.core.providers.openai_client import preload

        preload()
        if self._settle_heap is not None:
            self.call_from_thread(self._settle_heap)

    @on(ModelDataLoaded)
    def _model_data_loaded(self) -> None:
        if self._settle_heap is not None:
            self._settle_heap()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Toasts show text literally: file names, server errors and titles may hold "[…]"
        or control characters, which must neither be parsed as markup nor reach the terminal.

        ``markup`` is accepted for Textual's signature and ignored: ``Widget.notify`` passes
        ``markup=True`` by default, and no toast of gpt-tui is markup.
        """
        super().notify(
            printable(message),
            title=printable(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def _handle_exception(self, error: Exception) -> None:
        """An uncaught exception: recorded in the log (types and frames, see
        :mod:`gpt_tui.crashes`); the terminal is told where, instead of Textual's traceback,
        whose messages and local variables may quote titles and messages."""
        log_file = crashes.record(error)
        shown = len(self._exit_renderables)
        super()._handle_exception(error)
        del self._exit_renderables[shown:]
        self._exit_renderables.append(Text(crashes.notice(error, log_file)))

    def _fatal_error(self) -> None:
        """Exit without rendering Textual's traceback (see :meth:`_handle_exception`)."""
        self.bell()
        self._close_messages_no_wait()

    def copy_text(self, text: str, what: str) -> None:
        """Put ``text`` on the clipboard and say what was copied.

        The copy goes through the terminal (OSC 52; ``clipboard`` keeps it too). Where the
        terminal is known to ignore that, the text is also shown, ready to select.
        """
        self.copy_to_clipboard(text)
        lines = text.count("\n") + 1
        self.notify(
            f"Copied {what}: {len(text):,} characters, {lines:,} line{'s' if lines != 1 else ''} "
            "(through the terminal's clipboard, OSC 52).",
            title="Copied",
        )
        caveat = clipboard_caveat(self._env)
        if caveat is not None:
            self.push_screen(CopiedText(text, what, caveat))

    def push_screen(self, *args: Any, **kwargs: Any) -> Any:
        """Push a screen; its text fields follow the app's cursor-blink setting."""
        result = super().push_screen(*args, **kwargs)
        if not self._cursor_blink:
            self.call_after_refresh(self._stop_blinking)
        return result

    def _stop_blinking(self) -> None:
        for field in self.screen.query("Input, TextArea"):
            if isinstance(field, Input | TextArea):
                field.cursor_blink = False

    def _restore_theme(self) -> None:
        theme = self.services.state.get("theme")
        if isinstance(theme, str) and theme in self.available_themes:
            self.theme = theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: object) -> None:
        """Remember the theme the user picked (ctrl+p → theme) for the next launch."""
        self.services.state.remember(theme=self.theme)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(help_rows(self.screen)))

    def action_usage(self) -> None:
        if isinstance(self.screen, UsageScreen):
            return
        chat = self.services.chat

        def titles() -> dict[str, str]:
            return {summary.id: summary.title for summary in chat.list_conversations()}

        usage = UsageScreen(self.services.usage, self.services.budget, titles, self.now())
        self.push_screen(usage, self._usage_chosen)

    async def _usage_chosen(self, conversation_id: str | None) -> None:
        if conversation_id is not None:
            await self.chat_screen.conversation_actions.open(conversation_id)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help: keys", "Show every key as mapped now (F1)", self.action_help)
        yield SystemCommand(
            "Usage: spend and budget",
            "Cost per day, top models, the chats that cost most (F10)",
            self.action_usage,
        )
        yield SystemCommand(
            "Setup: API key or server URL", "Paste a key or point at a server", self.action_setup
        )

    def action_setup(self) -> None:
        # The open conversation's profile, not the default one: that is where its
        # requests go and whose key they carry.
        params = self.chat_screen.conversation.params
        current, _rejected = self.services.connections.request_profile(params)
        if current.configured:
            where = current.base_url or "api.openai.com"
            summary = f"Now using {where} with key {current.masked_key or '(none)'} "
            summary += f"from {current.key_source}."
            if current.name != DEFAULT_PROFILE:
                summary = f"This chat uses the profile '{current.name}' ([{current.table}]): "
                summary += f"{current.url}, key {current.masked_key or '(none)'} from "
                summary += f"{current.key_source}. A choice below changes [provider]."
        else:
            summary = "No API key was found. Choose how to start:"
        self.push_screen(SetupScreen(display_path(self._config_file), summary), self._setup_chosen)

    def _setup_chosen(self, choice: SetupChoice | None) -> None:
        if choice is None or choice.kind == "demo":
            self.services.state.remember(setup_dismissed=True)
            return
        self._save_setup(choice)

    @work(thread=True, exclusive=True, exit_on_error=False, group="setup")
    def _save_setup(self, choice: SetupChoice) -> None:
        """Save and read the settings back off the UI thread: reading runs each profile's
        ``api_key_cmd``, which may take seconds."""
        try:
            settings = self.services.save_setup(
                self._config_file,
                self._env,
                api_key=choice.value if choice.kind == "api_key" else None,
                base_url=choice.value if choice.kind == "base_url" else None,
            )
        except (ConfigWriteError, OSError) as exc:
            self.post_message(SetupSaved(None, str(exc)))
            return
        self.post_message(SetupSaved(settings))

    async def on_setup_saved(self, message: SetupSaved) -> None:
        if message.settings is None:
            self.notify(message.error, title="Setup was not saved", severity="error", timeout=15)
            return
        settings = message.settings
        await self.services.use_settings(settings)
        self.services.state.remember(setup_dismissed=True)
        model = self.services.chat.default_params.model
        self.notify(
            f"Saved to {display_path(self._config_file)}. New chats use {model} via "
            f"{settings.provider.base_url or 'api.openai.com'} (change it in the panel, F3).",
            title="Setup saved",
        )
        self.chat_screen.adopt_default_model()

    @property
    def config_file(self) -> Path:
        """The config.toml this app reads (and the setup and imports write)."""
        return self._config_file

    @property
    def environment(self) -> Mapping[str, str]:
        """The environment the settings were read with (for ``${VAR}`` in imports)."""
        return self._env

    async def action_quit(self) -> None:
        """Quit: streaming replies are stopped and saved first; conversations that could
        not be saved are offered for export before anything is lost."""
        self.chat_screen.save_drafts()
        await self.chat_screen.stop_all_turns()
        self.chat_screen.unsaved_work.confirm_quit(self._quit_now)

    def _quit_now(self) -> None:
        self.run_worker(self._close_and_exit(), group="quit")

    async def _close_and_exit(self) -> None:
        await self.services.mcp.aclose()
        await self.services.connections.aclose()
        self.exit()
