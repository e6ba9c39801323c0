"""Monthly budgets in the real app over HTTP: the question before a send that may pass the
budget (nothing reaches the server until yes), the warning past 80 %, the panel's line."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from gpt_tui.core.store.reply_log import ReplyLog, ReplyRecord
from gpt_tui.ui.screens.compare import CompareScreen
from gpt_tui.ui.screens.dialogs import Confirm
from gpt_tui.ui.widgets.prompt_input import PromptInput
from tests.e2e.test_usage_panel import BASE, env_for, line, warm
from tests.fake_server import FakeOpenAIServer
from tests.fakes import FrozenClock, make_app, write_config
from tests.ui.helpers import run_palette_command, screen_of, type_and_send, wait_idle

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def chats(server: FakeOpenAIServer) -> int:
    """How many chat requests reached the server (the model list is asked for anyway)."""
    return sum(1 for r in server.requests if r.path.endswith("/chat/completions"))


def spent_already(tmp_path: Path, amount: str) -> None:
    """A reply this month that cost ``amount`` (as if sent earlier)."""
    ReplyLog(tmp_path / "data" / "replies.jsonl").write_all(
        [
            ReplyRecord(
                key="earlier",
                ts=NOW.replace(day=2).timestamp(),
                conversation_id=None,
                model="gpt-4o-mini",
                profile=None,
                input_tokens=10,
                output_tokens=10,
                cost=Decimal(amount),
            )
        ]
    )


async def test_a_send_that_may_pass_the_budget_waits_for_yes(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, BASE + "\n[budget]\nmonthly_usd = 2\n")
    spent_already(tmp_path, "1.9999999")
    app = make_app(
        tmp_path,
        env=env_for(fake_server),
        model="gpt-4o-mini",
        warm_up=True,
        clock=FrozenClock(NOW),
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await warm(app, pilot)
        assert line(app, "this month").startswith("this month  $2.00 of $2 (100 %)")
        await type_and_send(app, pilot, "hello there")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        question = str(app.screen.query_one(".dialog-question").render())
        assert question.startswith("This may take you past your $2 monthly budget")
        assert question.endswith("Send anyway?")
        await pilot.press("n")
        await wait_idle(pilot)
        assert chats(fake_server) == 0
        chat = screen_of(app)
        assert chat.query_one(PromptInput).text == "hello there"  # the draft stays
        assert not chat.conversation.messages

        await type_and_send(app, pilot, "hello there")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert chats(fake_server) == 0
        await pilot.press("y")
        await wait_idle(pilot)
        assert chats(fake_server) == 1
        assert [m.role for m in chat.conversation.messages] == ["user", "assistant"]


async def test_past_80_percent_warns_once_and_sends(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, BASE + "\n[budget]\nmonthly_usd = 10\n")
    spent_already(tmp_path, "8.5")
    app = make_app(
        tmp_path,
        env=env_for(fake_server),
        model="gpt-4o-mini",
        warm_up=True,
        clock=FrozenClock(NOW),
    )
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await warm(app, pilot)
        for prompt in ("one", "two"):
            await type_and_send(app, pilot, prompt)
            await wait_idle(pilot)
        assert chats(fake_server) == 2
        warnings = [n.message for n in app._notifications if n.title == "Monthly budget"]
        assert len(warnings) == 1
        assert warnings[0].startswith("Budget: $8.50 of $10 monthly budget (85 %)")


COLUMNS = """
[[compare.columns]]
model = "gpt-4o-mini"
temperature = 0.2

[[compare.columns]]
model = "gpt-4o-mini"
temperature = 1.2
"""


async def test_compare_mode_asks_before_columns_that_may_pass_the_budget(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, BASE + "\n[budget]\nmonthly_usd = 2\n" + COLUMNS)
    spent_already(tmp_path, "1.9999999")
    app = make_app(
        tmp_path,
        env=env_for(fake_server),
        model="gpt-4o-mini",
        warm_up=True,
        clock=FrozenClock(NOW),
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await warm(app, pilot)
        await run_palette_command(pilot, "Compare")
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        await type_and_send(app, pilot, "hello there")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        question = str(app.screen.query_one(".dialog-question").render())
        assert question.startswith("This may take you past your $2 monthly budget")
        await pilot.press("n")
        await wait_idle(pilot)
        assert chats(fake_server) == 0  # neither column went out

        await type_and_send(app, pilot, "hello there")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await wait_idle(pilot)
        assert chats(fake_server) == 2  # both columns, once the user said yes
