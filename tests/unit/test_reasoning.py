"""Reasoning kept apart from the answer: the ``<think>`` splitter, the reasoning fields of a
chunk, and a turn that saves the reasoning with its reply but never in its text."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from gpt_tui.core.domain.message import Message, Usage
from gpt_tui.core.domain.reasoning import Reasoning, ThinkSplitter, split_think
from gpt_tui.core.providers.base import ReasoningDelta, TextDelta
from gpt_tui.core.providers.openai_client import _chunk_events  # pyright: ignore[reportPrivateUsage]
from gpt_tui.core.service.events import ReplyDelta, TurnEvent, TurnPlan
from tests.fakes import RecordingProvider, Script
from tests.unit.test_chat_service import make_service, saved_messages


def split_in_pieces(text: str, cuts: list[int]) -> tuple[str, str]:
    """``text`` streamed cut at ``cuts``: the reasoning and the answer, each joined."""
    splitter = ThinkSplitter()
    reasoning: list[str] = []
    answer: list[str] = []
    previous = 0
    for cut in [*sorted(set(cuts)), len(text)]:
        r, a = splitter.feed(text[previous:cut])
        reasoning.append(r)
        answer.append(a)
        previous = cut
    r, a = splitter.finish()
    return "".join([*reasoning, r]), "".join([*answer, a])


# Text without "<" so it cannot contain a tag by accident.
_plain = st.text(st.characters(blacklist_characters="<", blacklist_categories=["Cs"]))


def test_a_think_block_cut_at_every_position() -> None:
    text = "\n<think>\nI should greet.</think>\n\nHello <b>there</b>"
    for cut in range(len(text) + 1):
        for second in range(cut, len(text) + 1):
            assert split_in_pieces(text, [cut, second]) == (
                "\nI should greet.",
                "Hello <b>there</b>",
            )


def test_each_character_its_own_chunk() -> None:
    text = "<think>a </thin b</think>answer"
    assert split_in_pieces(text, list(range(len(text)))) == ("a </thin b", "answer")


@given(
    reasoning=_plain,
    answer=_plain.filter(lambda s: s == s.lstrip()),
    lead=st.sampled_from(["", " ", "\n", "\n\n  "]),
    gap=st.sampled_from(["", "\n", "\n\n"]),
    cuts=st.lists(st.integers(0, 200), max_size=12),
)
def test_think_blocks_split_the_same_however_they_are_cut(
    reasoning: str, answer: str, lead: str, gap: str, cuts: list[int]
) -> None:
    text = f"{lead}<think>{reasoning}</think>{gap}{answer}"
    cuts = [c for c in cuts if c <= len(text)]
    assert split_in_pieces(text, cuts) == (reasoning, answer)


@given(content=st.text(), cuts=st.lists(st.integers(0, 200), max_size=12))
def test_content_without_a_leading_think_passes_through(content: str, cuts: list[int]) -> None:
    if content.lstrip().startswith("<think>"):
        return
    cuts = [c for c in cuts if c <= len(content)]
    assert split_in_pieces(content, cuts) == ("", content)


def test_a_think_tag_later_in_the_answer_is_text() -> None:
    assert split_think("Use <think> tags</think> like this") == (
        "",
        "Use <think> tags</think> like this",
    )


def test_an_unclosed_think_is_all_reasoning() -> None:
    assert split_think("<think>still going") == ("still going", "")
    assert split_think("<thi") == ("", "<thi")


def test_reasoning_fields_become_reasoning_events() -> None:
    chunks = [
        {"choices": [{"delta": {"reasoning_content": "DeepSeek thinks"}}]},
        {"choices": [{"delta": {"reasoning": "OpenRouter thinks", "content": None}}]},
        {"choices": [{"delta": {"reasoning_content": None, "content": "Answer"}}]},
        {"choices": [{"delta": {"reasoning_content": "", "reasoning": ""}}]},
    ]
    events = [e for chunk in chunks for e in _chunk_events(chunk)]
    assert events == [
        ReasoningDelta("DeepSeek thinks"),
        ReasoningDelta("OpenRouter thinks"),
        TextDelta("Answer"),
    ]


def test_summary_prefers_the_servers_token_count() -> None:
    reasoning = Reasoning("…", duration_s=4.21, chunks=400)
    assert reasoning.summary(412) == "Thought for 4.2 s · 412 tokens"
    assert reasoning.summary() == "Thought for 4.2 s · ≈400 tokens"
    assert Reasoning("…").summary() == "Thought"


def test_messages_without_reasoning_are_written_as_before() -> None:
    plain = Message(role="assistant", content="hi")
    assert "reasoning" not in plain.to_dict()
    thought = Message(role="assistant", content="hi", reasoning=Reasoning("hm", 1.5, 3))
    data = thought.to_dict()
    assert data["reasoning"] == {"text": "hm", "duration_s": 1.5, "chunks": 3}
    assert Message.from_dict(data).reasoning == Reasoning("hm", 1.5, 3)


async def test_reasoning_fields_are_saved_apart_and_not_sent_back(tmp_path: Path) -> None:
    provider = RecordingProvider(
        [
            Script(
                [ReasoningDelta("Let me "), ReasoningDelta("think."), "Hel", "lo"],
                usage=Usage(5, 9, reasoning_tokens=4),
            ),
            Script(["Again"]),
        ]
    )
    service = make_service(tmp_path, provider)
    conversation = service.new_conversation()
    events: list[TurnEvent] = []
    reply = await service.run(conversation, TurnPlan.send("Hi"), events.append)
    assert reply.content == "Hello"
    assert reply.reasoning is not None
    assert reply.reasoning.text == "Let me think."
    assert reply.reasoning.chunks == 2
    assert reply.reasoning.duration_s is not None and reply.reasoning.duration_s > 0
    deltas = [e for e in events if isinstance(e, ReplyDelta)]
    assert "".join(d.text for d in deltas if d.reasoning) == "Let me think."
    assert "".join(d.text for d in deltas if not d.reasoning) == "Hello"
    saved = saved_messages(tmp_path)[1]
    assert saved["content"] == "Hello"
    assert json.dumps(saved["reasoning"]).count("Let me think.") == 1
    await service.run(conversation, TurnPlan.send("More"), events.append)
    sent = json.dumps(provider.requests[1].messages)
    assert "think" not in sent
    assert {"role": "assistant", "content": "Hello"} in provider.requests[1].messages


async def test_inline_think_tags_never_reach_the_answer(tmp_path: Path) -> None:
    pieces: list[str | ReasoningDelta] = ["<th", "ink>\nPonder", "ing…</th", "ink>\n\n", "Yes", "."]
    service = make_service(tmp_path, RecordingProvider([Script(pieces)]))
    conversation = service.new_conversation()
    events: list[TurnEvent] = []
    reply = await service.run(conversation, TurnPlan.send("Q?"), events.append)
    assert reply.content == "Yes."
    assert reply.reasoning is not None and reply.reasoning.text == "Pondering…"
    shown = "".join(e.text for e in events if isinstance(e, ReplyDelta) and not e.reasoning)
    assert shown == "Yes."
    assert "<think>" not in json.dumps(saved_messages(tmp_path))
