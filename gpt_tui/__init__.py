"""gpt-tui: a keyboard-first terminal app for chatting with OpenAI-compatible APIs."""

__version__ = "0.1.0"
