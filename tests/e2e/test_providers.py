"""Profiles end to end: the real SDK over HTTP against loopback servers (and a proxy)."""

from __future__ import annotations

import base64
import json
import shlex
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest
import tomli_w

from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.types import Settings
from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import Message, MessageStatus
from gpt_tui.core.planning.request_builder import ExtraParams, build_request
from gpt_tui.core.providers.base import (
    ChatProvider,
    ProviderError,
    ProviderNotice,
    StreamEvent,
    TextDelta,
)
from gpt_tui.core.providers.registry import ProviderRegistry
from tests.fake_server import (
    DEFAULT_MODELS,
    FakeOpenAIServer,
    LoopbackProxy,
    ScriptedReply,
    unsupported_param_reply,
)
from tests.fakes import make_app, write_config
from tests.ui.helpers import reply_text, screen_of, type_and_send, wait_idle

KEY_A = "sk-profile-A-0123456789abcdef"
KEY_B = "sk-profile-B-fedcba9876543210"
AZ_KEY = "az-key-0123456789abcdef0123"
HELLO = [Message("user", "hello")]


def settings_from(
    tmp_path: Path, doc: Mapping[str, object], env: dict[str, str] | None = None
) -> Settings:
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    path.chmod(0o600)
    settings, problems = load_settings(path, env or {})
    assert problems == []
    return settings


def fast(profile: Mapping[str, object]) -> dict[str, object]:
    return {"max_retries": 0, "timeout": 5.0, **profile}


async def collect(
    provider: ChatProvider, params: Params, extra: ExtraParams | None = None
) -> list[StreamEvent]:
    return [event async for event in provider.stream(build_request(params, HELLO, extra))]


def text_of(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


@pytest.fixture
async def registries() -> AsyncIterator[list[ProviderRegistry]]:
    made: list[ProviderRegistry] = []
    yield made
    for registry in made:
        await registry.aclose()


# --- Azure ---------------------------------------------------------------------------------


async def test_azure_route_query_and_key_header(
    tmp_path: Path, fake_server: FakeOpenAIServer, registries: list[ProviderRegistry]
) -> None:
    azure = {
        "kind": "azure",
        "endpoint": fake_server.origin,
        "api_key": AZ_KEY,
        "api_version": "2024-10-21",
        "deployments": {"gpt-4o": "my-gpt4o-deployment"},
    }
    settings = settings_from(tmp_path, {"profiles": {"az": fast(azure)}})
    registry = ProviderRegistry.from_settings(settings)
    registries.append(registry)
    events = await collect(registry.for_model("gpt-4o"), Params(model="gpt-4o", temperature=0.3))
    assert text_of(events) == "Hello from the test server."
    [request] = fake_server.requests
    assert (
        request.path
        == "/openai/deployments/my-gpt4o-deployment/chat/completions?api-version=2024-10-21"
    )
    assert request.headers["api-key"] == AZ_KEY
    assert "authorization" not in request.headers
    assert request.body is not None
    assert request.body["model"] == "my-gpt4o-deployment"
    assert request.body["temperature"] == 0.3
    assert registry.label_for("gpt-4o") == fake_server.origin.removeprefix("http://")


async def test_azure_from_the_environment_alone(
    tmp_path: Path, fake_server: FakeOpenAIServer, registries: list[ProviderRegistry]
) -> None:
    env = {
        "AZURE_OPENAI_API_KEY": AZ_KEY,
        "AZURE_OPENAI_ENDPOINT": fake_server.origin,
        "OPENAI_API_VERSION": "2025-01-01-preview",
    }
    settings, problems = load_settings(tmp_path / "none.toml", env)
    assert problems == []
    registry = ProviderRegistry.from_settings(settings)
    registries.append(registry)
    await collect(registry.for_model("gpt-4o-mini"), Params(model="gpt-4o-mini"))
    [request] = fake_server.requests
    assert (
        request.path
        == "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2025-01-01-preview"
    )
    assert request.headers["api-key"] == AZ_KEY


async def test_azure_ad_token_cmd(
    tmp_path: Path, fake_server: FakeOpenAIServer, registries: list[ProviderRegistry]
) -> None:
    payload = base64.urlsafe_b64encode(json.dumps({"exp": 4102444800}).encode()).decode()
    token = f"eyJhbGciOi.{payload.rstrip('=')}.sig"
    command = shlex.join([sys.executable, "-c", f"print({token!r})"])
    azure = {"kind": "azure", "endpoint": fake_server.origin, "ad_token_cmd": command}
    settings = settings_from(
        tmp_path, {"profiles": {"az": fast(azure)}}, {"AZURE_OPENAI_API_KEY": "nope"}
    )
    registry = ProviderRegistry.from_settings(settings)
    registries.append(registry)
    provider = registry.for_model("gpt-4o")
    await collect(provider, Params(model="gpt-4o"))
    await collect(provider, Params(model="gpt-4o"))
    first, second = fake_server.requests
    assert first.headers["authorization"] == f"Bearer {token}"
    assert second.headers["authorization"] == f"Bearer {token}"
    assert "api-key" not in first.headers  # never the environment's Azure key


async def test_azure_404_names_the_deployments_table(
    tmp_path: Path, fake_server: FakeOpenAIServer, registries: list[ProviderRegistry]
) -> None:
    body = {
        "error": {"code": "DeploymentNotFound", "message": "The API deployment does not exist."}
    }
    fake_server.queue(ScriptedReply(status=404, error_body=json.dumps(body)))
    azure = {"kind": "azure", "endpoint": fake_server.origin, "api_key": AZ_KEY}
    settings = settings_from(tmp_path, {"profiles": {"az": fast(azure)}})
    registry = ProviderRegistry.from_settings(settings)
    registries.append(registry)
    with pytest.raises(ProviderError) as info:
        await collect(registry.for_model("gpt-4o"), Params(model="gpt-4o"))
    assert "Azure has no deployment named 'gpt-4o'" in info.value.info.title
    assert 'profiles.az.deployments = { "gpt-4o" = "YOUR-DEPLOYMENT" }' in info.value.info.hint


# --- proxies -------------------------------------------------------------------------------


async def test_profile_proxy_carries_the_request(
    tmp_path: Path, fake_server: FakeOpenAIServer, registries: list[ProviderRegistry]
) -> None:
    with LoopbackProxy() as proxy:
        profile = {"base_url": fake_server.base_url, "api_key": KEY_A, "proxy": proxy.url}
        settings = settings_from(tmp_path, {"profiles": {"p": fast(profile)}})
        registry = ProviderRegistry.from_settings(settings)
        registries.append(registry)
        events = await collect(registry.for_model("gpt-4o-mini"), Params(model="gpt-4o-mini"))
        await registry.aclose()
    assert text_of(events) == "Hello from the test server."
    [through] = proxy.requests
    assert (through.method, through.target) == ("POST", f"{fake_server.base_url}/chat/completions")
    assert through.headers["authorization"] == f"Bearer {KEY_A}"
    [request] = fake_server.requests
    assert request.path == "/v1/chat/completions"


async def test_socks5_proxy(
    tmp_path: Path, fake_server: FakeOpenAIServer, registries: list[ProviderRegistry]
) -> None:
    with LoopbackProxy() as proxy:
        socks = f"socks5://127.0.0.1:{proxy.port}"
        profile = {"base_url": fake_server.base_url, "api_key": KEY_A, "proxy": socks}
        settings = settings_from(tmp_path, {"profiles": {"p": fast(profile)}})
        registry = ProviderRegistry.from_settings(settings)
        registries.append(registry)
        events = await collect(registry.for_model("m"), Params(model="m"))
        await registry.aclose()
    assert text_of(events) == "Hello from the test server."
    assert [(r.method, r.target) for r in proxy.requests] == [
        ("SOCKS5", f"127.0.0.1:{fake_server.port}")
    ]
    assert len(fake_server.requests) == 1


async def test_environment_proxy_is_honoured_unless_the_profile_sets_one(
    tmp_path: Path,
    fake_server: FakeOpenAIServer,
    registries: list[ProviderRegistry],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with LoopbackProxy() as env_proxy, LoopbackProxy() as profile_proxy:
        monkeypatch.delenv("NO_PROXY")
        monkeypatch.setenv("HTTP_PROXY", env_proxy.url)
        plain = {"base_url": fake_server.base_url, "api_key": KEY_A}
        own = {**plain, "proxy": profile_proxy.url}
        settings = settings_from(tmp_path, {"profiles": {"plain": fast(plain), "own": fast(own)}})
        registry = ProviderRegistry.from_settings(settings)
        registries.append(registry)
        await collect(registry.for_model("m", "plain"), Params(model="m"))
        await collect(registry.for_model("m", "own"), Params(model="m"))
        await registry.aclose()
    assert [r.target for r in env_proxy.requests] == [f"{fake_server.base_url}/chat/completions"]
    assert [r.target for r in profile_proxy.requests] == [
        f"{fake_server.base_url}/chat/completions"
    ]
    assert len(fake_server.requests) == 2


async def test_missing_proxy_fails_with_a_clear_error(
    tmp_path: Path, fake_server: FakeOpenAIServer, registries: list[ProviderRegistry]
) -> None:
    with LoopbackProxy() as gone:
        url = gone.url
    profile = {"base_url": fake_server.base_url, "api_key": KEY_A, "proxy": url}
    settings = settings_from(tmp_path, {"profiles": {"p": fast(profile)}})
    registry = ProviderRegistry.from_settings(settings)
    registries.append(registry)
    with pytest.raises(ProviderError) as info:
        await collect(registry.for_model("m"), Params(model="m"))
    assert "Could not connect" in info.value.info.title
    assert "profiles.p.proxy" in info.value.info.hint
    assert fake_server.requests == []


# --- keys ----------------------------------------------------------------------------------


async def test_api_key_cmd_key_is_sent(
    tmp_path: Path, fake_server: FakeOpenAIServer, registries: list[ProviderRegistry]
) -> None:
    command = shlex.join([sys.executable, "-c", f"print('{KEY_B}')"])
    profile = {"base_url": fake_server.base_url, "api_key_cmd": command}
    settings = settings_from(tmp_path, {"profiles": {"p": fast(profile)}})
    registry = ProviderRegistry.from_settings(settings)
    registries.append(registry)
    await collect(registry.for_model("m"), Params(model="m"))
    assert fake_server.requests[0].headers["authorization"] == f"Bearer {KEY_B}"


async def test_keys_never_cross_profiles(
    tmp_path: Path, registries: list[ProviderRegistry], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", "org-from-env")  # the SDK would send it everywhere
    with FakeOpenAIServer() as server_a, FakeOpenAIServer() as server_b:
        a = {
            "base_url": server_a.base_url,
            "api_key": KEY_A,
            "headers": {"X-Team": "alpha"},
            "organization": "org-a",
        }
        b = {"base_url": server_b.base_url, "api_key": KEY_B}
        settings = settings_from(tmp_path, {"profiles": {"a": fast(a), "b": fast(b)}})
        registry = ProviderRegistry.from_settings(settings)
        registries.append(registry)
        for profile in ("a", "b", "a", "b"):
            await collect(registry.for_model("gpt-4o-mini", profile), Params(model="gpt-4o-mini"))
        models_a = await registry.list_models("a")
        models_b = await registry.list_models("b")
        await registry.aclose()
    assert models_a.served == models_b.served == tuple(sorted(DEFAULT_MODELS))
    seen_a = [json.dumps(r.headers) for r in server_a.requests]
    seen_b = [json.dumps(r.headers) for r in server_b.requests]
    assert len(seen_a) == len(seen_b) == 3
    assert all(KEY_A in h and KEY_B not in h and "alpha" in h for h in seen_a)
    assert all(KEY_B in h and KEY_A not in h and "alpha" not in h for h in seen_b)
    assert all(r.headers.get("openai-organization") == "org-a" for r in server_a.requests)
    assert all("openai-organization" not in r.headers for r in server_b.requests)


# --- reasoning models and rejected parameters -----------------------------------------------


async def test_reasoning_model_through_the_app(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    defaults = 'temperature = 0.2\ntop_p = 0.9\nmax_tokens = 300\nsystem_prompt = "Be terse."\n'
    write_config(tmp_path, "[provider]\nmax_retries = 0\n[defaults]\n" + defaults)
    env = {"OPENAI_API_KEY": KEY_A, "OPENAI_BASE_URL": fake_server.base_url}
    app = make_app(tmp_path, env=env, model="o3-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "think")
        await wait_idle(pilot)
        assert reply_text(app) == "Hello from the test server."
    [request] = fake_server.requests
    body = request.body
    assert body is not None
    assert body["max_completion_tokens"] == 300
    assert not {"temperature", "top_p", "max_tokens"} & set(body)
    assert body["messages"] == [
        {"role": "developer", "content": "Be terse."},
        {"role": "user", "content": "think"},
    ]


async def test_rejected_parameter_is_dropped_remembered_and_reported(
    tmp_path: Path, fake_server: FakeOpenAIServer, registries: list[ProviderRegistry]
) -> None:
    fake_server.queue(unsupported_param_reply("temperature"))
    profile = {"base_url": fake_server.base_url, "api_key": KEY_A}
    settings = settings_from(tmp_path, {"profiles": {"p": fast(profile)}})
    registry = ProviderRegistry.from_settings(settings)
    registries.append(registry)
    params = Params(model="my-reasoner", temperature=0.7, top_p=0.5)
    events = await collect(registry.for_model("my-reasoner"), params)
    notices = [e for e in events if isinstance(e, ProviderNotice)]
    assert [n.text for n in notices] == [
        "The server rejected 'temperature' for my-reasoner; sent again without it "
        "(remembered for this model)"
    ]
    assert notices[0].param == "temperature"
    assert text_of(events) == "Hello from the test server."
    first, second = fake_server.requests
    assert first.body is not None and second.body is not None
    assert first.body["temperature"] == 0.7
    assert "temperature" not in second.body
    assert second.body["top_p"] == 0.5
    assert registry.rejected_params("my-reasoner") == {"temperature": None}

    events = await collect(registry.for_model("my-reasoner"), params)
    assert not [e for e in events if isinstance(e, ProviderNotice)]
    third = fake_server.requests[2].body
    assert third is not None
    assert "temperature" not in third
    assert len(fake_server.requests) == 3
    # Another model of the same profile is not affected.
    await collect(registry.for_model("other"), Params(model="other", temperature=0.7))
    fourth = fake_server.requests[3].body
    assert fourth is not None and fourth["temperature"] == 0.7


async def test_max_tokens_is_renamed_when_the_server_asks(
    tmp_path: Path, fake_server: FakeOpenAIServer, registries: list[ProviderRegistry]
) -> None:
    message = (
        "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead."
    )
    fake_server.queue(unsupported_param_reply("max_tokens", message=message))
    settings = settings_from(
        tmp_path, {"profiles": {"p": fast({"base_url": fake_server.base_url})}}
    )
    registry = ProviderRegistry.from_settings(settings)
    registries.append(registry)
    events = await collect(
        registry.for_model("new-model"), Params(model="new-model", max_tokens=99)
    )
    [notice] = [e for e in events if isinstance(e, ProviderNotice)]
    assert "sent again as 'max_completion_tokens'" in notice.text
    second = fake_server.requests[1].body
    assert second is not None
    assert second["max_completion_tokens"] == 99
    assert "max_tokens" not in second


async def test_rejected_system_role_becomes_developer(
    tmp_path: Path, fake_server: FakeOpenAIServer, registries: list[ProviderRegistry]
) -> None:
    message = "Unsupported value: 'messages[0].role' does not support 'system' with this model."
    fake_server.queue(
        unsupported_param_reply("messages[0].role", code="unsupported_value", message=message)
    )
    settings = settings_from(
        tmp_path, {"profiles": {"p": fast({"base_url": fake_server.base_url})}}
    )
    registry = ProviderRegistry.from_settings(settings)
    registries.append(registry)
    events = await collect(registry.for_model("x"), Params(model="x", system_prompt="Be terse."))
    [notice] = [e for e in events if isinstance(e, ProviderNotice)]
    assert "as a developer message" in notice.text
    second = fake_server.requests[1].body
    assert second is not None
    assert second["messages"][0] == {"role": "developer", "content": "Be terse."}


async def test_other_400s_are_not_retried(
    tmp_path: Path, fake_server: FakeOpenAIServer, registries: list[ProviderRegistry]
) -> None:
    fake_server.queue(ScriptedReply(status=400), unsupported_param_reply("model"))
    settings = settings_from(
        tmp_path, {"profiles": {"p": fast({"base_url": fake_server.base_url})}}
    )
    registry = ProviderRegistry.from_settings(settings)
    registries.append(registry)
    for _ in range(2):
        with pytest.raises(ProviderError):
            await collect(registry.for_model("x"), Params(model="x", temperature=1))
    assert len(fake_server.requests) == 2


async def test_the_chat_service_ignores_notices(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, "[provider]\nmax_retries = 0\n[defaults]\ntemperature = 0.5\n")
    fake_server.queue(unsupported_param_reply("temperature"))
    env = {"OPENAI_API_KEY": KEY_A, "OPENAI_BASE_URL": fake_server.base_url}
    app = make_app(tmp_path, env=env, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "hi")
        await wait_idle(pilot)
        assert reply_text(app) == "Hello from the test server."
        assert screen_of(app).conversation.messages[-1].status is MessageStatus.COMPLETE
    assert len(fake_server.requests) == 2


# --- model lists ---------------------------------------------------------------------------


async def test_list_models(
    tmp_path: Path, fake_server: FakeOpenAIServer, registries: list[ProviderRegistry]
) -> None:
    doc = {
        "profiles": {
            "main": fast({"base_url": fake_server.base_url, "models": ["my-fav", "gpt-4o"]}),
            "bare": fast({"base_url": f"{fake_server.origin}/no-models"}),
            "az": fast(
                {
                    "kind": "azure",
                    "endpoint": fake_server.origin,
                    "api_key": AZ_KEY,
                    "deployments": {"gpt-4o": "dep"},
                    "models": ["o3-mini"],
                }
            ),
        }
    }
    registry = ProviderRegistry.from_settings(settings_from(tmp_path, doc))
    registries.append(registry)
    main = await registry.list_models()
    assert main.profile == "main"
    assert main.models == ("my-fav", "gpt-4o", *sorted(set(DEFAULT_MODELS) - {"gpt-4o"}))
    assert main.served == tuple(sorted(DEFAULT_MODELS))
    assert main.reason is None
    assert await registry.list_models("main") is main  # cached
    assert len(fake_server.requests) == 1
    assert (await registry.list_models("main", refresh=True)) == main
    bare = await registry.list_models("bare")
    assert bare.models == ()
    assert (
        bare.reason is not None
        and "does not list its models (GET /models: HTTP 404)" in bare.reason
    )
    az = await registry.list_models("az")
    assert az.models == ("o3-mini", "gpt-4o")
    assert az.reason is not None and "profiles.az.deployments" in az.reason
    with pytest.raises(ProviderError, match="No profile named 'nope'"):
        await registry.list_models("nope")


async def test_profile_switching(tmp_path: Path, registries: list[ProviderRegistry]) -> None:
    doc = {"profiles": {"a": {"base_url": "http://127.0.0.1:9/v1"}, "b": {"kind": "openai"}}}
    registry = ProviderRegistry.from_settings(settings_from(tmp_path, doc))
    registries.append(registry)
    assert registry.profile_names == ("a", "b")
    assert registry.default_profile == "a"
    registry.set_default_profile("b")
    assert registry.settings.name == "b"
    with pytest.raises(ProviderError) as info:
        registry.for_model("gpt-4o")  # "b" has no key
    assert "profiles.b.api_key" in info.value.info.hint
    assert registry.for_model("demo").label == "demo"
    with pytest.raises(ProviderError):
        registry.set_default_profile("c")
