"""A reply's finish reason: read from chunks, kept on the message, put into words."""

from __future__ import annotations

from gpt_tui.core.domain.finish import can_continue, cut_off_notice, finish_mark
from gpt_tui.core.domain.message import Message
from gpt_tui.core.providers.base import FinishReported, TextDelta
from gpt_tui.core.providers.openai_client import _chunk_events


def test_chunks_report_the_finish_reason_after_the_text() -> None:
    chunk = {"choices": [{"delta": {"content": "end"}, "finish_reason": "length"}]}
    assert list(_chunk_events(chunk)) == [TextDelta("end"), FinishReported("length")]
    assert list(_chunk_events({"choices": [{"delta": {}, "finish_reason": None}]})) == []
    assert list(_chunk_events({"choices": [{"delta": {}, "finish_reason": 3}]})) == []


def test_the_finish_reason_is_saved_only_when_known() -> None:
    plain = Message("assistant", "hi")
    assert "finish_reason" not in plain.to_dict()
    cut = Message("assistant", "hi", finish_reason="length")
    assert Message.from_dict(cut.to_dict()).finish_reason == "length"
    old_file = plain.to_dict() | {"finish_reason": 7}
    assert Message.from_dict(old_file).finish_reason is None


def test_marks_and_continue() -> None:
    cut = Message("assistant", "Once", finish_reason="length")
    assert "cut off" in finish_mark(cut) and can_continue(cut)
    filtered = Message("assistant", "I", finish_reason="content_filter")
    assert "content filter" in finish_mark(filtered) and not can_continue(filtered)
    assert finish_mark(Message("assistant", "ok", finish_reason="stop")) == ""
    assert not can_continue(Message("assistant", "", finish_reason="length"))


def test_which_limit_cut_the_reply() -> None:
    assert cut_off_notice(256, 256) == "Cut off at max_tokens (256 tokens)"
    assert cut_off_notice(256, None).startswith("Cut off at max_tokens")
    assert "context limit" in cut_off_notice(256, 100)
    assert "context limit" in cut_off_notice(None, 500)
