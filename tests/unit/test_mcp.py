"""MCP servers: ``[mcp.servers.NAME]`` in config, and the real ``mcp-server-time`` through
the official SDK (started, listed, called, stopped)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.mcp_settings import McpServerSettings
from gpt_tui.core.domain.tools import ToolCall, ToolCatalog
from gpt_tui.core.service.mcp import McpServers, function_name

TIME_SERVER = shutil.which("mcp-server-time") or str(
    Path(sys.executable).with_name("mcp-server-time")
)
needs_time_server = pytest.mark.skipif(
    not Path(TIME_SERVER).exists(), reason="mcp-server-time is not installed (test extras)"
)


def time_server(**changes: object) -> McpServerSettings:
    settings = McpServerSettings(
        name="time", command=TIME_SERVER, args=("--local-timezone", "UTC"), timeout=20.0
    )
    from dataclasses import replace

    return replace(settings, **changes)  # type: ignore[arg-type]


CONFIG = """\
[mcp.servers.time]
command = "mcp-server-time"
args = ["--local-timezone", "UTC"]
env = { TZ = "UTC", TOKEN = "${MY_TOKEN}" }
auto_approve = ["get_current_time"]
timeout = 5

[mcp.servers.web]
url = "http://127.0.0.1:8000/mcp"

[mcp.servers.both]
command = "x"
url = "http://127.0.0.1:1/mcp"

[mcp.servers.missing_var]
command = "x"
env = { KEY = "${NOT_SET}" }

[mcp.servers.typo]
comand = "x"
"""


def test_servers_are_read_with_variables_and_each_mistake_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    path.chmod(0o600)
    settings, problems = load_settings(path, {"MY_TOKEN": "s3cret", "OPENAI_API_KEY": "sk-x"})
    time = settings.mcp["time"]
    assert time.command == "mcp-server-time" and time.args == ("--local-timezone", "UTC")
    assert dict(time.env) == {"TZ": "UTC", "TOKEN": "s3cret"}
    assert time.auto_approve == frozenset({"get_current_time"}) and time.timeout == 5
    assert "s3cret" not in repr(time)
    assert settings.mcp["web"].url == "http://127.0.0.1:8000/mcp"
    assert set(settings.mcp) == {"time", "web"}
    found = {(p.key, p.line): p.message for p in problems}
    assert "not both" in found[("mcp.servers.both.url", 13)]
    assert found[("mcp.servers.missing_var.env", 17)] == "KEY uses ${NOT_SET}, which is not set"
    typo = found[("mcp.servers.typo.comand", 20)]
    assert typo == "unknown key 'comand' (did you mean 'command'?)"
    assert found[("mcp.servers.typo", 19)].startswith('needs command = "…"')


def test_names_a_server_does_not_answer_are_explained() -> None:
    servers = McpServers({"time": time_server()})
    catalog = ToolCatalog(source=servers)
    found, missing = catalog.resolve(["mcp:time", "mcp:nope"])
    assert found == [] and missing == ["mcp:time", "mcp:nope"]
    assert catalog.problem(["mcp:time"]) is None  # started before the request goes out
    assert "[mcp.servers.nope]" in (catalog.problem(["mcp:nope"]) or "")


@needs_time_server
async def test_the_real_time_server_lists_runs_and_stops(tmp_path: Path) -> None:
    servers = McpServers({"time": time_server(auto_approve=frozenset({"get_current_time"}))})
    try:
        status = await servers.ensure("time")
        assert status.state == "ready", status
        assert set(status.tools) == {"get_current_time", "convert_time"}
        catalog = ToolCatalog(source=servers)
        found, missing = catalog.resolve(["mcp:time/get_current_time"])
        assert missing == []
        assert [d.name for d in found] == [function_name("time", "get_current_time")]
        assert found[0].parameters["type"] == "object"
        call = ToolCall("c1", "time__get_current_time", '{"timezone": "UTC"}')
        assert servers.auto_approved(call.name)
        assert not servers.auto_approved("time__convert_time")
        outcome = await servers.call(call)
        assert not outcome.is_error
        assert json.loads(outcome.text)["timezone"] == "UTC"
        bad = await servers.call(ToolCall("c2", "time__get_current_time", "{oops"))
        assert bad.is_error and "not valid JSON" in bad.text
        wrong = await servers.call(
            ToolCall("c3", "time__get_current_time", '{"timezone": "Mars/Base"}')
        )
        assert wrong.is_error
    finally:
        await servers.aclose()
    assert servers.status()[0].state == "not started"


async def test_a_server_that_cannot_start_is_reported_with_its_stderr(tmp_path: Path) -> None:
    script = tmp_path / "broken.py"
    script.write_text(
        "import sys\nprint('missing config file xyz', file=sys.stderr)\nsys.exit(3)\n"
    )
    broken = McpServerSettings(
        name="broken", command=sys.executable, args=(str(script),), timeout=10
    )
    servers = McpServers({"broken": broken})
    try:
        status = await servers.ensure("broken")
    finally:
        await servers.aclose()
    assert status.state == "failed"
    assert "missing config file xyz" in status.stderr_tail
    problem = servers.problem("mcp:broken")
    assert problem is not None and "missing config file xyz" in problem


async def test_the_server_gets_no_secret_from_our_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-leak")
    out = tmp_path / "env.json"
    script = tmp_path / "dump_env.py"
    script.write_text(
        f"import json, os, sys\njson.dump(dict(os.environ), open({str(out)!r}, 'w'))\nsys.exit(1)\n"
    )
    server = McpServerSettings(
        name="dump", command=sys.executable, args=(str(script),), env={"TZ": "UTC"}, timeout=10
    )
    servers = McpServers({"dump": server})
    try:
        await servers.ensure("dump")
    finally:
        await servers.aclose()
    seen = json.loads(out.read_text())
    assert "OPENAI_API_KEY" not in seen
    assert seen["TZ"] == "UTC" and "PATH" in seen


CLAUDE = {
    "mcpServers": {
        "time": {"command": "mcp-server-time", "args": ["--local-timezone", "UTC"]},
        "files": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
            "env": {"TOKEN": "${MY_TOKEN}"},
        },
        "web": {"type": "http", "url": "http://127.0.0.1:8000/mcp"},
        "bad name!": {"command": "x"},
        "broken": {"args": []},
    }
}


def test_claude_desktop_servers_are_appended_to_config_keeping_it(tmp_path: Path) -> None:
    from gpt_tui.core.config.mcp_import import import_claude_servers

    source = tmp_path / "claude_desktop_config.json"
    source.write_text(json.dumps(CLAUDE), encoding="utf-8")
    config = tmp_path / "config.toml"
    original = '# my settings\nmodel = "gpt-4o"\n\n[mcp.servers.time]\ncommand = "other"\n'
    config.write_text(original, encoding="utf-8")
    config.chmod(0o600)
    result = import_claude_servers(source, config, {"MY_TOKEN": "tok"})
    assert [s.name for s in result.added] == ["files", "web"]
    assert result.skipped[0] == "time: config.toml already has [mcp.servers.time]"
    assert any(line.startswith("bad name!:") for line in result.skipped)
    assert any(line.startswith("broken:") for line in result.skipped)
    text = config.read_text(encoding="utf-8")
    assert text.startswith(original.rstrip())  # comments and all kept
    assert config.stat().st_mode & 0o777 == 0o600
    settings, problems = load_settings(config, {"MY_TOKEN": "tok"})
    assert problems == []
    assert set(settings.mcp) == {"time", "files", "web"}
    assert settings.mcp["time"].command == "other"
    assert dict(settings.mcp["files"].env) == {"TOKEN": "tok"}
    assert "${MY_TOKEN}" in text  # the variable is kept, not its value


async def test_importing_offers_the_servers_at_once(tmp_path: Path) -> None:
    from gpt_tui.core.service.tools import ToolsService

    source = tmp_path / "claude.json"
    source.write_text(json.dumps({"mcpServers": {"web": CLAUDE["mcpServers"]["web"]}}))
    servers = McpServers({})
    service = ToolsService(ToolCatalog(source=servers), servers)
    service.import_claude(source, tmp_path / "config.toml", {})
    assert servers.names() == ("web",)
    assert servers.status()[0].state == "not started"


SLOW_SERVER = Path(__file__).resolve().parent.parent / "fixtures" / "mcp" / "slow_server.py"


def slow_server(timeout: float) -> McpServers:
    settings = McpServerSettings(
        name="slow", command=sys.executable, args=(str(SLOW_SERVER),), timeout=timeout
    )
    return McpServers({"slow": settings})


async def test_a_call_that_hangs_times_out_and_the_server_stays_usable() -> None:
    servers = slow_server(timeout=3.0)
    try:
        assert (await servers.ensure("slow")).state == "ready", servers.status()
        slow = await servers.call(ToolCall("c1", "slow__wait", '{"seconds": 30}'))
        assert slow.is_error and "did not answer within 3 s" in slow.text
        quick = await servers.call(ToolCall("c2", "slow__wait", '{"seconds": 0}'))
        assert not quick.is_error and "waited 0" in quick.text
    finally:
        await servers.aclose()


async def test_a_server_that_crashes_mid_call_is_reported_with_its_stderr() -> None:
    servers = slow_server(timeout=10.0)
    try:
        assert (await servers.ensure("slow")).state == "ready", servers.status()
        outcome = await servers.call(ToolCall("c1", "slow__crash", "{}"))
        assert outcome.is_error
        assert "crashed on purpose" in outcome.text
    finally:
        await servers.aclose()
