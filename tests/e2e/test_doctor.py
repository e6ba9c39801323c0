"""``gpt-tui doctor`` against loopback servers: a good setup and the classic failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from gpt_tui.cli import main
from gpt_tui.commands import doctor
from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.model_choice import choose_default_model
from gpt_tui.core.domain.message import ErrorInfo
from gpt_tui.core.providers.errors import describe_error
from gpt_tui.core.providers.server_info import window_urls
from tests.fake_server import FakeOpenAIServer, LoopbackProxy, ScriptedReply, SilentServer

KEY = "sk-doctor-0123456789abcdefWXYZ"
MASKED = "sk-…WXYZ"


def run_doctor(
    capsys: pytest.CaptureFixture[str], home: Path, env: dict[str, str], *args: str
) -> tuple[int, str]:
    code = doctor.run("doctor", ["--data-dir", str(home), *args], env)
    out = capsys.readouterr().out
    assert KEY not in out
    return code, out


def write_config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)


def lines_with(out: str, mark: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.strip().startswith(mark)]


def test_good_setup_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeOpenAIServer(required_key=KEY) as server:
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}
        code, out = run_doctor(capsys, tmp_path, env, "--model", "gpt-4o-mini")
    assert code == 0, out
    assert lines_with(out, "✗") == []
    assert f"API key {MASKED} from $OPENAI_API_KEY" in out
    assert "✓ TCP: connected to 127.0.0.1:" in out
    assert "✓ authentication: the server accepted the key (GET /models: 3 models" in out
    assert "✓ model gpt-4o-mini is one the server lists" in out
    assert "✓ tokenizer: o200k_base and cl100k_base load offline" in out
    assert "✓ price data: gpt-4o-mini costs $0.15 / $0.60" in out
    assert out.rstrip().endswith("All checks passed.")
    # GET /models for the key and the model, then the context window's questions.
    window = [urlsplit(url).path for url in window_urls(env["OPENAI_BASE_URL"])]
    assert [r.path for r in server.requests] == ["/v1/models", *window]
    assert "! context window of gpt-4o-mini is unknown" not in out


def test_wrong_key_is_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failure reads as the chat would say it: describe_error's words."""
    described: list[ErrorInfo] = []

    def recording(*args: Any, **kwargs: Any) -> ErrorInfo:
        described.append(describe_error(*args, **kwargs))
        return described[-1]

    monkeypatch.setattr(doctor, "describe_error", recording)
    with FakeOpenAIServer(required_key="sk-the-right-one-0123456789") as server:
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}
        code, out = run_doctor(capsys, tmp_path, env)
    assert code == 1
    [failure] = lines_with(out, "✗")
    [info] = described
    assert info.status == 401
    assert failure == f"✗ GET /models: {info.title}"
    assert failure.startswith("✗ GET /models: The server rejected the API key (HTTP 401)")
    assert "fix: set OPENAI_API_KEY, or provider.api_key" in out
    assert "1 problem found" in out


def test_wrong_key_of_a_profile_names_its_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOpenAIServer(required_key="sk-the-right-one-0123456789") as server:
        write_config(
            tmp_path, f'[profiles.work]\nbase_url = "{server.base_url}"\napi_key_env = "WORK_KEY"\n'
        )
        code, out = run_doctor(capsys, tmp_path, {"WORK_KEY": KEY}, "--profile", "work")
    assert code == 1
    assert "profile 'work' (--profile): kind compatible" in out
    assert f"API key {MASKED} from $WORK_KEY" in out
    assert "fix: check $WORK_KEY (named by profiles.work.api_key_env)" in out


def test_no_api_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_config(tmp_path, '[profiles.main]\nkind = "openai"\n')
    code, out = run_doctor(capsys, tmp_path, {})
    assert code == 1
    assert "✗ No API key provided" in out
    assert "fix: set OPENAI_API_KEY, or profiles.main.api_key (or api_key_env / api_key_cmd)" in out


def test_connection_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeOpenAIServer() as server:
        url = server.base_url
    code, out = run_doctor(capsys, tmp_path, {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": url})
    assert code == 1
    assert "refused the connection (nothing is listening there)" in out
    assert (
        "fix: start the server, or correct the host and port in "
        "OPENAI_BASE_URL or provider.base_url" in out
    )
    assert "skipped: the server cannot be reached" in out


def test_silent_network_suggests_a_proxy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SilentServer() as silent:
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": silent.base_url}
        code, out = run_doctor(capsys, tmp_path, env, "--timeout", "1")
    assert code == 1
    [failure] = lines_with(out, "✗")
    assert "accepted the connection but sent no answer within 1 s" in failure
    assert "needs a proxy: set HTTPS_PROXY=http://host:port or provider.proxy" in out


def test_checks_go_through_the_environment_proxy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOpenAIServer(required_key=KEY) as server, LoopbackProxy() as proxy:
        url = server.base_url
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": url, "HTTP_PROXY": proxy.url}
        code, out = run_doctor(capsys, tmp_path, env)
    assert code == 0, out
    assert f"✓ proxy: {proxy.url} (from $HTTP_PROXY)" in out
    assert "✓ proxy TCP: connected to" in out
    assert [r.target for r in proxy.requests] == [f"{url}/models", *window_urls(url)]


def test_profile_proxy_that_is_down(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with LoopbackProxy() as gone:
        proxy_url = gone.url
    with FakeOpenAIServer() as server:
        write_config(
            tmp_path,
            f'[profiles.p]\nbase_url = "{server.base_url}"\napi_key = "{KEY}"\n'
            f'proxy = "{proxy_url}"\n',
        )
        code, out = run_doctor(capsys, tmp_path, {})
    assert code == 1
    assert "! directly: " not in out  # the direct path works here
    assert f"✗ proxy TCP: 127.0.0.1:{gone.port} refused the connection" in out
    assert "check that the proxy is running and its address in profiles.p.proxy" in out


def test_plain_http_server_behind_an_https_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOpenAIServer() as server:
        url = server.base_url.replace("http://", "https://")
        code, out = run_doctor(capsys, tmp_path, {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": url})
    assert code == 1
    assert "does not speak TLS" in out
    assert "use http:// in OPENAI_BASE_URL or provider.base_url" in out


def test_azure_deployment_name_advice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = {
        "error": {"code": "DeploymentNotFound", "message": "The API deployment does not exist."}
    }
    with FakeOpenAIServer(required_key=KEY) as server:
        write_config(
            tmp_path,
            f'[profiles.az]\nkind = "azure"\nendpoint = "{server.origin}"\napi_key = "{KEY}"\n'
            'deployments = { "gpt-4o" = "prod-4o" }\n',
        )
        code, out = run_doctor(capsys, tmp_path, {}, "--model", "gpt-4o")
        assert code == 0, out
        assert "✓ authentication: accepted; deployment 'prod-4o' (mapped from gpt-4o)" in out
        server.queue(ScriptedReply(status=404, error_body=json.dumps(body)))
        code, out = run_doctor(capsys, tmp_path, {}, "--model", "gpt-4.1")
        paths = [r.path for r in server.requests]
    assert code == 1
    assert "✗ Azure has no deployment named 'gpt-4.1' at 127.0.0.1:" in out
    assert 'profiles.az.deployments = { "gpt-4.1" = "YOUR-DEPLOYMENT" }' in out
    assert paths == [
        "/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21",
        "/openai/deployments/gpt-4.1/chat/completions?api-version=2024-10-21",
    ]


def test_deployment_name_used_as_model_on_openai(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOpenAIServer() as server:
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}
        code, out = run_doctor(capsys, tmp_path, env, "--model", "my-gpt4o-deployment")
    assert code == 1
    assert "✗ model my-gpt4o-deployment is not among the 3 models" in out
    assert (
        "Azure deployment name: use the model's name and map it in profiles.NAME.deployments" in out
    )


def test_config_problems_and_unknown_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(tmp_path, 'model = "gpt-4o"\n[profiles.work]\nkind = "azur"\n')
    code, out = run_doctor(capsys, tmp_path, {}, "--profile", "wrk")
    assert code == 1
    assert (
        'config.toml, line 3, profiles.work.kind: must be "openai", "azure" or "compatible"' in out
    )
    assert "✗ No profile named 'wrk'. Profiles: work. Did you mean 'work'?" in out


def test_reasoning_model_notes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeOpenAIServer() as server:
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}
        code, out = run_doctor(capsys, tmp_path, env, "--model", "o3-mini")
    assert code == 0, out
    assert "✓ model o3-mini (--model): reasoning model (o3-mini)" in out
    assert "o3-mini ignores temperature: reasoning models use a fixed sampling temperature" in out


def test_cli_dispatches_to_doctor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeOpenAIServer() as server:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code = main(["doctor", "--data-dir", str(tmp_path), "--timeout", "3"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "at most 3 s per check" in out


def test_https_through_a_connect_proxy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeOpenAIServer() as server, LoopbackProxy() as proxy:
        url = server.base_url.replace("http://", "https://")
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": url, "HTTPS_PROXY": proxy.url}
        code, out = run_doctor(capsys, tmp_path, env, "--timeout", "2")
        port = server.port
    assert code == 1
    # Direct trouble is only a note when a proxy is configured.
    assert f"! directly: TLS: 127.0.0.1:{port} does not speak TLS" in out
    assert f"✓ proxy CONNECT 127.0.0.1:{port}: tunnel open" in out
    assert f"✗ TLS through the proxy: 127.0.0.1:{port} does not speak TLS" in out
    assert proxy.requests[0].method == "CONNECT"
    assert proxy.requests[0].target == f"127.0.0.1:{port}"


def test_proxy_that_wants_credentials(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeOpenAIServer() as server, LoopbackProxy(require_auth="me:pw") as proxy:
        url = server.base_url.replace("http://", "https://")
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": url, "HTTPS_PROXY": proxy.url}
        code, out = run_doctor(capsys, tmp_path, env, "--timeout", "2")
        authed = proxy.url.replace("http://", "http://me:pw@")
        _, with_auth = run_doctor(
            capsys, tmp_path, {**env, "HTTPS_PROXY": authed}, "--timeout", "2"
        )
    assert code == 1
    assert "the proxy wants a user name and password (HTTP/1.1 407" in out
    assert "http://USER:PASSWORD@host:port ($HTTPS_PROXY)" in out
    assert "tunnel open" in with_auth
    assert "me:•••@" in with_auth
    assert "me:pw@" not in with_auth


def test_failing_ad_token_cmd(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shlex
    import sys

    command = shlex.join([sys.executable, "-c", "import sys; sys.exit('az: please run az login')"])
    with FakeOpenAIServer() as server:
        write_config(
            tmp_path,
            f'[profiles.az]\nkind = "azure"\nendpoint = "{server.origin}"\n'
            f"ad_token_cmd = {json.dumps(command)}\n",
        )
        code, out = run_doctor(capsys, tmp_path, {}, "--model", "gpt-4o")
        requests = list(server.requests)
    assert code == 1
    assert "Microsoft Entra ID token from ad_token_cmd" in out
    assert "✗ Could not get an Azure AD token: " in out
    assert "az: please run az login" in out
    assert "profiles.az.ad_token_cmd" in out
    assert requests == []


LOCAL_PROFILE = """\
default_profile = "local"

[profiles.local]
kind = "compatible"
base_url = "{url}"
models = ["llama3.2"]
"""


def test_doctor_checks_the_model_the_app_starts_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A profile's first model is what new chats use, and what doctor checks."""
    with FakeOpenAIServer() as server:
        write_config(tmp_path, LOCAL_PROFILE.format(url=server.base_url))
        _, out = run_doctor(capsys, tmp_path, {})
    settings, problems = load_settings(tmp_path / "config.toml", {})
    assert problems == []
    assert choose_default_model(None, settings) == "llama3.2"
    assert "✓ model llama3.2 (first of profiles.local.models): chat model" in out


def test_doctor_prices_the_model_of_the_profile_it_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Groq's price applies only at Groq's URL: checking the local profile with --profile
    must not borrow the default profile's URL to price its model."""
    model = "llama-3.3-70b-versatile"
    with FakeOpenAIServer() as server:
        write_config(
            tmp_path,
            'default_profile = "groq"\n\n[profiles.groq]\n'
            'base_url = "https://api.groq.com/openai/v1"\napi_key = "gsk-0123456789abcdef"\n\n'
            f'[profiles.local]\nbase_url = "{server.base_url}"\nmodels = ["{model}"]\n',
        )
        _, out = run_doctor(capsys, tmp_path, {}, "--profile", "local")
    assert f"model {model} (first of profiles.local.models)" in out
    assert f"! price data loads, but has no price for {model}" in out


def test_doctor_says_where_the_context_window_came_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOpenAIServer(required_key=KEY) as server:
        server.json_routes[("GET", "/v1/models")] = {"data": [{"id": "tiny-llama"}]}
        server.json_routes[("GET", "/props")] = {"default_generation_settings": {"n_ctx": 512}}
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}
        _code, out = run_doctor(capsys, tmp_path, env, "--model", "tiny-llama")
        server.json_routes.clear()
        _code, unknown = run_doctor(capsys, tmp_path, env, "--model", "tiny-llama")
        write_config(tmp_path, '[models."tiny-llama"]\ncontext_window = 2048\n')
        _code, configured = run_doctor(capsys, tmp_path, env, "--model", "tiny-llama")
    assert (
        "✓ context window of tiny-llama: 512 tokens (from the server: llama.cpp /props (n_ctx))"
        in out
    )
    assert "! context window of tiny-llama is unknown" in unknown
    assert 'set [models."tiny-llama"] context_window = TOKENS in config.toml' in unknown
    assert '✓ context window of tiny-llama: 2,048 tokens (config.toml [models."tiny-llama"])' in (
        configured
    )
