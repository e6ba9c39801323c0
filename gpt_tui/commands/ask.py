"""``gpt-tui ask [OPTIONS] [PROMPT]``: one prompt, its reply streamed to stdout.

The turn runs through the same :class:`~gpt_tui.core.service.chat.ChatService` as the
chat (:func:`~gpt_tui.core.service.opening.open_services`), so the conversation is saved,
priced, indexed for search and counted in the usage totals like any other, unless
``--no-save``. Every parameter option is generated from
:data:`~gpt_tui.core.params.spec.SPECS` and checked by the spec's own rule, so it takes what
the panel and presets take and refuses with the same words.

Piped stdin becomes a fenced block after the prompt (``git diff | gpt-tui ask "review
this"``), or the prompt itself when none is given. stdout gets the reply's text only (no
colours into a pipe); errors go to stderr in the chat's words. Exit codes: 0 a complete
reply, 1 a failed request or an unwritable store, 2 bad usage, 130 stopped with Ctrl+C (the
partial reply is saved, marked stopped).

Nothing on this path imports a terminal library: ``ask`` must reach the server about as
fast as ``python -c "import openai"`` does. Markdown rendering (``--render``, on a terminal
only) is handed in by the composition root as a :class:`ReplyWriter` factory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from gpt_tui.core.domain.conversation import DEMO_MODEL, Conversation
from gpt_tui.core.domain.message import Message, MessageStatus
from gpt_tui.core.params.error import ParamError
from gpt_tui.core.params.fields import params_with
from gpt_tui.core.params.spec import SPECS, ParamSpec
from gpt_tui.core.service.events import ReplyDelta, TurnEvent, TurnPlan, TurnRefused, TurnStarted
from gpt_tui.paths import HOME_ENV, Paths

if TYPE_CHECKING:
    from gpt_tui.core.domain.conversation import ConversationSummary, Params
    from gpt_tui.core.service.chat import ChatService
    from gpt_tui.core.service.services import Services

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_STOPPED = 130

_NOT_OPTIONS = frozenset({"model", "profile"})
"""Spec parameters with options of their own (``--model``, ``--profile``)."""
_ALIASES: Mapping[str, tuple[str, ...]] = {
    "temperature": ("-t",),
    "system_prompt": ("--system", "-s"),
}
"""Short spellings of some generated options (``--system-prompt`` is also ``--system``)."""


class ReplyWriter(Protocol):
    """Shows a reply as it streams: ``write`` each new piece, ``close`` at the end."""

    def write(self, text: str) -> None: ...

    def close(self) -> None: ...


MakeWriter = Callable[[TextIO], ReplyWriter]


class PlainWriter:
    """The reply's text as it comes; on a terminal without control sequences (the model's
    text is data, never commands to the terminal)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._clean: Callable[[str], str] | None = None
        if stream.isatty():  # imported only here: ask's start-up is measured
            from gpt_tui.core.interchange.exporting import clean_text

            self._clean = clean_text
        self._last = "\n"

    def write(self, text: str) -> None:
        if self._clean is not None:
            text = self._clean(text)
        if text:
            self._stream.write(text)
            self._stream.flush()
            self._last = text[-1]

    def close(self) -> None:
        if self._last != "\n":
            self._stream.write("\n")
        self._stream.flush()


def option_names(spec: ParamSpec) -> tuple[str, ...]:
    """The option strings of a spec parameter: ``--max-tokens``, and any alias."""
    return (f"--{spec.name.replace('_', '-')}", *_ALIASES.get(spec.name, ()))


def _spec_type(spec: ParamSpec) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return spec.parse(text)
        except ParamError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = spec.name  # argparse names it in "invalid NAME value"
    return parse


def parser() -> argparse.ArgumentParser:
    """``gpt-tui ask``'s arguments; one option per parameter of the spec."""
    parser = argparse.ArgumentParser(
        prog="gpt-tui ask",
        description=(
            "Send one prompt and print the reply. Piped input is added after the prompt as "
            "a fenced block (or is the prompt when none is given). The conversation is "
            "saved like any other (gpt-tui list, search, usage) unless --no-save."
        ),
    )
    parser.add_argument("prompt", nargs="*", help="the prompt (quote it, or pipe it in)")
    parser.add_argument("--model", metavar="NAME", help="the model to ask")
    parser.add_argument("--profile", metavar="NAME", help="use [profiles.NAME] from config.toml")
    parser.add_argument("--preset", metavar="NAME", help="start from [presets.NAME]")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "-c",
        "--continue",
        dest="resume",
        action="store_true",
        help="add to the most recent conversation",
    )
    where.add_argument("--conversation", metavar="ID", help="add to this conversation")
    parser.add_argument("--no-save", action="store_true", help="save nothing to the data folder")
    parser.add_argument(
        "--json", action="store_true", help="print the reply, usage and cost as one JSON object"
    )
    parser.add_argument(
        "--render", action="store_true", help="show the reply as Markdown (on a terminal only)"
    )
    parser.add_argument(
        "--over-budget",
        action="store_true",
        help="send even when it may take the month past a budget ([budget] monthly_usd)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help=f"keep config and conversations under DIR (default: platform dirs, or ${HOME_ENV})",
    )
    params = parser.add_argument_group("parameters (empty or unset: the usual defaults)")
    for spec in SPECS:
        if spec.name in _NOT_OPTIONS:
            continue
        params.add_argument(
            *option_names(spec),
            dest=f"param_{spec.name}",
            metavar="VALUE" if spec.kind != "choice" else "{" + ",".join(spec.choices) + "}",
            type=_spec_type(spec),
            default=argparse.SUPPRESS,
            help=f"{spec.label}: {spec.expectation}",
        )
    return parser


def compose_prompt(prompt: str, piped: str) -> str:
    """The prompt with piped text after it as a fenced block (a fence longer than any run
    of backticks inside it); the piped text alone when there is no prompt."""
    piped = piped.rstrip("\n")
    if not piped.strip():
        return prompt
    if not prompt.strip():
        return piped
    longest = max((len(run) for run in re.findall(r"`+", piped)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{prompt}\n\n{fence}\n{piped}\n{fence}"


@dataclass(slots=True)
class _Outcome:
    reply: Message | None = None
    stopped: bool = False
    output_failed: BaseException | None = None
    """Writing the reply failed (a closed pipe, a full disk): the turn was stopped."""


class _Usage(Exception):
    """Bad usage: exit 2 with this message."""


def run(
    command: str,
    argv: list[str],
    env: Mapping[str, str],
    *,
    stdin: TextIO | None = None,
    markdown: MakeWriter | None = None,
) -> int:
    """Run ``gpt-tui ask <argv...>``; returns the exit code. ``markdown`` makes the
    writer ``--render`` uses on a terminal (None: plain text always)."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    stdin = sys.stdin if stdin is None else stdin
    piped = "" if stdin is None or stdin.isatty() else stdin.read()
    prompt = compose_prompt(" ".join(args.prompt), piped)
    if not prompt.strip():
        _err("gpt-tui ask: nothing to ask: give a prompt, or pipe text in")
        return EXIT_USAGE
    paths = Paths.resolve(args.data_dir, env)
    try:
        with _data_folder(paths, no_save=args.no_save) as data_dir:
            return _ask(args, paths, data_dir, env, prompt, markdown=markdown)
    except _Usage as exc:
        _err(f"gpt-tui ask: {exc}")
        return EXIT_USAGE


@contextlib.contextmanager
def _data_folder(paths: Paths, *, no_save: bool) -> Iterator[Path]:
    """Where the turn is saved: the data folder, or with ``--no-save`` a private temporary
    one removed afterwards."""
    if not no_save:
        yield paths.data_dir
        return
    with tempfile.TemporaryDirectory(prefix="gpt-tui-ask-") as folder:
        yield Path(folder)


def _ask(
    args: argparse.Namespace,
    paths: Paths,
    data_dir: Path,
    env: Mapping[str, str],
    prompt: str,
    *,
    markdown: MakeWriter | None,
) -> int:
    from gpt_tui.core.service.opening import open_services

    opened = open_services(paths.config_file, data_dir, env, model=args.model, profile=args.profile)
    for problem in opened.problems:
        if problem.key == "--profile":
            raise _Usage(problem.message)
        _err(f"gpt-tui ask: note: {problem}")
    services = opened.services
    chat = services.chat
    try:
        conversation = _conversation(args, paths, data_dir, chat)
        conversation.params = _params(args, conversation, services)
        if conversation.params.model == DEMO_MODEL and args.model != DEMO_MODEL:
            _err(
                "gpt-tui ask: no API key is set up: set OPENAI_API_KEY (and OPENAI_BASE_URL "
                "for another server), or run gpt-tui once to set one up"
            )
            return EXIT_FAILED
        unwritable = chat.store_problem()
        if unwritable is not None:
            _err(f"gpt-tui ask: nothing was sent: {unwritable}")
            return EXIT_FAILED
        if services.budget.configured:  # the most this may cost needs the price data
            services.connections.load_model_data(conversation.params.model)
        verdict = services.budget.check_turn(chat, conversation, TurnPlan.send(prompt))
        if verdict.warning is not None:
            _err(f"gpt-tui ask: note: {verdict.warning}")
        if verdict.question is not None and not args.over_budget:
            past = verdict.question.removesuffix(" Send anyway?")
            _err(f"gpt-tui ask: nothing was sent. {past} Add --over-budget to send anyway.")
            return EXIT_FAILED
        writer = _writer(args, markdown)
        outcome = _Outcome()
        try:
            asyncio.run(_turn(chat, conversation, prompt, writer, outcome))
        except TurnRefused as exc:
            _err(f"gpt-tui ask: nothing was sent: {exc}")
            return EXIT_FAILED
        if outcome.output_failed is not None:  # the entry point reports it (a closed
            raise outcome.output_failed  # pipe quietly); the reply so far is saved
        writer.close()
    finally:
        opened.data.close()
    for notice in chat.take_notices():
        _err(f"gpt-tui ask: note: {notice}")
    return _report(args, conversation, outcome)


def _conversation(
    args: argparse.Namespace, paths: Paths, data_dir: Path, chat: ChatService
) -> Conversation:
    """The conversation the prompt goes to: a new one, the latest, or the one named."""
    if not args.resume and args.conversation is None:
        chat.list_conversations()  # the index is read (or built) before the first save
        return chat.new_conversation()
    if data_dir != paths.data_dir:  # --no-save: read it from the real folder, save nowhere
        from gpt_tui.core.store.datadir import DataDir

        data = DataDir.open(paths.data_dir)
        try:
            return _find(args, data.store.list_summaries(), data.store.load)
        finally:
            data.close()
    return _find(args, chat.list_conversations(), chat.open)


def _find(
    args: argparse.Namespace,
    summaries: list[ConversationSummary],
    load: Callable[[str], Conversation],
) -> Conversation:
    from gpt_tui.commands.conversations import _UsageError, resolve_ids
    from gpt_tui.core.store.conversations import StoreError

    if not summaries:
        raise _Usage("there is no conversation to continue yet")
    try:
        wanted = summaries[0].id if args.resume else resolve_ids([args.conversation], summaries)[0]
        return load(wanted)
    except (_UsageError, StoreError) as exc:
        raise _Usage(str(exc)) from None


def _params(args: argparse.Namespace, conversation: Conversation, services: Services) -> Params:
    """The conversation's parameters with the preset (if any), then each option given."""
    params = conversation.params
    if args.preset is not None:
        if args.preset not in services.presets.names():
            known = ", ".join(services.presets.names()) or "none defined"
            raise _Usage(f"no preset named {args.preset!r} (presets: {known})")
        params = services.presets.params(args.preset, params)
    if args.model is not None:
        params = params.with_changes(model=args.model)
    if args.profile is not None:
        params = params.with_changes(profile=args.profile)
    values = {
        spec.name: getattr(args, f"param_{spec.name}")
        for spec in SPECS
        if hasattr(args, f"param_{spec.name}")
    }
    return params_with(params, values)


def _writer(args: argparse.Namespace, markdown: MakeWriter | None) -> ReplyWriter:
    if args.json:
        return _Silent()
    if args.render and markdown is not None and sys.stdout.isatty():
        return markdown(sys.stdout)
    return PlainWriter(sys.stdout)


class _Silent:
    """``--json`` prints everything once, at the end."""

    def write(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


async def _turn(
    chat: ChatService,
    conversation: Conversation,
    prompt: str,
    writer: ReplyWriter,
    outcome: _Outcome,
) -> None:
    """Run the turn, writing the reply as it streams. Ctrl+C cancels this task (asyncio's
    own SIGINT handling): the service saves the partial reply marked stopped. So does a
    reader that goes away (``gpt-tui ask … | head -1``)."""
    task = asyncio.current_task()

    def emit(event: TurnEvent) -> None:
        if isinstance(event, TurnStarted):
            outcome.reply = event.reply
        elif isinstance(event, ReplyDelta) and outcome.output_failed is None:
            try:
                writer.write(event.text)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # the entry point's OutputFailed, or an OSError
                outcome.output_failed = exc
                if task is not None:
                    task.cancel()

    try:
        outcome.reply = await chat.run(conversation, TurnPlan.send(prompt), emit)
    except asyncio.CancelledError:
        outcome.stopped = True


def _report(args: argparse.Namespace, conversation: Conversation, outcome: _Outcome) -> int:
    reply = outcome.reply
    if args.json and reply is not None:
        _out(json.dumps(reply_json(conversation, reply, saved=not args.no_save), indent=2))
    if outcome.stopped:
        where = "" if args.no_save else f" (conversation {conversation.id})"
        _err(f"gpt-tui ask: stopped; the reply so far is saved{where}")
        return EXIT_STOPPED
    if reply is None:
        return EXIT_FAILED
    if reply.status is MessageStatus.COMPLETE:
        return EXIT_OK
    error = reply.error
    if error is not None:
        _err(f"gpt-tui ask: {error.title}")
        if error.hint:
            _err(f"  {error.hint}")
    return EXIT_FAILED


def reply_json(conversation: Conversation, reply: Message, *, saved: bool) -> dict[str, Any]:
    """What ``--json`` prints: the reply, how it ended, its usage and cost."""
    usage = reply.usage
    return {
        "conversation_id": conversation.id if saved else None,
        "message_id": reply.id,
        "model": reply.model or conversation.params.model,
        "status": reply.status.value,
        "reply": reply.content,
        "usage": None
        if usage is None
        else {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens,
            "estimated": usage.estimated,
        },
        "cost_usd": None if reply.cost is None else str(reply.cost),
        "error": None
        if reply.error is None
        else {"title": reply.error.title, "hint": reply.error.hint, "status": reply.error.status},
    }


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
