"""The parameter panel follows the parameter spec: the same rule and reason as config.toml."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from tests.fakes import make_app, write_config
from tests.ui.helpers import screen_of

TOO_MANY = "must be a whole number of at most 10,000,000 (got 20000000)"


async def test_a_max_tokens_the_config_refuses_is_refused_by_the_panel_with_the_same_reason(
    tmp_path: Path,
) -> None:
    """[defaults] max_tokens = 20000000 is reported on its line and left out, so new chats
    open with a valid panel; typing the same number gets the same reason."""
    write_config(tmp_path, "[defaults]\nmax_tokens = 20000000\ntemperature = 0.5\n")
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("line 2" in m and f"defaults.max_tokens: {TOO_MANY}" in m for m in messages), (
            messages
        )
        await pilot.press("escape")
        await pilot.pause()
        screen = screen_of(app)
        assert screen.conversation.params.max_tokens is None
        assert screen.conversation.params.temperature == 0.5
        field = screen.query_one("#param-max_tokens", Input)
        assert field.value == ""
        assert not field.has_class("-invalid")
        assert not screen.query_one("#error-max_tokens").display

        await pilot.click("#param-max_tokens")
        await pilot.press(*"20000000")
        await pilot.pause()
        error = screen.query_one("#error-max_tokens")
        assert error.display
        assert str(error.render()) == f"max_tokens {TOO_MANY}"
        assert field.has_class("-invalid")
