"""Tests for loading, validating and writing ``config.toml``."""

from __future__ import annotations

import os
import stat
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpt_tui.core.config.checks import base_url_problem
from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.types import (
    ConfigProblem,
    ConfigWriteError,
    Defaults,
    ModelOverride,
    ProviderSettings,
    Settings,
)
from gpt_tui.core.config.writing import save_setup

KEY = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"

FULL = f"""\
# Model for new conversations.
model = "gpt-4o-mini"

[provider]
base_url = "http://localhost:11434/v1"
api_key = "{KEY}"
timeout = 30
max_retries = 5

[defaults]
temperature = 0.7
top_p = 1
max_tokens = 1024
system_prompt = "You are a helpful assistant."
"""

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return tmp_path / "config.toml"


def by_key(problems: list[ConfigProblem]) -> dict[str | None, ConfigProblem]:
    return {p.key: p for p in problems}


# --- loading -------------------------------------------------------------------------------


def test_missing_file_gives_defaults_and_no_problems(cfg: Path) -> None:
    settings, problems = load_settings(cfg, {})
    assert problems == []
    assert settings == Settings(
        model=None,
        provider=ProviderSettings(base_url=None, api_key=None, key_source="none"),
        defaults=Defaults(),
        config_file=cfg,
    )
    assert not settings.provider.configured
    assert not cfg.exists()


def test_full_valid_file(cfg: Path) -> None:
    settings, problems = load_settings(write(cfg, FULL), {"OPENAI_API_KEY": "sk-env"})
    assert problems == []
    assert settings.model == "gpt-4o-mini"
    assert settings.provider == ProviderSettings(
        base_url="http://localhost:11434/v1",
        api_key=KEY,
        key_source="config.toml",
        timeout=30.0,
        max_retries=5,
    )
    assert isinstance(settings.provider.timeout, float)
    assert settings.defaults == Defaults(
        temperature=0.7, top_p=1.0, max_tokens=1024, system_prompt="You are a helpful assistant."
    )
    assert settings.provider.configured


def test_environment_fills_what_the_file_leaves_unset(cfg: Path) -> None:
    env = {"OPENAI_API_KEY": " sk-from-env ", "OPENAI_BASE_URL": "https://proxy.example/v1"}
    settings, problems = load_settings(cfg, env)
    assert problems == []
    assert settings.provider.api_key == "sk-from-env"
    assert settings.provider.key_source == "$OPENAI_API_KEY"
    assert settings.provider.base_url == "https://proxy.example/v1"


def test_file_values_win_over_environment(cfg: Path) -> None:
    write(cfg, f'[provider]\napi_key = "{KEY}"\nbase_url = "https://file.example/v1"\n')
    env = {"OPENAI_API_KEY": "sk-from-env", "OPENAI_BASE_URL": "https://env.example/v1"}
    provider = load_settings(cfg, env)[0].provider
    assert (provider.api_key, provider.key_source) == (KEY, "config.toml")
    assert provider.base_url == "https://file.example/v1"


def test_empty_strings_count_as_unset(cfg: Path) -> None:
    write(cfg, 'model = ""\n[provider]\napi_key = ""\nbase_url = " "\n')
    env = {"OPENAI_API_KEY": "sk-from-env", "OPENAI_BASE_URL": ""}
    settings, problems = load_settings(cfg, env)
    assert problems == []
    assert settings.model is None
    assert settings.provider.api_key == "sk-from-env"
    assert settings.provider.base_url is None


def test_base_url_alone_counts_as_configured(cfg: Path) -> None:
    write(cfg, '[provider]\nbase_url = "http://localhost:11434/v1"\n')
    provider = load_settings(cfg, {})[0].provider
    assert provider.api_key is None
    assert provider.key_source == "none"
    assert provider.configured


def test_api_key_env_names_the_variable(cfg: Path) -> None:
    write(cfg, '[provider]\napi_key_env = "MY_KEY"\n')
    settings, problems = load_settings(cfg, {"MY_KEY": "sk-mine", "OPENAI_API_KEY": "sk-other"})
    assert problems == []
    assert settings.provider.api_key == "sk-mine"
    assert settings.provider.key_source == "$MY_KEY"


def test_api_key_env_unset_is_a_problem_and_does_not_fall_back(cfg: Path) -> None:
    write(cfg, '[provider]\napi_key_env = "MY_KEY"\n')
    settings, problems = load_settings(cfg, {"OPENAI_API_KEY": "sk-other"})
    assert settings.provider.api_key is None
    assert settings.provider.key_source == "none"
    [problem] = problems
    assert (problem.line, problem.key) == (2, "provider.api_key_env")
    assert "$MY_KEY" in problem.message


def test_api_key_env_that_looks_like_a_key_is_not_echoed(cfg: Path) -> None:
    write(cfg, f'[provider]\napi_key_env = "{KEY}"\n')
    _, problems = load_settings(cfg, {})
    [problem] = problems
    assert problem.key == "provider.api_key_env"
    assert KEY not in str(problem)


def test_api_key_and_api_key_env_together_prefers_the_file(cfg: Path) -> None:
    write(cfg, f'[provider]\napi_key = "{KEY}"\napi_key_env = "MY_KEY"\n')
    settings, problems = load_settings(cfg, {"MY_KEY": "sk-mine"})
    assert settings.provider.api_key == KEY
    assert [(p.line, p.key) for p in problems] == [(3, "provider.api_key_env")]


def test_syntax_error_reports_its_line_and_uses_defaults(cfg: Path) -> None:
    write(cfg, 'model = "gpt-4o"\n\n[defaults]\ntemperature = \n')
    settings, problems = load_settings(cfg, {"OPENAI_API_KEY": "sk-env"})
    assert settings.model is None
    assert settings.provider.api_key == "sk-env"
    [problem] = problems
    assert problem.line == 4
    assert problem.key is None
    assert "not valid TOML" in problem.message
    assert str(problem).startswith(f"{cfg}, line 4: not valid TOML")


def test_syntax_error_at_end_of_document_has_a_line(cfg: Path) -> None:
    write(cfg, "a = 1\nb = [1,\n")
    [problem] = load_settings(cfg, {})[1]
    assert problem.line == 2


@pytest.mark.parametrize(
    ("line", "key", "expected"),
    [
        ('temperature = "hot"', "defaults.temperature", 'number from 0 to 2 (got "hot")'),
        ("temperature = 7", "defaults.temperature", "number from 0 to 2 (got 7)"),
        ("temperature = true", "defaults.temperature", "(got true)"),
        ("temperature = nan", "defaults.temperature", "(got nan)"),
        ("top_p = 1.5", "defaults.top_p", "number from 0 to 1 (got 1.5)"),
        ("max_tokens = 1.5", "defaults.max_tokens", "whole number of at least 1 (got 1.5)"),
        ("max_tokens = 0", "defaults.max_tokens", "whole number of at least 1 (got 0)"),
        ("system_prompt = 3", "defaults.system_prompt", "must be a string (got an integer)"),
    ],
)
def test_bad_default_is_reported_on_its_line_and_others_survive(
    cfg: Path, line: str, key: str, expected: str
) -> None:
    text = f'model = "m"\n\n[defaults]\nsystem_prompt = "hi"\nmax_tokens = 10\n{line}\n'
    text = text.replace('system_prompt = "hi"\n', "") if "system_prompt" in line else text
    text = text.replace("max_tokens = 10\n", "") if "max_tokens" in line else text
    write(cfg, text)
    settings, problems = load_settings(cfg, {})
    [problem] = problems
    assert problem.key == key
    assert problem.line == text.split("\n").index(line) + 1
    assert expected in problem.message
    assert settings.model == "m"
    if "system_prompt" not in line:
        assert settings.defaults.system_prompt == "hi"
    if "max_tokens" not in line:
        assert settings.defaults.max_tokens == 10


def test_each_bad_provider_value_reported_on_its_line(cfg: Path) -> None:
    text = (
        '[provider]\nbase_url = "localhost:11434"\napi_key = 5\n'
        "timeout = 0\nmax_retries = -1\n\n[defaults]\ntemperature = 0.5\n"
    )
    settings, problems = load_settings(write(cfg, text), {"OPENAI_API_KEY": "sk-env"})
    found = {k: p.line for k, p in by_key(problems).items()}
    assert found == {
        "provider.base_url": 2,
        "provider.api_key": 3,
        "provider.timeout": 4,
        "provider.max_retries": 5,
    }
    assert "http:// or https://" in by_key(problems)["provider.base_url"].message
    assert by_key(problems)["provider.api_key"].message == "must be a string (got an integer)"
    # Bad values are dropped: the environment and defaults take over, good values survive.
    assert settings.provider == ProviderSettings(
        base_url=None, api_key="sk-env", key_source="$OPENAI_API_KEY"
    )
    assert settings.defaults.temperature == 0.5


def test_problem_str_format(tmp_path: Path) -> None:
    problem = ConfigProblem(tmp_path / "c.toml", 7, "defaults.temperature", "bad")
    assert str(problem) == f"{tmp_path / 'c.toml'}, line 7, defaults.temperature: bad"
    assert str(ConfigProblem(tmp_path, None, None, "bad")) == f"{tmp_path}: bad"


def test_dotted_quoted_and_inline_keys_are_located(cfg: Path) -> None:
    text = 'defaults.temperature = 9\n"provider" = { timeout = -1 }\n'
    problems = load_settings(write(cfg, text), {})[1]
    assert {p.key: p.line for p in problems} == {
        "defaults.temperature": 1,
        "provider.timeout": 2,
    }


def test_multiline_string_does_not_confuse_line_finding(cfg: Path) -> None:
    text = '[defaults]\nsystem_prompt = """\ntemperature = 1\n"""\ntemperature = 5\n'
    settings, problems = load_settings(write(cfg, text), {})
    assert settings.defaults.system_prompt == "temperature = 1\n"
    assert [(p.key, p.line) for p in problems] == [("defaults.temperature", 5)]


def test_unknown_key_suggests_the_closest(cfg: Path) -> None:
    write(cfg, "[defaults]\ntemprature = 0.5\n")
    [problem] = load_settings(cfg, {})[1]
    assert (problem.line, problem.key) == (2, "defaults.temprature")
    assert problem.message == "unknown key 'temprature' (did you mean 'temperature'?)"


def test_key_in_the_wrong_table_points_to_the_right_one(cfg: Path) -> None:
    write(cfg, f'api_key = "{KEY}"\n[defaults]\nmodel = "x"\n')
    problems = by_key(load_settings(cfg, {})[1])
    assert "'api_key' in [provider]" in problems["api_key"].message
    assert "'model' at the top of the file" in problems["defaults.model"].message
    assert KEY not in str(problems["api_key"])


def test_unknown_table_and_wrong_table_type(cfg: Path) -> None:
    write(cfg, 'provider = "openai"\n[extras]\nx = 1\n')
    problems = by_key(load_settings(cfg, {})[1])
    assert problems["extras"].line == 2
    assert problems["extras"].message == "unknown table 'extras'"
    assert problems["provider"].line == 1
    assert "must be a table" in problems["provider"].message


def test_unreadable_file_is_one_problem(cfg: Path) -> None:
    cfg.write_bytes(b'model = "\xff\xfe"\n')
    settings, problems = load_settings(cfg, {})
    assert settings.model is None
    [problem] = problems
    assert problem.path == cfg
    assert "UTF-8" in problem.message


def test_directory_instead_of_file_is_one_problem(cfg: Path) -> None:
    cfg.mkdir()
    [problem] = load_settings(cfg, {})[1]
    assert "cannot read" in problem.message


def test_utf8_bom_is_accepted(cfg: Path) -> None:
    cfg.write_bytes('\ufeffmodel = "m"\n'.encode())
    assert load_settings(cfg, {}) == (load_settings(cfg, {})[0], [])
    assert load_settings(cfg, {})[0].model == "m"


@posix_only
def test_world_readable_file_with_key_warns(cfg: Path) -> None:
    write(cfg, FULL, mode=0o644)
    problems = load_settings(cfg, {})[1]
    [problem] = problems
    assert (problem.line, problem.key) == (None, "provider.api_key")
    assert f"chmod 600 {cfg}" in problem.message
    assert KEY not in str(problem)


@posix_only
def test_misplaced_key_in_readable_file_also_warns(cfg: Path) -> None:
    write(cfg, f'api_key = "{KEY}"\n', mode=0o640)
    problems = by_key(load_settings(cfg, {})[1])
    assert "chmod 600" in problems["provider.api_key"].message


@posix_only
def test_private_file_or_file_without_key_does_not_warn(cfg: Path) -> None:
    assert load_settings(write(cfg, FULL, mode=0o600), {})[1] == []
    assert load_settings(write(cfg, 'model = "m"\n', mode=0o644), {})[1] == []


# --- [models."name"] overrides ------------------------------------------------------------

MODELS = """\
model = "llama3.2"

[models."llama3.2"]
input_price = 0.15
output_price = 3
cached_input_price = 0.075
context_window = 128000
max_output = 4096

[models.gpt-4o]
context_window = 64000
"""


def test_settings_without_models_keep_their_old_shape(cfg: Path) -> None:
    settings = Settings(
        model=None,
        provider=ProviderSettings(None, None, "none"),
        defaults=Defaults(),
        config_file=cfg,
    )
    assert dict(settings.models) == {}
    assert settings == load_settings(cfg, {})[0]
    hash(settings)  # still hashable: the models mapping is left out of the hash


def test_model_overrides_are_parsed_exactly(cfg: Path) -> None:
    settings, problems = load_settings(write(cfg, MODELS), {})
    assert problems == []
    assert dict(settings.models) == {
        "llama3.2": ModelOverride(
            input_price=Decimal("0.15"),
            output_price=Decimal("3"),
            cached_input_price=Decimal("0.075"),
            context_window=128000,
            max_output=4096,
        ),
        "gpt-4o": ModelOverride(context_window=64000),
    }
    llama = settings.models["llama3.2"]
    assert isinstance(llama.input_price, Decimal)
    assert str(llama.input_price) == "0.15"  # not the float's binary expansion
    assert isinstance(llama.output_price, Decimal)
    with pytest.raises(TypeError):
        settings.models["x"] = ModelOverride()  # type: ignore[index]


def test_zero_prices_are_valid(cfg: Path) -> None:
    write(cfg, '[models."local"]\ninput_price = 0\noutput_price = 0.0\n')
    settings, problems = load_settings(cfg, {})
    assert problems == []
    assert settings.models["local"] == ModelOverride(Decimal(0), Decimal(0))


@pytest.mark.parametrize(
    ("line", "key", "expected"),
    [
        ("input_price = -1", "input_price", "price in USD per million tokens, at least 0 (got -1)"),
        ('output_price = "cheap"', "output_price", 'at least 0 (got "cheap")'),
        ("cached_input_price = true", "cached_input_price", "(got true)"),
        ("input_price = inf", "input_price", "(got inf)"),
        ("context_window = 0", "context_window", "whole number of at least 1 (got 0)"),
        ("max_output = 1.5", "max_output", "whole number of at least 1 (got 1.5)"),
        (
            "input_prize = 2",
            "input_prize",
            "unknown key 'input_prize' (did you mean 'input_price'?)",
        ),
    ],
)
def test_bad_model_value_is_reported_on_its_line_and_others_survive(
    cfg: Path, line: str, key: str, expected: str
) -> None:
    text = f'model = "m"\n\n[models."llama3.2"]\n{line}\nmax_output = 10\n'
    if "max_output" in line:
        text = text.replace("max_output = 10\n", "context_window = 10\n")
    settings, problems = load_settings(write(cfg, text), {})
    [problem] = problems
    assert problem.key == f"models.llama3.2.{key}"
    assert problem.line == 4
    assert expected in problem.message
    survivor = settings.models["llama3.2"]
    assert (survivor.max_output or survivor.context_window) == 10


def test_model_tables_in_every_toml_spelling_are_located(cfg: Path) -> None:
    text = (
        "[models]\n"  # 1
        '"a.b".input_price = -1\n'  # 2: dotted key
        '"inline" = { max_output = 0 }\n'  # 3: inline table
        "plain = 3\n"  # 4: not a table
        '[models."say \\"hi\\""]\n'  # 5: escaped quotes in the name
        "context_window = -5\n"  # 6
        "[models.'single']\n"  # 7: literal-string name
        "output_price = -2\n"  # 8
    )
    settings, problems = load_settings(write(cfg, text), {})
    assert {p.key: p.line for p in problems} == {
        "models.a.b.input_price": 2,
        "models.inline.max_output": 3,
        "models.plain": 4,
        'models.say "hi".context_window': 6,
        "models.single.output_price": 8,
    }
    assert 'must be a table, written [models."plain"]' in by_key(problems)["models.plain"].message
    assert dict(settings.models) == {}  # nothing valid was left in any of them


def test_unquoted_dotted_model_name_gets_a_hint(cfg: Path) -> None:
    write(cfg, "[models.llama3.2]\ninput_price = 1\n")
    settings, problems = load_settings(cfg, {})
    [problem] = problems
    assert (problem.line, problem.key) == (1, "models.llama3.2")
    assert '[models."llama3.2"]' in problem.message
    assert "llama3.2" not in settings.models


def test_models_must_be_a_table(cfg: Path) -> None:
    write(cfg, 'model = "m"\nmodels = ["gpt-4o"]\n')
    settings, problems = load_settings(cfg, {})
    [problem] = problems
    assert (problem.line, problem.key) == (2, "models")
    assert "must be a table" in problem.message
    assert settings.model == "m"


def test_model_key_in_the_wrong_place_points_to_the_models_table(cfg: Path) -> None:
    write(cfg, "[defaults]\ncontext_window = 4096\n")
    [problem] = load_settings(cfg, {})[1]
    assert problem.key == "defaults.context_window"
    assert 'in [models."name"]' in problem.message


# --- the key never leaks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        (KEY, "sk-…6789"),
        ("sk-1234567890abcdef", "sk-…cdef"),
        ("short-key", "•••"),
        ("", ""),
        (None, ""),
    ],
)
def test_masked_key(key: str | None, masked: str) -> None:
    provider = ProviderSettings(base_url=None, api_key=key, key_source="config.toml")
    assert provider.masked_key == masked


def test_repr_does_not_leak_the_key(cfg: Path) -> None:
    settings, _ = load_settings(write(cfg, FULL), {})
    assert KEY not in repr(settings.provider)
    assert KEY not in repr(settings)
    assert KEY not in str(settings)
    assert "sk-…6789" in repr(settings.provider)


# --- saving ------------------------------------------------------------------------------------


@posix_only
def test_save_setup_creates_a_private_file_that_loads_back(tmp_path: Path) -> None:
    cfg = tmp_path / "nested" / "dir" / "config.toml"
    save_setup(cfg, api_key=f"  {KEY}\n", base_url="http://localhost:8080/v1")
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert cfg.read_text(encoding="utf-8").startswith("#")
    settings, problems = load_settings(cfg, {"OPENAI_API_KEY": "sk-env"})
    assert problems == []
    assert settings.provider.api_key == KEY
    assert settings.provider.key_source == "config.toml"
    assert settings.provider.base_url == "http://localhost:8080/v1"


def test_save_setup_merges_and_preserves_other_keys(cfg: Path) -> None:
    write(cfg, FULL.replace("[provider]", '[provider]\napi_key_env = "X"'), mode=0o644)
    save_setup(cfg, base_url="https://new.example/v1")
    data = tomllib.loads(cfg.read_text(encoding="utf-8"))
    assert data["model"] == "gpt-4o-mini"
    assert data["provider"] == {
        "api_key_env": "X",
        "base_url": "https://new.example/v1",
        "api_key": KEY,
        "timeout": 30,
        "max_retries": 5,
    }
    assert data["defaults"]["system_prompt"] == "You are a helpful assistant."
    if os.name == "posix":
        assert stat.S_IMODE(cfg.stat().st_mode) == 0o600


def test_save_setup_key_alone_keeps_base_url(cfg: Path) -> None:
    save_setup(cfg, base_url="http://localhost:11434/v1")
    save_setup(cfg, api_key=KEY)
    provider = load_settings(cfg, {})[0].provider
    assert (provider.base_url, provider.api_key) == ("http://localhost:11434/v1", KEY)
    save_setup(cfg, base_url="http://localhost:1234/v1")
    assert load_settings(cfg, {})[0].provider.api_key == KEY


def test_save_setup_without_changes_does_not_rewrite(cfg: Path) -> None:
    text = f'# my comment\n[provider]\napi_key = "{KEY}"\n'
    write(cfg, text)
    save_setup(cfg, api_key=KEY)
    save_setup(cfg)
    assert cfg.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    "content",
    [
        b'model = "unterminated\n',
        b"[provider]\napi_key = \n",
        b"\xff\xfe not text",
        b'provider = "a string"\n',
    ],
)
def test_save_setup_refuses_a_broken_file_and_leaves_it_untouched(
    cfg: Path, content: bytes
) -> None:
    cfg.write_bytes(content)
    with pytest.raises(ConfigWriteError, match="left untouched") as info:
        save_setup(cfg, api_key=KEY)
    assert str(cfg) in str(info.value)
    assert KEY not in str(info.value)
    assert cfg.read_bytes() == content
    assert sorted(p.name for p in cfg.parent.iterdir()) == [cfg.name]


def test_save_setup_refuses_a_bad_base_url(cfg: Path) -> None:
    with pytest.raises(ConfigWriteError, match="http:// or https://"):
        save_setup(cfg, base_url="localhost:11434")
    assert not cfg.exists()


@posix_only
def test_save_setup_writes_through_a_symlink(tmp_path: Path) -> None:
    real = write(tmp_path / "dotfiles.toml", 'model = "m"\n')
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    save_setup(link, api_key=KEY)
    assert link.is_symlink()
    assert load_settings(link, {})[0].provider.api_key == KEY
    assert load_settings(link, {})[0].model == "m"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://localhost:11434/v1", True),
        ("HTTPS://api.example.com", True),
        ("localhost:11434", False),
        ("ftp://x", False),
        ("http://", False),
        ("http://[::1", False),
    ],
)
def test_base_url_problem(url: str, ok: bool) -> None:
    assert (base_url_problem(url) is None) is ok


# --- never raises ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "config.toml"


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_arbitrary_text_never_raises(scratch: Path, text: str) -> None:
    scratch.write_text(text, encoding="utf-8", errors="surrogatepass")
    settings_, problems = load_settings(scratch, {"OPENAI_API_KEY": "sk-env"})
    assert settings_.config_file == scratch
    assert all(str(p) for p in problems)


@settings(max_examples=300, deadline=None)
@given(data=st.binary())
def test_arbitrary_bytes_never_raise(scratch: Path, data: bytes) -> None:
    scratch.write_bytes(data)
    load_settings(scratch, {})


_scalars = st.one_of(
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(["http://h", "https://h/v1", "MY_KEY", "", "gpt-4o"]),
)
_known = st.sampled_from(
    (
        *("model", "provider", "defaults", "temprature"),
        *("base_url", "api_key", "api_key_env", "timeout", "max_retries"),
        *("temperature", "top_p", "max_tokens", "system_prompt"),
        *("models", "gpt-4o", "llama3.2", "input_price", "output_price", "cached_input_price"),
        *("context_window", "max_output"),
    )
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_known, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(doc=st.dictionaries(_known, _values, max_size=6))
def test_arbitrary_valid_toml_never_raises(scratch: Path, doc: dict[str, object]) -> None:
    import tomli_w

    scratch.write_text(tomli_w.dumps(doc), encoding="utf-8")
    scratch.chmod(0o600)
    settings_, problems = load_settings(scratch, {"MY_KEY": KEY})
    assert KEY not in repr(settings_)
    assert all(KEY not in str(p) for p in problems)


# --- [provider] is the profile "default" -------------------------------------------------------


def test_provider_table_takes_every_profile_key(cfg: Path) -> None:
    text = (
        "[provider]\n"
        'base_url = "http://localhost:8000/v1"\n'
        'proxy = "http://127.0.0.1:3128"\n'
        'headers = { "X-Team" = "a" }\n'
        'models = ["llama3.2"]\n'
        'organizaton = "x"\n'
    )
    settings, problems = load_settings(write(cfg, text), {"OPENAI_API_KEY": "sk-env"})
    assert [(p.line, p.key) for p in problems] == [(6, "provider.organizaton")]
    assert "did you mean 'organization'?" in problems[0].message
    provider = settings.provider
    assert (provider.name, provider.table, provider.api_key) == ("default", "provider", "sk-env")
    assert provider.proxy == "http://127.0.0.1:3128"
    assert dict(provider.headers) == {"X-Team": "a"}
    assert provider.models == ("llama3.2",)
    assert dict(settings.profiles) == {"default": provider}
    assert settings.default_profile == "default"


def test_defaults_take_every_parameter_a_preset_takes(tmp_path: Path) -> None:
    from gpt_tui.core.service.chat import ChatService

    path = tmp_path / "config.toml"
    path.write_text(
        "[defaults]\n"
        "temperature = 0.3\n"
        "presence_penalty = 0.5\n"
        'stop = ["END"]\n'
        "seed = 7\n"
        'reasoning_effort = "low"\n'
        'context = "last_turns"\n'
        "context_turns = 4\n"
        'response_format = "jason"\n',
        encoding="utf-8",
    )
    settings, problems = load_settings(path, {})
    params = ChatService.params_from_defaults("gpt-4o", settings.defaults)
    assert (params.model, params.temperature) == ("gpt-4o", 0.3)
    assert (params.extra.presence_penalty, params.extra.stop, params.extra.seed) == (
        0.5,
        ("END",),
        7,
    )
    assert params.extra.reasoning_effort == "low"
    assert (params.context, params.context_turns) == ("last_turns", 4)
    assert params.extra.response_format is None
    [problem] = problems
    assert (problem.line, problem.key) == (9, "defaults.response_format")
