"""``gpt-tui ask`` and the shell paths of ``gpt-tui``, run as a user's shell runs them:
the real command in a subprocess, over real HTTP through the openai SDK to the loopback
server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from gpt_tui.core.store.reply_log import ReplyLog, ReplyRecord
from tests.cli import ROOT, run_gpt_tui
from tests.fake_server import FakeOpenAIServer, ScriptedReply


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


def _env(server: FakeOpenAIServer, key: str = "sk-test") -> dict[str, str]:
    return {"OPENAI_API_KEY": key, "OPENAI_BASE_URL": server.base_url}


def _ask(
    home: Path, server: FakeOpenAIServer, args: list[str], stdin_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    return run_gpt_tui(home, ["ask", *args], stdin_text=stdin_text, extra_env=_env(server))


def _listed(home: Path) -> list[dict[str, object]]:
    result = run_gpt_tui(home, ["list", "--json"])
    assert result.returncode == 0, result.stderr
    listed: list[dict[str, object]] = json.loads(result.stdout)
    return listed


def _saved(home: Path, conversation_id: str) -> dict[str, object]:
    path = home / "data" / "conversations" / f"{conversation_id}.json"
    saved: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return saved


def test_piped_text_follows_the_question_and_the_chat_is_saved(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    server.queue(ScriptedReply(text="It adds a test.\nLooks fine."))
    result = _ask(tmp_path, server, ["review this"], stdin_text="+ assert x == 1\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "It adds a test.\nLooks fine.\n"
    assert result.stderr == ""
    (request,) = server.requests
    assert request.body is not None
    assert request.body["messages"] == [
        {"role": "user", "content": "review this\n\n```\n+ assert x == 1\n```"}
    ]
    (listed,) = _listed(tmp_path)
    assert listed["message_count"] == 2
    found = run_gpt_tui(tmp_path, ["search", "fine"])
    assert "review this" in found.stdout
    usage = run_gpt_tui(tmp_path, ["doctor"])  # the ledger counted it (doctor reads it)
    assert "Traceback" not in usage.stderr


def test_stdin_alone_is_the_prompt_and_no_escape_codes_reach_a_pipe(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    server.queue(ScriptedReply(text="**bold** \x1b[31mred\x1b[0m"))
    result = _ask(tmp_path, server, ["--render"], stdin_text="summarize: cats sleep a lot\n")
    assert result.returncode == 0, result.stderr
    # A pipe gets the model's text exactly as sent: no Markdown rendering, no colours added.
    assert result.stdout == "**bold** \x1b[31mred\x1b[0m\n"
    assert server.requests[0].body is not None
    assert server.requests[0].body["messages"][-1]["content"] == "summarize: cats sleep a lot"


def test_json_prints_the_reply_usage_and_cost(tmp_path: Path, server: FakeOpenAIServer) -> None:
    server.queue(
        ScriptedReply(
            text="Four.",
            usage={"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14},
        )
    )
    result = _ask(tmp_path, server, ["--json", "--model", "gpt-4o-mini", "2+2?"])
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["reply"] == "Four."
    assert data["status"] == "complete"
    assert data["model"] == "gpt-4o-mini"
    assert data["usage"] == {
        "prompt_tokens": 12,
        "completion_tokens": 2,
        "total_tokens": 14,
        "estimated": False,
    }
    assert data["cost_usd"] is not None and float(data["cost_usd"]) > 0
    assert data["error"] is None
    (listed,) = _listed(tmp_path)
    assert listed["id"] == data["conversation_id"]


def test_every_parameter_option_reaches_the_request(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    result = _ask(
        tmp_path,
        server,
        [
            *("-t", "0.25", "--top-p", "0.5", "--seed", "7", "--stop", "END | STOP"),
            *("--system", "Be brief.", "--presence-penalty", "1", "hello"),
        ],
    )
    assert result.returncode == 0, result.stderr
    body = server.requests[0].body
    assert body is not None
    assert body["temperature"] == 0.25
    assert body["top_p"] == 0.5
    assert body["seed"] == 7
    assert body["stop"] == ["END", "STOP"]
    assert body["presence_penalty"] == 1.0
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-t", "3", "hi"], "temperature must be a number from 0 to 2 (got 3)"),
        (["--max-tokens", "0", "hi"], "max_tokens must be a whole number of at least 1"),
        (["--preset", "nope", "hi"], "no preset named 'nope'"),
        (["--profile", "nope", "hi"], "nope"),
        ([], "nothing to ask"),
        (["--conversation", "zzzz", "hi"], "there is no conversation to continue yet"),
    ],
)
def test_usage_errors_exit_2_with_the_spec_wording(
    tmp_path: Path, server: FakeOpenAIServer, args: list[str], words: str
) -> None:
    result = _ask(tmp_path, server, args)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert server.requests == []


def test_a_wrong_key_is_one_clear_error_and_exit_1(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    server.queue(ScriptedReply(status=401))
    result = run_gpt_tui(
        tmp_path, ["ask", "hi"], extra_env=_env(server, key="sk-wrong-key-12345678")
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("gpt-tui ask: The server rejected the API key (HTTP 401)")
    assert "Check the key" in result.stderr
    assert "sk-wrong-key-12345678" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_server_that_is_down_is_exit_1(tmp_path: Path) -> None:
    result = run_gpt_tui(
        tmp_path,
        ["ask", "hi"],
        extra_env={"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"},
    )
    assert result.returncode == 1
    assert "Could not connect to http://127.0.0.1:9/v1" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_key_at_all_does_not_answer_with_the_demo(tmp_path: Path) -> None:
    result = run_gpt_tui(tmp_path, ["ask", "hi"])
    assert result.returncode == 1
    assert "no API key is set up" in result.stderr
    assert result.stdout == ""


def test_continue_and_conversation_add_to_a_saved_chat(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    server.queue(ScriptedReply(text="Paris."), ScriptedReply(text="2.1 million."))
    server.queue(ScriptedReply(text="Yes."))
    assert _ask(tmp_path, server, ["capital of France?"]).returncode == 0
    assert _ask(tmp_path, server, ["--continue", "population?"]).returncode == 0
    (listed,) = _listed(tmp_path)
    conversation_id = str(listed["id"])
    assert listed["message_count"] == 4
    assert server.requests[1].body is not None
    assert [m["content"] for m in server.requests[1].body["messages"]] == [
        "capital of France?",
        "Paris.",
        "population?",
    ]
    result = _ask(tmp_path, server, ["--conversation", conversation_id[:6], "sure?"])
    assert result.returncode == 0, result.stderr
    assert _listed(tmp_path)[0]["message_count"] == 6


def test_no_save_writes_no_conversation(tmp_path: Path, server: FakeOpenAIServer) -> None:
    result = _ask(tmp_path, server, ["--no-save", "--json", "hi"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["conversation_id"] is None
    assert not (tmp_path / "data" / "conversations").exists()


def test_ctrl_c_stops_and_saves_the_partial_reply(tmp_path: Path, server: FakeOpenAIServer) -> None:
    server.queue(ScriptedReply(text="word " * 400, chunk_size=5, delay=0.05))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))}
    env.update(GPT_TUI_HOME=str(tmp_path), PYTHONIOENCODING="utf-8", **_env(server))
    process = subprocess.Popen(
        [sys.executable, "-m", "gpt_tui", "ask", "count"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    assert process.stdout is not None
    first = os.read(process.stdout.fileno(), 100)  # the reply has started
    assert first.startswith(b"word")
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert b"stopped; the reply so far is saved" in err
    assert b"Traceback" not in err
    (listed,) = _listed(tmp_path)
    saved = _saved(tmp_path, str(listed["id"]))
    reply = saved["messages"][-1]  # type: ignore[index]
    assert reply["status"] == "stopped"
    assert reply["content"].startswith("word word")
    assert len(reply["content"]) < len("word " * 400)
    assert (first + out).decode().startswith(reply["content"][:20])


def test_a_prompt_into_a_pipe_is_ask(tmp_path: Path, server: FakeOpenAIServer) -> None:
    server.queue(ScriptedReply(text="Piped answer."))
    result = run_gpt_tui(tmp_path, ["what is a pipe?"], extra_env=_env(server))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Piped answer.\n"
    assert _listed(tmp_path)[0]["title"] == "what is a pipe?"


def test_no_prompt_and_no_terminal_says_so(tmp_path: Path, server: FakeOpenAIServer) -> None:
    result = run_gpt_tui(tmp_path, [], extra_env=_env(server))
    assert result.returncode == 2
    assert "not a terminal" in result.stderr
    assert 'gpt-tui ask "PROMPT"' in result.stderr
    assert server.requests == []


def test_a_mistyped_command_is_not_sent(tmp_path: Path, server: FakeOpenAIServer) -> None:
    result = run_gpt_tui(tmp_path, ["lsit"], extra_env=_env(server))
    assert result.returncode == 2
    assert "did you mean gpt-tui list?" in result.stderr
    assert server.requests == []
    assert not (tmp_path / "data" / "conversations").exists()


def test_ask_never_loads_a_terminal_library(tmp_path: Path, server: FakeOpenAIServer) -> None:
    code = (
        "import sys\n"
        "from gpt_tui.cli import main\n"
        "code = main(['ask', 'hi'])\n"
        "loaded = sorted(m for m in ('textual', 'rich') if m in sys.modules)\n"
        "print('LOADED', loaded, code)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))}
    env.update(GPT_TUI_HOME=str(tmp_path), **_env(server))
    result = subprocess.run(
        [sys.executable, "-c", code],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip().endswith("LOADED [] 0"), result.stderr


def test_render_draws_markdown_on_a_terminal_only(tmp_path: Path, server: FakeOpenAIServer) -> None:
    """On a terminal ``--render`` draws the Markdown (bold without asterisks); without it
    the text comes as sent, cleaned of the model's escape sequences."""
    import pty

    server.queue(ScriptedReply(text="**bold** text"), ScriptedReply(text="plain \x1b]0;x\x07ok"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))}
    env.update(GPT_TUI_HOME=str(tmp_path), TERM="xterm-256color", **_env(server))
    outputs = []
    for args in (["--render", "show"], ["show"]):
        leader, follower = pty.openpty()
        process = subprocess.Popen(
            [sys.executable, "-m", "gpt_tui", "ask", *args],
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        assert process.wait(timeout=30) == 0
        outputs.append(b"".join(chunks).decode())
    rendered, plain = outputs
    assert "bold" in rendered
    assert "**bold**" not in rendered
    assert "\x1b[1m" in rendered  # Rich's bold
    assert plain.startswith("plain ")
    assert plain.endswith("ok\r\n")
    assert "\x1b" not in plain
    assert "\x07" not in plain


def test_a_reader_that_goes_away_stops_the_reply_quietly(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    """``gpt-tui ask … | head -1``: the reply stops, what came is saved, exit 0."""
    server.queue(ScriptedReply(text="line\n" * 400, chunk_size=5, delay=0.02))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))}
    env.update(GPT_TUI_HOME=str(tmp_path), PYTHONIOENCODING="utf-8", **_env(server))
    process = subprocess.Popen(
        [sys.executable, "-m", "gpt_tui", "ask", "lines please"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    assert os.read(process.stdout.fileno(), 5) == b"line\n"
    process.stdout.close()
    assert process.wait(timeout=30) == 0
    assert process.stderr.read() == b""
    (listed,) = _listed(tmp_path)
    reply = _saved(tmp_path, str(listed["id"]))["messages"][-1]  # type: ignore[index]
    assert reply["status"] == "stopped"
    assert reply["content"].startswith("line\n")


def test_a_prompt_that_may_pass_the_monthly_budget_is_not_sent_unless_told(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    config = tmp_path / "config.toml"  # where GPT_TUI_HOME puts it
    config.write_text("[budget]\nmonthly_usd = 2\n", encoding="utf-8")
    config.chmod(0o600)
    earlier = ReplyRecord(
        key="earlier",
        ts=datetime.now(UTC).timestamp(),
        conversation_id=None,
        model="gpt-4o-mini",
        profile=None,
        input_tokens=10,
        output_tokens=10,
        cost=Decimal("1.9999999"),
    )
    ReplyLog(tmp_path / "data" / "replies.jsonl").write_all([earlier])
    refused = _ask(tmp_path, server, ["--model", "gpt-4o-mini", "hello"])
    assert refused.returncode == 1
    assert "nothing was sent. This may take you past your $2 monthly budget" in refused.stderr
    assert "Add --over-budget to send anyway." in refused.stderr
    assert not server.requests
    sent = _ask(tmp_path, server, ["--model", "gpt-4o-mini", "--over-budget", "hello"])
    assert sent.returncode == 0, sent.stderr
    assert len(server.requests) == 1
