"""``python -m benchmarks``: measure the real app in a pseudo-terminal and print a table.

Run it from the repository root (it imports ``tests.fake_server`` and starts the app as
``python -m benchmarks.app_main``). Every measurement is a fresh app process in a
160×48 pty, against the loopback OpenAI-compatible server, with a temporary
``GPT_TUI_HOME``. See docs/benchmarks.md for what each row measures.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from benchmarks.app_main import use_app_source
from benchmarks.context import FULL, QUICK, Context
from benchmarks.report import machine, table
from benchmarks.scenarios import SCENARIOS
from benchmarks.suite import run_suite


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="1 run each, small sizes (< 60 s; for CI)"
    )
    parser.add_argument("--runs", type=int, default=5, metavar="N", help="runs of each (5)")
    parser.add_argument(
        "--only",
        metavar="NAMES",
        help=f"comma-separated scenarios to run, of: {', '.join(SCENARIOS)}",
    )
    parser.add_argument(
        "--app-src",
        metavar="DIR",
        type=Path,
        help="import gpt_tui from DIR (e.g. a `git archive` of a commit), not the work tree",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        type=Path,
        help="profile the measured step of each scenario with pyinstrument into DIR "
        "(one run each; the figures are slowed by the profiler)",
    )
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write raw figures")
    return parser.parse_args(argv)


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite and print the table; 1 if any measurement failed."""
    args = parse_args(argv)
    names = list(SCENARIOS) if not args.only else args.only.split(",")
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    sizes = QUICK if args.quick else FULL
    runs = 1 if args.quick or args.profile else max(1, args.runs)
    app_src = str(args.app_src.resolve()) if args.app_src else None
    use_app_source(app_src)  # the datasets are written by this process with gpt_tui's store
    if args.profile:
        if importlib.util.find_spec("pyinstrument") is None:
            print("--profile needs pyinstrument: pip install pyinstrument", file=sys.stderr)
            return 2
        args.profile.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="gpt-tui-bench-"))
    ctx = Context(
        sizes=sizes,
        workdir=workdir,
        app_src=app_src,
        profile_dir=args.profile.resolve() if args.profile else None,
    )
    if args.profile:  # the profiler slows the app down about twice
        ctx.timeout, ctx.big_timeout = 3 * ctx.timeout, 3 * ctx.big_timeout
    # On SIGTERM/SIGHUP unwind normally, so the app processes (own sessions) are killed.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    try:
        results = run_suite(ctx, names, runs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    mode = "quick" if args.quick else "full"
    print(f"gpt-tui benchmarks ({mode} sizes, {runs} run(s) each, {results.seconds:.0f} s)")
    print(f"machine: {machine()}")
    print("replies: 4 characters = 1 token, streamed 1 token per SSE chunk (chunk_size=4)")
    if app_src:
        print(f"app source: {app_src}")
    if args.profile:
        print(f"profiles: {args.profile}/<scenario>.txt (figures below are slowed by it)")
    print()
    print(table(results, sizes, quick=args.quick))
    if args.json:
        raw = {
            "sizes": dataclasses.asdict(sizes),
            "values": results.values,
            "failures": results.failures,
        }
        args.json.write_text(json.dumps(raw, indent=1) + "\n")
    return 1 if any(results.failures.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
