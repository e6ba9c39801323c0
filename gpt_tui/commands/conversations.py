"""``gpt-tui list``, ``gpt-tui export`` and ``gpt-tui import``: saved conversations from the
command line, without starting the TUI.

Exit codes: 0 success, 1 something could not be read or written, 2 a usage error (bad
arguments, an unknown or ambiguous conversation id). Expected failures print one line to
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from gpt_tui.commands.progress import save_in_batches
from gpt_tui.core.domain.conversation import Conversation, ConversationSummary
from gpt_tui.core.domain.schema import new_id, utc_now
from gpt_tui.core.interchange.attachment_export import (
    copy_files,
    embedded,
    files_folder,
    folder_assets,
)
from gpt_tui.core.interchange.exporting import (
    clean_text,
    export_filename,
    markdown_filename,
    to_json,
    to_json_all,
    to_markdown,
    write_export,
)
from gpt_tui.core.interchange.imported import ImportFailed, ImportResult
from gpt_tui.core.interchange.importing import import_data
from gpt_tui.core.interchange.sources import (
    DEFAULT_MAX_BYTES,
    SourceTooLarge,
    format_size,
    parse_size,
    read_capped,
)
from gpt_tui.core.store.conversations import ConversationStore, StoreError
from gpt_tui.core.store.datadir import DataDir
from gpt_tui.paths import HOME_ENV, Paths, display_path

SHORT_ID = 8
"""Ids are shown with at least this many characters (more when needed to stay unique)."""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class _UsageError(Exception):
    """Bad arguments or an id that matches no (or several) conversations: exit 2."""


class _Failure(Exception):
    """Something could not be read or written: exit 1."""


def run(command: str, argv: list[str], env: Mapping[str, str]) -> int:
    """Run ``gpt-tui <command> <argv...>``; returns the exit code."""
    handlers: dict[str, Callable[[argparse.Namespace, Paths], int]] = {
        "list": _list,
        "export": _export,
        "import": _import,
    }
    handler = handlers.get(command)
    if handler is None:
        _err(f"gpt-tui: unknown command {command!r} (expected one of: {', '.join(handlers)})")
        return EXIT_USAGE
    parser = _parser(command)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed usage or --help already
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        paths = Paths.resolve(args.data_dir, env)
        return handler(args, paths)
    except _UsageError as exc:
        _err(f"gpt-tui {command}: {exc}")
        return EXIT_USAGE
    except (_Failure, StoreError) as exc:
        _err(f"gpt-tui {command}: {exc}")
        return EXIT_FAILED


def _parser(command: str) -> argparse.ArgumentParser:
    descriptions = {
        "list": "List saved conversations, newest first.",
        "export": "Export conversations to Markdown or gpt-tui's JSON.",
        "import": (
            "Import conversations from a gpt-tui JSON export, a ChatGPT data export "
            '(conversations.json), a JSON list of {"role", "content"} messages, or a role '
            'file {"model", "messages"}. Existing conversations are never overwritten.'
        ),
    }
    parser = argparse.ArgumentParser(prog=f"gpt-tui {command}", description=descriptions[command])
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help=f"use the conversations under DIR/data (default: platform dirs, or ${HOME_ENV})",
    )
    if command == "list":
        parser.add_argument("--json", action="store_true", help="print the list as JSON")
    elif command == "export":
        parser.add_argument(
            "ids", nargs="*", metavar="ID", help="conversation ids, or unique prefixes of them"
        )
        parser.add_argument("--all", action="store_true", help="export every conversation")
        parser.add_argument(
            "--format", required=True, choices=("md", "json"), help="Markdown or gpt-tui JSON"
        )
        parser.add_argument(
            "--embed-attachments",
            action="store_true",
            help="JSON: put attached files in the export (base64), so an import restores them",
        )
        parser.add_argument(
            "--out",
            metavar="DIR",
            type=Path,
            help=(
                "write one file per conversation into DIR, never over an existing file "
                "(a taken name gets -2, -3 ...); default: print to stdout"
            ),
        )
    else:
        parser.add_argument("file", metavar="FILE", help="the file to import ('-' for stdin)")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would be imported, save nothing"
        )
        parser.add_argument(
            "--max-size",
            type=_size_argument,
            default=DEFAULT_MAX_BYTES,
            metavar="SIZE",
            help=f"read at most SIZE, e.g. 2G (default {format_size(DEFAULT_MAX_BYTES)})",
        )
    return parser


def _size_argument(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# --- output -----------------------------------------------------------------------------------


def _write(stream: TextIO, text: str) -> None:
    try:
        stream.write(text)
    except UnicodeEncodeError:  # a terminal that cannot show CJK or emoji
        encoding = stream.encoding or "ascii"
        stream.write(text.encode(encoding, "replace").decode(encoding))
    stream.flush()


def _out(line: str = "") -> None:
    _write(sys.stdout, line + "\n")


def _err(line: str) -> None:
    _write(sys.stderr, line + "\n")


def safe_line(text: str) -> str:
    """``text`` on one line with no control characters, safe to print to a terminal."""
    return " ".join(clean_text(text).split())


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _report_notices(store: ConversationStore) -> None:
    for notice in store.take_notices():
        _err(f"note: {notice}")


# --- list -------------------------------------------------------------------------------------


def _open_store(paths: Paths) -> DataDir:
    """The data folder; :class:`_Failure` when its conversations cannot be listed (an
    empty list would then be a lie)."""
    data = DataDir.open(paths.data_dir)
    problem = data.store.readable()
    if problem is not None:
        raise _Failure(problem)
    return data


def short_ids(ids: Sequence[str], minimum: int = SHORT_ID) -> dict[str, str]:
    """Each id shortened to the shortest prefix (at least ``minimum`` characters) that no
    other id in ``ids`` shares.

    Sorted, the ids that share most of an id's start are its neighbours, so comparing each
    with the two beside it is enough (10,000 ids after an import take milliseconds).
    """
    ordered = sorted(set(ids))
    shortened = {}
    for position, conversation_id in enumerate(ordered):
        shared = max(
            (
                _common_prefix(conversation_id, ordered[other])
                for other in (position - 1, position + 1)
                if 0 <= other < len(ordered)
            ),
            default=0,
        )
        length = min(max(minimum, shared + 1), len(conversation_id))
        shortened[conversation_id] = conversation_id[:length]
    return shortened


def _common_prefix(first: str, second: str) -> int:
    return next(
        (i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b),
        min(len(first), len(second)),
    )


def _list(args: argparse.Namespace, paths: Paths) -> int:
    store = _open_store(paths).store
    summaries = store.list_summaries()
    _report_notices(store)
    if args.json:
        _out(json.dumps([s.to_dict() for s in summaries], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not summaries:
        _err(f"No saved conversations in {display_path(paths.data_dir)}")
        return EXIT_OK
    shorts = short_ids([s.id for s in summaries])
    id_width = max(len(v) for v in shorts.values())
    models = {s.id: safe_line(s.model) or "?" for s in summaries}
    model_width = min(max(len(m) for m in models.values()), 24)
    for summary in summaries:
        when = summary.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        count = _plural(summary.message_count, "msg")
        title = safe_line(summary.title) or "(untitled)"
        _out(
            f"{shorts[summary.id]:<{id_width}}  {when}  {count:>8}  "
            f"{models[summary.id]:<{model_width}}  {title}"
        )
    return EXIT_OK


# --- export -----------------------------------------------------------------------------------


def resolve_ids(wanted: Sequence[str], summaries: Sequence[ConversationSummary]) -> list[str]:
    """Full ids for ids or unique prefixes, in the order given (duplicates dropped).

    Raises :class:`_UsageError` naming the first id that matches nothing or several.
    """
    known = [s.id for s in summaries]
    resolved: list[str] = []
    for prefix in wanted:
        if prefix in known:
            matches = [prefix]
        else:
            matches = [i for i in known if prefix and i.startswith(prefix)]
        shown = safe_line(prefix)
        if not matches:
            raise _UsageError(f"no conversation with id {shown!r} ('gpt-tui list' shows the ids)")
        if len(matches) > 1:
            listed = ", ".join(sorted(matches)[:5])
            raise _UsageError(
                f"id {shown!r} is ambiguous: it starts {len(matches)} conversations ({listed}); "
                "give more characters"
            )
        if matches[0] not in resolved:
            resolved.append(matches[0])
    return resolved


def _export(args: argparse.Namespace, paths: Paths) -> int:
    if args.all and args.ids:
        raise _UsageError("give conversation ids or --all, not both")
    if not args.all and not args.ids:
        raise _UsageError("which conversations? Give their ids ('gpt-tui list') or --all")
    out: Path | None = args.out
    if out is not None and out.exists() and not out.is_dir():
        raise _UsageError(f"--out {out} is a file; give a folder")
    several = args.all or len(args.ids) > 1
    if out is None and several and args.format == "md":
        raise _UsageError(
            "several conversations in Markdown need --out DIR (one file each); "
            "or use --format json for one combined document"
        )
    data = _open_store(paths)
    store = data.store
    summaries = store.list_summaries()
    ids = [s.id for s in summaries] if args.all else resolve_ids(args.ids, summaries)
    conversations: list[Conversation] = []
    unreadable = 0
    for conversation_id in ids:
        try:
            conversations.append(store.load(conversation_id))
        except StoreError as exc:  # reported; the others are still exported
            _err(f"gpt-tui export: {exc}")
            unreadable += 1
    _report_notices(store)
    if unreadable and not conversations:
        return EXIT_FAILED
    read = data.attachments.read
    embed = embedded(conversations, read) if args.embed_attachments else None
    if out is None:
        if several:
            _write(sys.stdout, to_json_all(conversations, embed))
        elif args.format == "json":
            _write(sys.stdout, to_json(conversations[0], embed))
        else:
            _write(sys.stdout, to_markdown(conversations[0]))
        return EXIT_FAILED if unreadable else EXIT_OK
    if not conversations:
        _err("No conversations to export")
        return EXIT_OK
    for conversation in conversations:
        _export_one(conversation, args, out, read)
    return EXIT_FAILED if unreadable else EXIT_OK


def _export_one(
    conversation: Conversation, args: argparse.Namespace, out: Path, read: Callable[[str], bytes]
) -> None:
    """Write one conversation into ``out`` (a Markdown export's attached files beside it)."""
    files = None
    if args.format == "md":
        name = markdown_filename(conversation)
        if any(m.attachments for m in conversation.tree.all()):
            files = files_folder(name)
        text = to_markdown(conversation, files)
    else:
        own = embedded([conversation], read) if args.embed_attachments else None
        name, text = export_filename(conversation, "json"), to_json(conversation, own)
    try:
        target = write_export(out, name, text)
        missing = [] if files is None else copy_files(conversation, read, out / files)
    except OSError as exc:
        raise _Failure(f"could not write {out / name}: {exc.strerror or exc}") from exc
    _out(str(target))
    if missing:
        _err(f"gpt-tui export: attached files missing from the data folder: {', '.join(missing)}")


# --- import -----------------------------------------------------------------------------------


def _read_input(name: str, max_bytes: int) -> tuple[bytes, str]:
    """The bytes to import and the name to show for them (capped: see ``--max-size``)."""
    try:
        if name == "-":
            return read_capped(sys.stdin.buffer, "<stdin>", max_bytes), "<stdin>"
        path = Path(name).expanduser()
        with path.open("rb") as stream:
            return read_capped(stream, name, max_bytes), path.name
    except SourceTooLarge as exc:
        raise _Failure(str(exc)) from exc
    except OSError as exc:
        raise _Failure(f"cannot read {name}: {exc.strerror or exc}") from exc


def _fresh_ids(
    conversations: Sequence[Conversation], taken: set[str], exists: Callable[[str], bool]
) -> list[tuple[Conversation, str]]:
    """Give a new id to every conversation whose id is taken (in the store or earlier in this
    import); returns (conversation, old id) for those renamed."""
    renamed = []
    for conversation in conversations:
        if conversation.id in taken or exists(conversation.id):
            old = conversation.id
            while conversation.id in taken or exists(conversation.id):
                conversation.id = new_id()
            renamed.append((conversation, old))
        taken.add(conversation.id)
    return renamed


def _import(args: argparse.Namespace, paths: Paths) -> int:
    raw, source = _read_input(args.file, args.max_size)
    try:
        folder = None if args.file == "-" else Path(args.file).expanduser().resolve().parent
        assets = None if folder is None else folder_assets(folder)
        result = import_data(raw, source=source, now=utc_now(), assets=assets)
    except ImportFailed as exc:
        _err(f"gpt-tui import: {exc}")
        return EXIT_FAILED
    data = _open_store(paths)
    store = data.store
    taken = {s.id for s in store.list_summaries()}
    _report_notices(store)
    conversations_dir = paths.data_dir / "conversations"
    renamed = _fresh_ids(
        result.conversations,
        taken,
        # A file the index does not list yet must not be overwritten either.
        lambda conversation_id: (conversations_dir / f"{conversation_id}.json").exists(),
    )
    failures: list[str] = []
    for attached in () if args.dry_run else result.attachments.values():
        try:
            data.attachments.put(attached)
        except OSError as exc:
            failures.append(f"an attached file could not be stored: {exc.strerror or exc}")
    if args.dry_run:
        saved = list(result.conversations)
    else:
        saved, batch_failures = save_in_batches(store, result.conversations, sys.stderr)
        failures.extend(batch_failures)
    data.close()
    _print_import_report(result, saved, renamed, dry_run=args.dry_run)
    for failure in failures:
        _err(f"gpt-tui import: {failure}")
    if failures:
        return EXIT_FAILED
    return EXIT_OK if saved or not result.skipped else EXIT_FAILED


def _print_import_report(
    result: ImportResult,
    saved: Sequence[Conversation],
    renamed: Sequence[tuple[Conversation, str]],
    *,
    dry_run: bool,
) -> None:
    verb = "would import" if dry_run else "imported"
    messages = sum(len(c.messages) for c in saved)
    found = f" from a {result.format}" if result.format else ""
    summary = (
        f"{verb} {_plural(len(saved), 'conversation')} ({_plural(messages, 'message')}){found}"
    )
    if result.skipped:
        summary += f"; skipped {len(result.skipped)}:"
    _out(summary)
    for reason in result.skipped:
        _out(f"  - {safe_line(reason)}")
    if saved:
        shorts = short_ids([c.id for c in saved])
        for conversation in saved:
            title = safe_line(conversation.title) or "(untitled)"
            count = _plural(len(conversation.messages), "message")
            _out(f"  + {shorts[conversation.id]}  {title} ({count})")
    saved_ids = {c.id for c in saved}
    for conversation, old in renamed:
        if conversation.id in saved_ids:
            _out(
                f"  note: {safe_line(old)} already exists; "
                f"{'would import' if dry_run else 'imported'} as {conversation.id}"
            )
