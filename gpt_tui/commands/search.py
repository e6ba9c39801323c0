"""``gpt-tui search QUERY``: find messages in every saved conversation, from the shell.

Brings the search index up to date first (the first run indexes everything, which takes a
while for a large history), then prints one hit per block: title, date and id, then a
snippet. Exit codes as for the other commands: 0 found or not, 1 an error, 2 bad usage.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from gpt_tui.commands.conversations import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    _err,
    _out,
    _report_notices,
    safe_line,
    short_ids,
)
from gpt_tui.core.store.datadir import DataDir
from gpt_tui.paths import HOME_ENV, Paths


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gpt-tui search",
        description=(
            "Search every message of every saved conversation (every branch) and the titles; "
            "newest first. All words must occur; each is matched literally, anywhere in a "
            "word (so Chinese and Japanese work without spaces)."
        ),
    )
    parser.add_argument("query", nargs="+", metavar="QUERY", help="the words to find")
    parser.add_argument(
        "--limit", type=int, default=20, metavar="N", help="show at most N hits (20)"
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help=f"use the conversations under DIR/data (default: platform dirs, or ${HOME_ENV})",
    )
    return parser


def run(command: str, argv: list[str], env: Mapping[str, str]) -> int:
    """Run ``gpt-tui search <argv...>``; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.limit < 1:
        _err("gpt-tui search: --limit must be at least 1")
        return EXIT_USAGE
    query = " ".join(args.query)
    paths = Paths.resolve(args.data_dir, env)
    data = DataDir.open(paths.data_dir)
    store, index = data.store, data.search_index
    problem = store.readable()
    if problem is not None:
        _err(f"gpt-tui search: {problem}")
        return EXIT_FAILED

    try:
        summaries = store.list_summaries()
        index.sync(summaries, store.load_if_readable)
    except OSError as exc:
        _err(f"gpt-tui search: could not update the index: {exc}")
        return EXIT_FAILED
    _report_notices(store)
    results = index.search(query, args.limit)
    data.close()
    if not results.hits:
        _err(f"No message contains {safe_line(query)!r}")
        return EXIT_OK
    shorts = short_ids([s.id for s in summaries])
    for hit in results.hits:
        when = hit.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        title = safe_line(hit.title) or "(untitled)"
        where = "title" if hit.message_id is None else hit.role
        short = shorts.get(hit.conversation_id, hit.conversation_id)
        _out(f"{title}  ·  {when}  ·  {short}  ({where})")
        _out(f"    {safe_line(hit.snippet)}")
    return EXIT_OK
