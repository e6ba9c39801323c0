"""Command-line subcommands (``gpt-tui doctor``, ``list``, ``export``, ``import``,
``search``).

They run without the TUI: each module imports only the core and exposes
``run(command, argv, env) -> int``. They open the data folder through
:class:`~gpt_tui.core.store.datadir.DataDir`, and leave errors writing stdout (a closed
pipe, a full disk) to the entry point, :func:`gpt_tui.cli.main`, which handles them once.
"""
