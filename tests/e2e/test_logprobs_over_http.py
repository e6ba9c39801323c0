"""Token probabilities over real HTTP through the real ``openai`` SDK: asked for only when
on, kept with the reply (compactly), shown shaded with the alternatives of the token under
the cursor; a reply without them says so."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from textual.widgets import Select, Static

from gpt_tui.ui.screens.logprobs import NO_PROBABILITIES, LogprobsScreen
from gpt_tui.ui.widgets.message_list import MessageList
from tests.e2e.test_app_over_http import FAST_FAILING, env_for
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import reply_text, run_palette_command, screen_of, type_and_send, wait_idle


def entry(token: str, p: float, *alternatives: tuple[str, float]) -> dict[str, Any]:
    top = [{"token": t, "logprob": math.log(q), "bytes": None} for t, q in alternatives]
    return {"token": token, "logprob": math.log(p), "bytes": None, "top_logprobs": top}


DELTAS: list[dict[str, Any]] = [
    {
        "content": "The capital",
        "logprobs": {
            "content": [
                entry("The", 0.95, ("The", 0.95), ("Paris", 0.03)),
                entry(" capital", 0.6, (" capital", 0.6), (" city", 0.3)),
            ]
        },
    },
    {
        "content": " is Paris.",
        "logprobs": {
            "content": [
                entry(" is", 0.99, (" is", 0.99)),
                entry(" Paris", 0.25, (" Lyon", 0.5), (" Paris", 0.25), (" Nice", 0.1)),
                entry(".", 0.9, (".", 0.9), ("!", 0.05)),
            ]
        },
    },
]


async def test_probabilities_are_kept_and_shown(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, FAST_FAILING + "[defaults]\nlogprobs = true\ntop_logprobs = 3\n")
    fake_server.queue(ScriptedReply(deltas=DELTAS))
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "Capital of France?")
        await wait_idle(pilot)
        assert reply_text(app) == "The capital is Paris."
        reply = screen_of(app).conversation.messages[-1]
        assert reply.logprobs is not None
        assert [t.token for t in reply.logprobs] == ["The", " capital", " is", " Paris", "."]
        chat = app.screen.query_one(MessageList)
        chat.focus()
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, LogprobsScreen)
        await pilot.press("right", "right", "right")
        await pilot.pause()
        shown = str(view.query_one("#logprobs-alternatives", Static).render())
        assert "token 4 of 5: ' Paris'  25.00 %" in shown
        lines = [" ".join(line.split()) for line in shown.splitlines()]
        assert lines[1:] == [
            "' Lyon' 50.00 % ██████████",
            "▸ ' Paris' 25.00 % █████",
            "' Nice' 10.00 % ██",
        ]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, LogprobsScreen)
    [first] = fake_server.requests
    assert first.body is not None
    assert first.body["logprobs"] is True
    assert first.body["top_logprobs"] == 3
    saved = json.loads(
        next((tmp_path / "data" / "conversations").glob("*.json")).read_text(encoding="utf-8")
    )
    rows = saved["messages"][1]["logprobs"]
    assert rows[3] == [
        " Paris",
        -1.3863,
        [[" Lyon", -0.6931], [" Paris", -1.3863], [" Nice", -2.3026]],
    ]


async def test_switched_off_nothing_is_asked_and_the_view_says_so(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, FAST_FAILING + "[defaults]\nlogprobs = true\ntop_logprobs = 3\n")
    fake_server.queue(ScriptedReply(text="No probabilities."))
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        switch = screen_of(app).query_one("#param-logprobs", Select)
        assert switch.value == "on"
        switch.clear()  # off
        await pilot.pause()
        assert screen_of(app).conversation.params.extra.logprobs is None
        await type_and_send(app, pilot, "again")
        await wait_idle(pilot)
        await run_palette_command(pilot, "Token probabilities")
        await pilot.pause()
        assert not isinstance(app.screen, LogprobsScreen)
        assert any(n.message == NO_PROBABILITIES for n in app._notifications)  # pyright: ignore[reportPrivateUsage]
    [request] = fake_server.requests
    assert request.body is not None
    assert "logprobs" not in request.body
    assert "top_logprobs" not in request.body
