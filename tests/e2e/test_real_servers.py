"""Against real servers: llama.cpp's own ``llama-server`` (``-c 512``, a tiny random-weight
model) and a LiteLLM proxy with mock models, as a new user would meet them.

Opt-in: ``GPT_TUI_REAL_SERVERS=1 pytest tests/e2e/test_real_servers.py``. The servers are
built by ``../shared/realservers/install.sh`` (llama-server about 10-20 min, LiteLLM about
1-3 min; see its README) and started here on free ports by its start scripts (another
folder: ``GPT_TUI_REALSERVERS_SCRIPTS``; where they were installed: ``REALSERVERS_BASE``).
Each test is skipped, saying why, when its server is not installed.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Select

from gpt_tui.core.domain.message import MessageStatus
from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.screens.dialogs import Choose
from gpt_tui.ui.screens.setup import SetupScreen
from gpt_tui.ui.widgets.prompt_input import PromptInput
from tests.e2e.test_usage_panel import panel_text
from tests.fakes import make_app, write_config
from tests.ui.helpers import reply_status, screen_of, type_and_send, wait_idle

pytestmark = [
    pytest.mark.realserver,
    pytest.mark.skipif(
        os.environ.get("GPT_TUI_REAL_SERVERS") != "1",
        reason="real servers are opt-in: GPT_TUI_REAL_SERVERS=1 (see README, 'Servers')",
    ),
]

SCRIPTS = Path(
    os.environ.get(
        "GPT_TUI_REALSERVERS_SCRIPTS", Path(__file__).resolve().parents[3] / "shared/realservers"
    )
)
BASE = Path(os.environ.get("REALSERVERS_BASE", "/tmp/realservers"))
LLAMA_KEY = "sk-llama-test"
LITELLM_KEY = "sk-bench-master"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def started(name: str, needs: Path, how: str) -> Iterator[str]:
    """Start ``name`` with its script on a free port; yields its URL; stops it after."""
    if not needs.exists():
        pytest.skip(f"{name} is not installed ({needs} missing): {how}")
    port = free_port()
    result = subprocess.run(
        ["bash", str(SCRIPTS / f"start-{name}.sh"), str(port)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"{name} did not start: {result.stdout}{result.stderr}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        subprocess.run(
            ["bash", str(SCRIPTS / "stop.sh"), name, str(port)], capture_output=True, check=False
        )


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    how = f"bash {SCRIPTS}/install.sh llama-server model"
    yield from started("llama-server", BASE / "llama-server-build/bin/llama-server", how)


@pytest.fixture(scope="module")
def litellm() -> Iterator[str]:
    yield from started(
        "litellm", BASE / "venv-litellm/bin/litellm", f"bash {SCRIPTS}/install.sh litellm"
    )


def llama_config(url: str, extra: str = "") -> str:
    return f"""
default_profile = "llama"
[profiles.llama]
kind = "compatible"
base_url = "{url}/v1"
api_key = "{LLAMA_KEY}"
max_retries = 0
{extra}"""


def litellm_profile(url: str, max_retries: int = 0) -> str:
    return f"""
[profiles.litellm]
kind = "compatible"
base_url = "{url}/v1"
api_key = "{LITELLM_KEY}"
max_retries = {max_retries}
"""


async def settle(app: GptTuiApp, pilot: Pilot[None]) -> None:
    """Let the background work after the first frame finish (the window is asked then)."""
    for _ in range(4):
        await pilot.pause(0.05)
        await app.workers.wait_for_complete()
    await pilot.pause()


async def test_llama_server_window_refusal_and_cut_off_replies(
    tmp_path: Path, llama_server: str
) -> None:
    write_config(tmp_path, llama_config(llama_server) + "[defaults]\nmax_tokens = 8\n")
    app = make_app(tmp_path, model="tiny-llama", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        assert "of 512\n" in panel_text(app) and "(from server)" in panel_text(app)
        # An over-long prompt is refused before it is sent, and the draft stays.
        prompt = app.screen.query_one(PromptInput)
        long_text = "def f(x): return x + 1\n" * 120
        prompt.text = long_text
        prompt.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert prompt.text == long_text
        assert not screen_of(app).conversation.messages
        # A reply stopped by max_tokens is marked.
        prompt.text = ""
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)
        reply = screen_of(app).conversation.messages[-1]
        assert reply.status is MessageStatus.COMPLETE, reply_status(app)
        assert reply.finish_reason == "length"
        assert "Cut off at max_tokens (8 tokens)" in reply_status(app)


async def test_llama_server_reply_cut_off_at_the_context_limit(
    tmp_path: Path, llama_server: str
) -> None:
    write_config(tmp_path, llama_config(llama_server))
    app = make_app(tmp_path, model="tiny-llama", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        # A long prompt leaves little room, so the reply runs into the 512-token window.
        await type_and_send(app, pilot, "def f(x): return x + 1\n" * 25)
        await wait_idle(pilot)
        reply = screen_of(app).conversation.messages[-1]
        if reply.finish_reason == "stop":
            pytest.skip("the random model happened to stop on its own this time")
        assert reply.finish_reason == "length"
        assert "Cut off at the context limit" in reply_status(app)


async def test_litellm_retries_are_visible_and_noted(tmp_path: Path, litellm: str) -> None:
    write_config(
        tmp_path, litellm_profile(litellm, max_retries=1) + 'default_profile = "litellm"\n'
    )
    app = make_app(tmp_path, model="bench-server-error", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "hello")
        seen = ""
        for _ in range(500):
            await pilot.pause(0.02)
            seen = str(app.screen.query_one("#status-line").render())
            if "retrying" in seen:
                break
        assert "retrying (1 of 1) after HTTP 500…" in seen
        await wait_idle(pilot)
        status = reply_status(app)
        assert "Retried (1 of 1) after HTTP 500" in status
        assert "HTTP 500" in status


async def test_litellm_failed_prompt_is_not_resent(tmp_path: Path, litellm: str) -> None:
    write_config(tmp_path, litellm_profile(litellm) + 'default_profile = "litellm"\n')
    app = make_app(tmp_path, model="bench-context-exceeded", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "far too long")
        await wait_idle(pilot)
        assert screen_of(app).conversation.messages[-1].status is MessageStatus.ERROR
        await pilot.press("ctrl+r")
        await wait_idle(pilot)
        conversation = screen_of(app).conversation
        assert [m.role for m in conversation.messages] == ["user", "assistant"]
        model = app.screen.query_one("#param-model")
        model.value = "bench-model"  # type: ignore[attr-defined]
        await pilot.pause()
        await type_and_send(app, pilot, "short")
        await wait_idle(pilot)
        last = conversation.messages[-1]
        assert last.status is MessageStatus.COMPLETE, reply_status(app)
        body = screen_of(app).services.chat.request_code(conversation, "next").body
        assert body["messages"][0]["content"] == "short"
        assert all(m["content"] != "far too long" for m in body["messages"])


async def test_switching_to_litellm_asks_about_the_model_and_f4_shows_it(
    tmp_path: Path, llama_server: str, litellm: str
) -> None:
    write_config(tmp_path, llama_config(llama_server) + litellm_profile(litellm))
    app = make_app(tmp_path, model="tiny-llama", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        app.screen.query_one("#param-profile", Select).value = "litellm"
        for _ in range(200):
            await pilot.pause(0.05)
            if isinstance(app.screen, Choose):
                break
        assert isinstance(app.screen, Choose)
        await pilot.press("k")
        await pilot.pause()
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        summary = str(app.screen.query_one("#setup-current").render())
        assert "'litellm'" in summary and litellm in summary
