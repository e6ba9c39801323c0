"""Command-line subcommands (``gpt-tui doctor``, ``list``, ``export``, ``import``).

They run without the TUI: each module imports only the core and exposes
``run(command, argv, env) -> int``.
"""
