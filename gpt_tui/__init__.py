"""gpt-tui: a keyboard-first terminal app for chatting with OpenAI-compatible APIs."""

import logging

__version__ = "0.1.0"

# Nothing may print to the terminal the TUI is drawing on; the app adds real handlers.
logging.getLogger(__name__).addHandler(logging.NullHandler())
