"""What a reply's ``finish_reason`` means to the user: a mark on the reply, the limit
that cut it off, and whether it can be continued.

A reply that ran into a token limit (``finish_reason: "length"``) looks complete unless
it is marked; one stopped by a content filter is marked too. The server's word is kept on
the reply (:attr:`Message.finish_reason`); the wording lives here, once.
"""

from __future__ import annotations

from gpt_tui.core.domain.message import Message

LENGTH = "length"
CONTENT_FILTER = "content_filter"
CUT_OFF_PREFIX = "Cut off at "
"""How the notice naming the limit begins (a continued reply drops its old one)."""

_MARKS = {
    LENGTH: "✂ cut off (finish_reason: length): m continues",
    CONTENT_FILTER: "⊘ stopped by the server's content filter (finish_reason: content_filter)",
}


def finish_mark(message: Message) -> str:
    """The mark the reply's status line shows for how the server ended it ("" for a
    normal end, or when the server did not say)."""
    return _MARKS.get(message.finish_reason or "", "")


def can_continue(message: Message) -> bool:
    """Whether ``m`` (continue) makes sense because the server cut the reply off."""
    return message.role == "assistant" and bool(message.content) and message.finish_reason == LENGTH


def cut_off_notice(max_tokens: int | None, completion_tokens: int | None) -> str:
    """Which limit ended a ``length`` reply: the request's ``max_tokens`` when the reply
    used all of it, otherwise the model's context window (prompt + reply filled it)."""
    if max_tokens is not None and (completion_tokens is None or completion_tokens >= max_tokens):
        return f"{CUT_OFF_PREFIX}max_tokens ({max_tokens:,} tokens)"
    return f"{CUT_OFF_PREFIX}the context limit (the prompt and the reply filled the window)"
