"""The measured app process: exactly what ``gpt-tui`` runs, plus the frame probe.

``python -m benchmarks.app_main [gpt-tui options]`` does what :func:`gpt_tui.cli.main`
does (parse the options, resolve the paths, :func:`~gpt_tui.cli.build_app`, ``run``) and
installs :class:`benchmarks.probe.Probe` before running, when the benchmark asks for it.
With :data:`APP_SRC_ENV` set, ``gpt_tui`` is imported from that source tree instead
(e.g. a ``git archive`` of one commit), so a stable version can be measured while the
working tree is being edited.
"""

from __future__ import annotations

import os
import sys

from benchmarks import profiling
from benchmarks.probe import install_from_env

APP_SRC_ENV = "GPT_TUI_BENCH_APP_SRC"
"""Environment variable: a folder holding the ``gpt_tui`` package to measure."""


def use_app_source(folder: str | None) -> None:
    """Import ``gpt_tui`` from ``folder`` (if given) rather than from the working tree."""
    if folder:
        sys.path.insert(0, folder)


def main(argv: list[str] | None = None) -> int:
    """Run the real app in this terminal; the exit code is the app's."""
    profiling.install_from_env()
    use_app_source(os.environ.get(APP_SRC_ENV))
    from gpt_tui.cli import build_app, parse_args
    from gpt_tui.paths import Paths

    args = parse_args(sys.argv[1:] if argv is None else argv)
    env = dict(os.environ)
    app = build_app(Paths.resolve(args.data_dir, env), env, model=args.model)
    install_from_env(app)
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
