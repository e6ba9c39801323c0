"""Opt-in: a ``json_schema`` chat against llama.cpp's own ``llama-server``, which constrains
its output to the schema with a grammar, so even a tiny random-weight model answers with
JSON that validates. The real app, the real SDK, a real server.

Runs with the other real-server tests (``GPT_TUI_REAL_SERVERS=1``: the binary and the tiny
GGUF that ``../shared/realservers/install.sh`` builds under ``REALSERVERS_BASE``, default
``/tmp/realservers``), or with ``GPT_TUI_LLAMA_SERVER`` set to a ``llama-server`` binary and
``GPT_TUI_LLAMA_MODEL`` to a GGUF model (any: the grammar, not the weights, makes the reply
valid); otherwise it is skipped, saying so. See the README's "Structured outputs" section.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from jsonschema import validate

from gpt_tui.core.domain.message import MessageStatus
from tests.fakes import make_app, write_config
from tests.ui.helpers import reply_status, screen_of, type_and_send, wait_idle

SERVER_ENV = "GPT_TUI_LLAMA_SERVER"
MODEL_ENV = "GPT_TUI_LLAMA_MODEL"

SCHEMA = {
    "type": "object",
    "properties": {
        "ok": {"type": "boolean"},
        "count": {"type": "integer"},
        "mood": {"type": "string", "enum": ["calm", "busy", "odd"]},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "maxItems": 3},
    },
    "required": ["ok", "count", "mood", "tags"],
    "additionalProperties": False,
}


def _paths() -> tuple[Path, Path]:
    server, model = os.environ.get(SERVER_ENV), os.environ.get(MODEL_ENV)
    if os.environ.get("GPT_TUI_REAL_SERVERS") == "1":
        base = Path(os.environ.get("REALSERVERS_BASE", "/tmp/realservers"))
        server = server or str(base / "llama-server-build" / "bin" / "llama-server")
        model = model or str(base / "tiny-llama.gguf")
    if not server or not model:
        pytest.skip(f"opt-in: set {SERVER_ENV} (llama-server binary) and {MODEL_ENV} (a GGUF)")
    if not Path(server).is_file() or not Path(model).is_file():
        pytest.skip(f"{SERVER_ENV}={server} or {MODEL_ENV}={model} does not exist")
    return Path(server), Path(model)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def llama_server(tmp_path: Path) -> Iterator[str]:
    """llama-server on a free loopback port, stopped after the test; yields its /v1 URL."""
    binary, model = _paths()
    port = _free_port()
    log = (tmp_path / "llama-server.log").open("wb")
    command = [str(binary), "-m", str(model), "--alias", "tiny", "--host", "127.0.0.1"]
    command += ["--port", str(port), "-c", "512", "-np", "1", "-t", "1", "-tb", "1"]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"llama-server did not start; see {log.name}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


async def test_a_json_schema_chat_gets_json_that_validates(
    tmp_path: Path, llama_server: str
) -> None:
    schema_file = tmp_path / "config" / "answer.json"
    schema_file.parent.mkdir(parents=True)
    schema_file.write_text(json.dumps(SCHEMA, indent=2), encoding="utf-8")
    write_config(
        tmp_path,
        f'model = "tiny"\n[provider]\nbase_url = "{llama_server}"\nmax_retries = 0\n'
        '[defaults]\nresponse_format = "json_schema:answer"\nmax_tokens = 200\n'
        '[schemas.answer]\nfile = "answer.json"\n',
    )
    app = make_app(tmp_path, env={"OPENAI_API_KEY": "sk-no-key-needed"})
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "How are you? Answer in JSON.")
        await wait_idle(pilot)
        reply = screen_of(app).conversation.messages[-1]
        assert reply.status is MessageStatus.COMPLETE, reply.error
        assert "✓ matches the schema answer" in reply_status(app)
    validate(json.loads(reply.content), SCHEMA)
    assert reply.structured is not None and reply.structured.valid
