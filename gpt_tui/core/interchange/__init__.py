"""Conversations in and out of gpt-tui: imports from other tools, exports to Markdown and JSON."""
