"""The chat screen's key bindings: every one has an id, so config.toml's ``[keys]`` can
remap it and F1 lists it as mapped now (see :mod:`gpt_tui.ui.keymap`)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from gpt_tui.ui.screens.compare import COMPARE_TIP

CHAT_BINDINGS: list[BindingType] = [
    Binding("ctrl+n", "new_chat", "New chat", tooltip="Start a new conversation.", id="chat.new"),
    Binding(
        "escape",
        "stop",
        "Stop",
        priority=True,
        tooltip="Stop the reply that is streaming; the partial text is kept.",
        id="chat.stop",
    ),
    Binding(
        "ctrl+r",
        "retry",
        "Re-send",
        tooltip="Send the last prompt again after a failed or interrupted reply.",
        id="chat.resend",
    ),
    Binding(
        "f2",
        "toggle_sidebar",
        "Chats",
        tooltip="Show or hide the conversation list.",
        id="chat.toggle-sidebar",
    ),
    Binding(
        "f3",
        "toggle_params",
        "Params",
        tooltip="Show or hide the parameter and usage panel.",
        id="chat.toggle-params",
    ),
    Binding("f4", "app.setup", "Setup", tooltip="Set the API key or server URL.", id="chat.setup"),
    Binding(
        "f8",
        "request_code",
        "Code",
        tooltip="Show the next request as Python or curl, ready to copy (key redacted).",
        id="chat.request-code",
    ),
    Binding(
        "ctrl+f",
        "search",
        "Search",
        show=False,
        tooltip="Search every message of every chat; Enter opens one at the match.",
        id="chat.search",
    ),
    Binding("f5", "compare", "Compare", show=False, tooltip=COMPARE_TIP, id="chat.compare"),
    Binding(
        "ctrl+l",
        "focus_prompt",
        "Prompt",
        show=False,
        tooltip="Put the cursor in the prompt.",
        id="chat.focus-prompt",
    ),
    Binding(
        "question_mark",
        "app.help",
        "Help",
        show=False,
        tooltip="Show the keys (outside text fields).",
        id="chat.help",
    ),
]
