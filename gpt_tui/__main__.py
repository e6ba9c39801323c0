"""Allow ``python -m gpt_tui``."""

from gpt_tui.cli import main

raise SystemExit(main())
