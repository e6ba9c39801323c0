"""Profiles in ``config.toml``: parsing, precedence, environment-only setups, key commands."""

from __future__ import annotations

import dataclasses
import os
import shlex
import sys
from pathlib import Path

import pytest
import tomli_w

from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.proxies import environment_proxy, mask_url, proxy_url_problem
from gpt_tui.core.config.secretcmd import SecretCommandError, run_secret_command
from gpt_tui.core.config.types import (
    DEFAULT_AZURE_API_VERSION,
    ConfigProblem,
    Defaults,
    ProfileNotFound,
    ProviderSettings,
    Settings,
    select_profile,
)

KEY = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"
AZ_KEY = "az-0123456789abcdef0123456789abcdef"
CMD_KEY = "sk-from-command-0123456789abcdef"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return tmp_path / "config.toml"


def by_key(problems: list[ConfigProblem]) -> dict[str | None, ConfigProblem]:
    return {p.key: p for p in problems}


def python_cmd(code: str) -> str:
    """A command line that runs ``code`` with this Python (no shell involved)."""
    return shlex.join([sys.executable, "-c", code])


def toml(value: str) -> str:
    """``value`` as a TOML string (quotes and backslashes escaped)."""
    return tomli_w.dumps({"x": value}).split("=", 1)[1].strip()


FULL = f"""\
model = "gpt-4o"
default_profile = "work"

[provider]
api_key = "{KEY}"

[profiles.work]
kind = "azure"
endpoint = "https://work.openai.azure.com/"
api_version = "2025-01-01-preview"
api_key_env = "WORK_KEY"
deployments = {{ "gpt-4o" = "my-gpt4o-deployment", "o3-mini" = "reasoning" }}
proxy = "http://user:pa55word@proxy.corp:3128"
headers = {{ "X-Team" = "research" }}
timeout = 30
max_retries = 0
models = ["gpt-4o", "o3-mini"]

[profiles.local]
kind = "compatible"
base_url = "http://localhost:11434/v1"
models = ["llama3.2"]

[profiles.openrouter]
base_url = "https://openrouter.ai/api/v1"
api_key_cmd = {{cmd}}
organization = "org-1"
project = "proj-1"
"""


def full(cfg: Path) -> Path:
    return write(cfg, FULL.replace("{cmd}", toml(python_cmd(f"print('{CMD_KEY}')"))))


# --- parsing ---------------------------------------------------------------------------------


def test_full_profiles_file(cfg: Path) -> None:
    settings, problems = load_settings(full(cfg), {"WORK_KEY": AZ_KEY, "OPENAI_API_KEY": "x"})
    assert problems == []
    assert list(settings.profiles) == ["default", "work", "local", "openrouter"]
    assert settings.default_profile == "work"
    assert settings.provider is settings.profiles["work"]

    work = settings.profiles["work"]
    assert (work.name, work.kind, work.effective_kind, work.table) == (
        "work",
        "azure",
        "azure",
        "profiles.work",
    )
    assert work.endpoint == "https://work.openai.azure.com/"
    assert work.base_url == "https://work.openai.azure.com/openai"
    assert work.url == "https://work.openai.azure.com"
    assert work.api_version == "2025-01-01-preview"
    assert (work.api_key, work.key_source) == (AZ_KEY, "$WORK_KEY")
    assert dict(work.deployments) == {"gpt-4o": "my-gpt4o-deployment", "o3-mini": "reasoning"}
    assert work.deployment_for("gpt-4o") == "my-gpt4o-deployment"
    assert work.deployment_for("gpt-4.1") == "gpt-4.1"
    assert work.proxy == "http://user:pa55word@proxy.corp:3128"
    assert dict(work.headers) == {"X-Team": "research"}
    assert (work.timeout, work.max_retries) == (30.0, 0)
    assert work.models == ("gpt-4o", "o3-mini")

    local = settings.profiles["local"]
    assert (local.effective_kind, local.base_url, local.api_key) == (
        "compatible",
        "http://localhost:11434/v1",
        None,
    )
    assert local.configured

    router = settings.profiles["openrouter"]
    assert router.kind is None
    assert router.effective_kind == "compatible"
    assert (router.api_key, router.key_source) == (
        CMD_KEY,
        "api_key_cmd (python3)".replace("python3", Path(sys.executable).name),
    )
    assert (router.organization, router.project) == ("org-1", "proj-1")

    default = settings.profiles["default"]
    assert (default.api_key, default.table, default.effective_kind) == (KEY, "provider", "openai")


def test_secrets_never_in_reprs(cfg: Path) -> None:
    settings, _ = load_settings(full(cfg), {"WORK_KEY": AZ_KEY})
    text = repr(settings) + repr(settings.profiles["openrouter"])
    for secret in (KEY, AZ_KEY, CMD_KEY, "pa55word", "research"):
        assert secret not in text
    assert "X-Team" in repr(settings.profiles["work"])  # header names are fine to show


def test_settings_built_from_one_provider_have_that_one_profile(cfg: Path) -> None:
    provider = ProviderSettings(None, "sk-x", "test")
    settings = Settings(model=None, provider=provider, defaults=Defaults(), config_file=cfg)
    assert dict(settings.profiles) == {"default": provider}
    assert settings.default_profile == "default"
    assert settings.profile() is provider
    hash(settings)


def test_provider_table_is_the_default_profile_and_wins_without_default_profile(
    cfg: Path,
) -> None:
    write(
        cfg, f'[profiles.work]\nbase_url = "https://w.example/v1"\n[provider]\napi_key = "{KEY}"\n'
    )
    settings, problems = load_settings(cfg, {})
    assert problems == []
    assert settings.default_profile == "default"
    assert settings.provider.api_key == KEY


def test_first_profile_is_used_without_provider_table(cfg: Path) -> None:
    write(cfg, '[profiles.b]\nbase_url = "http://b/v1"\n[profiles.a]\nbase_url = "http://a/v1"\n')
    settings, _ = load_settings(cfg, {"OPENAI_API_KEY": "sk-env"})
    assert list(settings.profiles) == ["default", "b", "a"]  # the env's "default" comes first
    assert settings.default_profile == "b"  # but the file's first profile is used


def test_select_profile(cfg: Path) -> None:
    settings, _ = load_settings(full(cfg), {"WORK_KEY": AZ_KEY})
    local = select_profile(settings, "local")
    assert local.default_profile == "local"
    assert local.provider is settings.profiles["local"]
    assert local.profiles == settings.profiles
    with pytest.raises(ProfileNotFound) as info:
        select_profile(settings, "lcoal")
    message = str(info.value)
    assert "No profile named 'lcoal'" in message
    assert "default, work, local, openrouter" in message
    assert "Did you mean 'local'?" in message


def test_unknown_default_profile_is_reported_and_falls_back(cfg: Path) -> None:
    write(cfg, 'default_profile = "wrok"\n[profiles.work]\nbase_url = "http://w/v1"\n')
    settings, problems = load_settings(cfg, {})
    [problem] = problems
    assert (problem.line, problem.key) == (1, "default_profile")
    assert "Did you mean 'work'?" in problem.message
    assert settings.default_profile == "work"


def test_provider_and_profiles_default_clash(cfg: Path) -> None:
    text = '[provider]\nbase_url = "http://a/v1"\n\n[profiles.default]\nbase_url = "http://b/v1"\n'
    settings, problems = load_settings(write(cfg, text), {})
    [problem] = problems
    assert (problem.line, problem.key) == (4, "profiles.default")
    assert "already the profile 'default'" in problem.message
    assert settings.provider.base_url == "http://a/v1"


# --- line-numbered problems ----------------------------------------------------------------


BAD = """\
[profiles.work]
kind = "azur"
base_url = "localhost:8000"
proxy = "ftp://proxy"
headers = { "Bad Header" = "x", "X-Ok" = 5 }
models = "gpt-4o"
timeout = -1
max_retries = 1.5
api_key_env = "sk-this-looks-like-a-key-0123456789"
endpoint = "https://x.openai.azure.com"
organizaton = "org"

[profiles.az]
kind = "azure"
deployments = { "gpt-4o" = 4 }
base_url = "https://x.example/v1"

[profiles.cmp]
kind = "compatible"

[profiles.my.work]
base_url = "http://x/v1"

[profiles]
plain = 3
"""


def test_each_bad_profile_value_is_reported_on_its_line(cfg: Path) -> None:
    settings, problems = load_settings(write(cfg, BAD), {})
    found = {p.key: p.line for p in problems}
    assert found == {
        "profiles.work.kind": 2,
        "profiles.work.base_url": 3,
        "profiles.work.proxy": 4,
        "profiles.work.headers.Bad Header": 5,
        "profiles.work.headers.X-Ok": 5,
        "profiles.work.models": 6,
        "profiles.work.timeout": 7,
        "profiles.work.max_retries": 8,
        "profiles.work.api_key_env": 9,
        "profiles.work.endpoint": 10,
        "profiles.work.organizaton": 11,
        "profiles.az": 13,  # no endpoint
        "profiles.az.deployments.gpt-4o": 15,
        "profiles.az.base_url": 16,
        "profiles.cmp.kind": 19,
        "profiles.my.work": 21,
        "profiles.plain": 25,
    }
    messages = {p.key: p.message for p in problems}
    assert (
        'must be "openai", "azure" or "compatible" (got "azur")' in messages["profiles.work.kind"]
    )
    assert "socks5://" in messages["profiles.work.proxy"]
    assert messages["profiles.work.endpoint"] == 'only used when kind = "azure"; ignored'
    assert "did you mean 'organization'?" in messages["profiles.work.organizaton"]
    assert "needs endpoint" in messages["profiles.az"]
    assert "AZURE_OPENAI_ENDPOINT" in messages["profiles.az"]
    assert "needs base_url" in messages["profiles.cmp.kind"]
    assert '[profiles."my.work"]' in messages["profiles.my.work"]
    assert "sk-this-looks" not in "".join(map(str, problems))
    # Good values survive next to bad ones.
    work = settings.profiles["work"]
    assert work.endpoint is None
    assert dict(work.headers) == {}
    assert work.timeout == 60.0


def test_header_values_are_never_echoed(cfg: Path) -> None:
    write(cfg, '[profiles.p]\nbase_url = "http://x/v1"\nheaders = { "Authorization" = "" }\n')
    [problem] = load_settings(cfg, {})[1]
    assert problem.key == "profiles.p.headers.Authorization"
    assert "got a string" in problem.message


def test_profile_key_in_readable_file_warns(cfg: Path) -> None:
    if os.name != "posix":
        pytest.skip("POSIX file modes")
    write(cfg, f'[profiles.p]\napi_key = "{KEY}"\n').chmod(0o644)
    [problem] = load_settings(cfg, {})[1]
    assert problem.key == "profiles.p.api_key"
    assert "chmod 600" in problem.message
    assert KEY not in str(problem)


def test_socks_proxy_is_accepted(cfg: Path) -> None:
    write(cfg, '[profiles.p]\nbase_url = "http://x/v1"\nproxy = "socks5://127.0.0.1:1080"\n')
    settings, problems = load_settings(cfg, {})
    assert problems == []
    assert settings.profiles["p"].proxy == "socks5://127.0.0.1:1080"


# --- keys and where they come from --------------------------------------------------------


def test_compatible_profile_never_takes_openai_key_from_env(cfg: Path) -> None:
    write(
        cfg,
        '[profiles.local]\nbase_url = "http://localhost:8000/v1"\n'
        '[profiles.official]\nkind = "openai"\n'
        '[profiles.az]\nkind = "azure"\nendpoint = "https://a.openai.azure.com"\n',
    )
    env = {"OPENAI_API_KEY": "sk-openai-env", "AZURE_OPENAI_API_KEY": "az-env"}
    profiles = load_settings(cfg, env)[0].profiles
    assert profiles["local"].api_key is None
    assert profiles["local"].key_source == "none"
    assert (profiles["official"].api_key, profiles["official"].key_source) == (
        "sk-openai-env",
        "$OPENAI_API_KEY",
    )
    assert profiles["az"].api_key == "az-env"


def test_provider_table_keeps_sending_the_env_key_to_its_url(cfg: Path) -> None:
    write(cfg, '[provider]\nbase_url = "http://localhost:8000/v1"\n')
    provider = load_settings(cfg, {"OPENAI_API_KEY": "sk-env"})[0].provider
    assert (provider.api_key, provider.effective_kind) == ("sk-env", "compatible")


def test_key_sources_precedence_is_reported(cfg: Path) -> None:
    cmd = python_cmd("print('x')")
    write(cfg, f'[profiles.p]\napi_key = "{KEY}"\napi_key_env = "K"\napi_key_cmd = {toml(cmd)}\n')
    settings, problems = load_settings(cfg, {"K": "sk-k"})
    assert settings.profiles["p"].api_key == KEY
    assert [(p.line, p.key) for p in problems] == [
        (3, "profiles.p.api_key_env"),
        (4, "profiles.p.api_key_cmd"),
    ]


def test_api_key_cmd_takes_the_first_line_of_stdout(cfg: Path) -> None:
    cmd = python_cmd(f"print('  {CMD_KEY}  '); print('login: me')")
    write(cfg, f'[profiles.p]\nkind = "openai"\napi_key_cmd = {toml(cmd)}\n')
    settings, problems = load_settings(cfg, {})
    assert problems == []
    assert settings.profiles["p"].api_key == CMD_KEY


def test_failing_api_key_cmd_is_reported_on_its_line(cfg: Path) -> None:
    cmd = python_cmd("import sys; sys.stderr.write('gpg: decryption failed\\n'); sys.exit(2)")
    write(cfg, f'[profiles.p]\nkind = "openai"\n\napi_key_cmd = {toml(cmd)}\n')
    settings, problems = load_settings(cfg, {"OPENAI_API_KEY": "sk-env"})
    [problem] = problems
    assert (problem.line, problem.key) == (4, "profiles.p.api_key_cmd")
    assert "failed (exit status 2): gpg: decryption failed" in problem.message
    assert settings.profiles["p"].api_key is None  # no fallback to another key


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/nonexistent/pass show x", "'pass' was not found"),
        (python_cmd("pass"), "printed nothing"),
        ('pass "unclosed', "cannot be split"),
    ],
)
def test_secret_command_failures(command: str, expected: str) -> None:
    with pytest.raises(SecretCommandError, match=expected):
        run_secret_command(command)


def test_secret_command_timeout() -> None:
    with pytest.raises(SecretCommandError, match=r"did not finish within 0\.5 s"):
        run_secret_command(python_cmd("import time; time.sleep(5)"), timeout=0.5)


def test_secret_command_gets_no_stdin() -> None:
    assert run_secret_command(python_cmd("import sys; print(repr(sys.stdin.read()))")) == "''"


# --- environment-only setups --------------------------------------------------------------


def test_env_only_openai(cfg: Path) -> None:
    settings, problems = load_settings(cfg, {"OPENAI_API_KEY": KEY})
    assert problems == []
    assert list(settings.profiles) == ["default"]
    assert settings.provider.effective_kind == "openai"
    assert settings.provider.url == "https://api.openai.com/v1"


def test_env_only_compatible(cfg: Path) -> None:
    settings, _ = load_settings(cfg, {"OPENAI_BASE_URL": "http://localhost:11434/v1"})
    assert settings.provider.effective_kind == "compatible"
    assert settings.provider.configured
    assert settings.provider.host == "localhost:11434"


def test_env_only_azure(cfg: Path) -> None:
    env = {
        "AZURE_OPENAI_API_KEY": AZ_KEY,
        "AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com",
        "OPENAI_API_VERSION": "2024-12-01-preview",
    }
    settings, problems = load_settings(cfg, env)
    assert problems == []
    assert list(settings.profiles) == ["azure"]
    azure = settings.provider
    assert (azure.name, azure.kind, azure.table) == ("azure", "azure", "profiles.azure")
    assert (azure.api_key, azure.key_source) == (AZ_KEY, "$AZURE_OPENAI_API_KEY")
    assert azure.api_version == "2024-12-01-preview"
    assert azure.base_url == "https://res.openai.azure.com/openai"
    del env["OPENAI_API_VERSION"]
    assert load_settings(cfg, env)[0].provider.api_version == DEFAULT_AZURE_API_VERSION


def test_env_openai_and_azure_give_two_profiles(cfg: Path) -> None:
    env = {"OPENAI_API_KEY": KEY, "AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com"}
    settings, _ = load_settings(cfg, env)
    assert list(settings.profiles) == ["default", "azure"]
    assert settings.default_profile == "default"
    assert settings.profiles["azure"].api_key is None  # no Azure key: never OpenAI's


def test_azure_ad_token_cmd_replaces_the_key(cfg: Path) -> None:
    write(
        cfg,
        '[profiles.az]\nkind = "azure"\nendpoint = "https://r.openai.azure.com"\n'
        'ad_token_cmd = "az account get-access-token"\n',
    )
    az = load_settings(cfg, {"AZURE_OPENAI_API_KEY": AZ_KEY})[0].profiles["az"]
    assert az.api_key is None
    assert az.ad_token_cmd == "az account get-access-token"
    assert az.key_source == "ad_token_cmd (az)"
    assert az.configured


def test_profile_settings_are_replaceable(cfg: Path) -> None:
    settings, _ = load_settings(full(cfg), {"WORK_KEY": AZ_KEY})
    changed = dataclasses.replace(settings.provider, timeout=5.0)
    assert changed.deployments == settings.provider.deployments


# --- proxies -------------------------------------------------------------------------------


def test_environment_proxy_rules() -> None:
    env = {
        "HTTPS_PROXY": "http://proxy:3128",
        "http_proxy": "proxy:8080",
        "NO_PROXY": ".corp,10.0.0.0/8",
    }
    https = environment_proxy("https://api.openai.com/v1", env)
    assert https is not None
    assert (https.url, https.source) == ("http://proxy:3128", "$HTTPS_PROXY")
    plain = environment_proxy("http://example.org/v1", env)
    assert plain is not None
    assert (plain.url, plain.source) == ("http://proxy:8080", "$http_proxy")
    assert environment_proxy("https://llm.corp/v1", env) is None
    assert environment_proxy("https://x.llm.corp/v1", env) is None
    assert environment_proxy("http://10.1.2.3:8000/v1", env) is None
    assert environment_proxy("https://a/v1", {"ALL_PROXY": "socks5://s:1080"}) is not None
    assert environment_proxy("https://a/v1", {"HTTPS_PROXY": "http://p", "NO_PROXY": "*"}) is None
    assert environment_proxy(
        "https://a/v1", {"https_proxy": "http://low", "HTTPS_PROXY": "http://up"}
    ) == (environment_proxy("https://a/v1", {"https_proxy": "http://low"}))


def test_proxy_urls() -> None:
    assert mask_url("http://user:secret@proxy:3128") == "http://user:•••@proxy:3128"
    assert mask_url("http://proxy:3128") == "http://proxy:3128"
    assert proxy_url_problem("socks5h://p:1080") is None
    assert proxy_url_problem("proxy:3128") is not None
    assert proxy_url_problem("http://p:99999") is not None
