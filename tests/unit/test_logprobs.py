"""Token probabilities: read from chunks, stored compactly with the reply, read back."""

from __future__ import annotations

import json
import math

import pytest

from gpt_tui.core.domain.logprobs import TokenLogprob, logprobs_from_json, tokens_from_wire
from gpt_tui.core.domain.message import Message
from gpt_tui.core.domain.schema import SchemaError
from gpt_tui.core.providers.base import LogprobsDelta, TextDelta
from gpt_tui.core.providers.openai_client import _chunk_events  # pyright: ignore[reportPrivateUsage]


def test_a_chunks_logprobs_become_an_event_after_its_text() -> None:
    chunk = {
        "choices": [
            {
                "delta": {"content": "Hi"},
                "logprobs": {
                    "content": [
                        {
                            "token": "Hi",
                            "logprob": -0.01,
                            "bytes": [72, 105],
                            "top_logprobs": [
                                {"token": "Hi", "logprob": -0.01, "bytes": None},
                                {"token": "Hey", "logprob": -4.6, "bytes": None},
                            ],
                        }
                    ]
                },
            }
        ]
    }
    assert list(_chunk_events(chunk)) == [
        TextDelta("Hi"),
        LogprobsDelta((TokenLogprob("Hi", -0.01, (("Hi", -0.01), ("Hey", -4.6))),)),
    ]


def test_malformed_entries_are_skipped() -> None:
    assert tokens_from_wire(None) == []
    assert tokens_from_wire([1, {"token": 3}, {"token": "a", "logprob": "x"}]) == []
    assert tokens_from_wire([{"token": "a", "logprob": 0, "top_logprobs": [{"token": 1}]}]) == [
        TokenLogprob("a", 0.0)
    ]


def test_stored_compactly_and_read_back() -> None:
    tokens = [
        TokenLogprob("The", math.log(0.95), (("The", math.log(0.95)), ("A", math.log(0.04)))),
        TokenLogprob(" end", -0.123456789),
    ]
    message = Message(role="assistant", content="The end", logprobs=tokens)
    data = message.to_dict()
    assert data["logprobs"] == [
        ["The", -0.0513, [["The", -0.0513], ["A", -3.2189]]],
        [" end", -0.1235],
    ]
    assert len(json.dumps(data["logprobs"])) < 80
    back = Message.from_dict(json.loads(json.dumps(data))).logprobs
    assert back is not None
    assert [t.token for t in back] == ["The", " end"]
    assert back[0].top[1] == ("A", -3.2189)
    assert back[1].probability == pytest.approx(math.exp(-0.1235))
    assert "logprobs" not in Message(role="assistant", content="x").to_dict()


def test_a_broken_stored_row_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match=r"logprobs\[1\]"):
        logprobs_from_json([["a", -1.0], ["b"]])
