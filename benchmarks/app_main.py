"""The measured app process: exactly what ``gpt-tui`` runs, plus the frame probe.

``python -m benchmarks.app_main [gpt-tui options]`` calls :func:`gpt_tui.cli.main` itself,
with one difference: the app that :func:`~gpt_tui.cli.build_app` returns gets a
:class:`benchmarks.probe.Probe` installed before it runs, when the benchmark asks for one.
With :data:`APP_SRC_ENV` set, ``gpt_tui`` is imported from that source tree instead (e.g.
a ``git archive`` of one commit), so a stable version can be measured while the working
tree is being edited.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from benchmarks import profiling
from benchmarks.probe import install_from_env

APP_SRC_ENV = "GPT_TUI_BENCH_APP_SRC"
"""Environment variable: a folder holding the ``gpt_tui`` package to measure."""


def use_app_source(folder: str | None) -> None:
    """Import ``gpt_tui`` from ``folder`` (if given) rather than from the working tree."""
    if folder:
        sys.path.insert(0, folder)


def main(argv: list[str] | None = None) -> int:
    """Run ``gpt-tui`` in this terminal, probed; the exit code is the app's."""
    profiling.install_from_env()
    use_app_source(os.environ.get(APP_SRC_ENV))
    from gpt_tui import cli

    build_app = cli.build_app

    def build_probed_app(*args: Any, **kwargs: Any) -> Any:
        app = build_app(*args, **kwargs)
        install_from_env(app)
        return app

    setattr(cli, "build_app", build_probed_app)  # noqa: B010 (the CLI looks it up at call time)
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
