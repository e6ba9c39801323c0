"""Command line and composition root: arguments → settings → store, providers, services → App.

:func:`build_app` is the one factory the entry point, the tests, the screenshot script
and the benchmarks all use, so what they run is what users run.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar, cast

from gpt_tui import __version__
from gpt_tui.paths import HOME_ENV, Paths

if TYPE_CHECKING:
    from gpt_tui.core.config.types import ProviderSettings
    from gpt_tui.core.providers.base import ChatProvider
    from gpt_tui.ui.app import GptTuiApp


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="gpt-tui",
        description=(
            "Chat with OpenAI-compatible APIs in the terminal. With no API key configured "
            "it opens a setup screen and an offline demo model."
        ),
        epilog=(
            "Commands: "
            + "; ".join(f"gpt-tui {name}: {summary}" for name, (_, summary) in COMMANDS.items())
            + ". Environment: OPENAI_API_KEY, OPENAI_BASE_URL (any OpenAI-compatible server), "
            f"{HOME_ENV} (like --data-dir). Keys: Enter sends, ctrl+j adds a line, Esc stops, "
            "ctrl+n new chat, F2/F3 toggle panels, F4 setup, ctrl+q quits."
        ),
    )
    parser.add_argument(
        "prompt",
        nargs="?",
        help="start a new conversation and send this prompt (quote it)",
    )
    parser.add_argument(
        "--continue",
        dest="resume",
        action="store_true",
        help="reopen the last conversation (also what a plain launch does)",
    )
    parser.add_argument("--model", metavar="NAME", help="model for new conversations")
    parser.add_argument(
        "--profile", metavar="NAME", help="use this [profiles.NAME] from config.toml"
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help=f"keep config and conversations under DIR (default: platform dirs, or ${HOME_ENV})",
    )
    parser.add_argument(
        "--debug", action="store_true", help="more detail in the log file (never content or keys)"
    )
    parser.add_argument("--version", action="version", version=f"gpt-tui {__version__}")
    return parser.parse_args(argv)


def build_app(
    paths: Paths,
    env: Mapping[str, str],
    *,
    model: str | None = None,
    profile: str | None = None,
    demo_delay: float | None = None,
    make_provider: Callable[[ProviderSettings], ChatProvider] | None = None,
    warm_up: bool = True,
    now: Callable[[], datetime] | None = None,
    timer: Callable[[], float] | None = None,
    keymap: Mapping[str, str] | None = None,
    cursor_blink: bool = True,
    idle_timeout: float | None = None,
    initial_prompt: str | None = None,
    settle_heap: Callable[[], None] | None = None,
) -> GptTuiApp:
    """The app for these paths and environment, with every collaborator built."""
    from gpt_tui.core.config.loading import load_settings
    from gpt_tui.core.config.model_choice import choose_default_model
    from gpt_tui.core.config.presets import presets_file_for
    from gpt_tui.core.config.types import ConfigProblem, ProfileNotFound, select_profile
    from gpt_tui.core.domain.schema import utc_now
    from gpt_tui.core.planning.planner import RequestPlanner
    from gpt_tui.core.planning.pricing import PriceBook
    from gpt_tui.core.planning.tokens import TokenCounter
    from gpt_tui.core.providers.demo import DemoProvider
    from gpt_tui.core.providers.registry import ProviderRegistry
    from gpt_tui.core.service.chat import (
        DEFAULT_IDLE_TIMEOUT,
        ChatService,
    )
    from gpt_tui.core.service.services import build_services
    from gpt_tui.core.store.datadir import DataDir
    from gpt_tui.ui.app import GptTuiApp

    settings, problems = load_settings(paths.config_file, env)
    if profile is not None:
        try:
            settings = select_profile(settings, profile)
        except ProfileNotFound as exc:
            problems.append(ConfigProblem(paths.config_file, None, "--profile", str(exc)))
    clock = now or utc_now
    demo = DemoProvider() if demo_delay is None else DemoProvider(delay=demo_delay)
    providers = (
        ProviderRegistry.from_settings(settings, demo=demo, make_provider=make_provider)
        if make_provider is not None
        else ProviderRegistry.from_settings(settings, demo=demo)
    )
    data = DataDir.open(paths.data_dir)
    store, search_index = data.store, data.search_index
    default_model = choose_default_model(model, settings)
    services = build_services(
        store,
        providers,
        RequestPlanner(TokenCounter(), PriceBook(settings.models), data.attachments),
        default_params=ChatService.params_from_defaults(default_model, settings.defaults),
        ledger=data.ledger,
        search_index=search_index,
        presets=settings.presets,
        presets_file=presets_file_for(paths.config_file),
        titles=settings.titles,
        now=clock,
        timer=timer or time.monotonic,
        idle_timeout=next(
            (t for t in (idle_timeout, settings.idle_timeout) if t is not None),
            DEFAULT_IDLE_TIMEOUT,
        ),
        attachments=data.attachments,
    )
    offer_setup = not settings.provider.configured and not services.state.get("setup_dismissed")
    return GptTuiApp(
        services,
        config_file=paths.config_file,
        env=env,
        config_problems=problems,
        offer_setup=offer_setup,
        warm_up=warm_up,
        keymap=settings.keymap if keymap is None else keymap,
        cursor_blink=cursor_blink,
        initial_prompt=initial_prompt,
        now=clock,
        settle_heap=settle_heap,
    )


COMMANDS: dict[str, tuple[str, str]] = {
    "doctor": ("gpt_tui.commands.doctor", "check the setup and explain how to fix it"),
    "list": ("gpt_tui.commands.conversations", "list saved conversations"),
    "export": ("gpt_tui.commands.conversations", "export conversations to Markdown or JSON"),
    "import": ("gpt_tui.commands.conversations", "import conversations from a file"),
    "search": ("gpt_tui.commands.search", "search every message of every conversation"),
}
"""Subcommands: name → (module with ``run(command, argv, env) -> int``, summary)."""


_VALUE_OPTIONS = frozenset({"--data-dir", "--model", "--profile"})
"""Options of the app that take a value (``--data-dir DIR``, not ``--data-dir=DIR``)."""


def _command_first(arguments: list[str]) -> list[str]:
    """``gpt-tui --data-dir D list`` as ``gpt-tui list --data-dir D``: options written before
    a subcommand go after it, so the word is never sent as a prompt by mistake."""
    index = 0
    while index < len(arguments) and arguments[index].startswith("-"):
        index += 2 if arguments[index] in _VALUE_OPTIONS else 1
    if 0 < index < len(arguments) and arguments[index] in COMMANDS:
        return [arguments[index], *arguments[:index], *arguments[index + 1 :]]
    return arguments


_T = TypeVar("_T")


class OutputFailed(BaseException):
    """Writing to stdout failed: the reader went away (a closed pipe) or the device refused
    (``/dev/full``, a lost terminal).

    A ``BaseException``, like ``SystemExit``: a command's ``except OSError`` or ``except
    Exception`` around its own work must not take it for a failure of its files or checks.
    """

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


class _GuardedStdout:
    """``sys.stdout`` while a command runs: any ``OSError`` from writing or flushing it
    becomes :class:`OutputFailed`, which :func:`_guarded_output` reports in one line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise OutputFailed(exc) from exc

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise OutputFailed(exc) from exc

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def _silence_stdout() -> None:
    """Point the stdout descriptor at /dev/null, so the interpreter's final flush of what
    is still buffered does not fail again with a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno() if sys.__stdout__ else 1)
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def _guarded_output(name: str, action: Callable[[], _T]) -> _T | int:
    """Run ``action`` (a subcommand, or parsing the app's arguments, which may print
    ``--help``) with stdout guarded; its result, or the exit code of a failed write.

    The one place write errors are handled, for every command: a closed pipe
    (``gpt-tui list | head -1``) ends quietly with status 0, as the reader has what it
    wanted and a pipeline under ``set -o pipefail`` should not fail for it; any other
    write error (``gpt-tui list > /dev/full``) is one line on stderr and status 1; Ctrl+C
    is status 130. Never a traceback.
    """
    original = sys.stdout
    sys.stdout = cast(TextIO, _GuardedStdout(original))
    try:
        try:
            return action()
        finally:  # also when argparse exits after printing --help
            sys.stdout.flush()
    except OutputFailed as exc:
        _silence_stdout()
        if isinstance(exc.error, BrokenPipeError):
            return 0
        reason = exc.error.strerror or str(exc.error)
        sys.stderr.write(f"{name}: could not write the output: {reason}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write(f"{name}: interrupted\n")
        return 130
    finally:
        sys.stdout = original


def _run_command(command: str, argv: list[str], env: Mapping[str, str]) -> int:
    import importlib

    module = importlib.import_module(COMMANDS[command][0])
    result: int = module.run(command, argv, env)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _command_first(list(sys.argv[1:] if argv is None else argv))
    env = dict(os.environ)
    if arguments and arguments[0] in COMMANDS:
        return _guarded_output(
            f"gpt-tui {arguments[0]}", lambda: _run_command(arguments[0], arguments[1:], env)
        )
    args = _guarded_output("gpt-tui", lambda: parse_args(arguments))
    if isinstance(args, int):
        return args
    paths = Paths.resolve(args.data_dir, env)
    # Streaming makes many short-lived objects; with Python's default thresholds full
    # collections walk every object the app holds, pausing the UI for up to ~0.25 s.
    # Collect less often, and after the warm-up move what is loaded (SDK, encoder,
    # widgets) out of the collector's sight (gc.freeze).
    gc.set_threshold(10_000, 50, 100)
    app = build_app(
        paths,
        env,
        model=args.model,
        profile=args.profile,
        initial_prompt=args.prompt,
        settle_heap=gc.freeze,
    )
    from gpt_tui import crashes, logs

    logs.configure(paths.log_file, debug=args.debug, secrets=app.services.connections.secrets())
    crashes.install_hook()
    app.run()
    if app.return_code:
        return app.return_code
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
