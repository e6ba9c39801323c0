"""The next request as Python and curl: runnable, exact, and never holding the key."""

from __future__ import annotations

import ast
import json
import shlex
from types import MappingProxyType

import pytest

from gpt_tui.core.config.types import ProviderSettings
from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import Message
from gpt_tui.core.params.extra import ExtraParams
from gpt_tui.core.planning.request_builder import build_request
from gpt_tui.core.planning.request_code import RequestCode, request_code

KEY = "sk-secret-0123456789abcdefXYZ"
HEADER_SECRET = "team-token-987654321"
HISTORY = [Message("user", 'it\'s "quoted" and $HOME\nsecond line')]


def curl_parts(code: RequestCode) -> list[str]:
    return shlex.split(code.curl, comments=True)


def curl_body(code: RequestCode) -> object:
    parts = curl_parts(code)
    return json.loads(parts[parts.index("-d") + 1])


def curl_headers(code: RequestCode) -> list[str]:
    parts = curl_parts(code)
    return [parts[i + 1] for i, part in enumerate(parts) if part == "-H"]


def python_call_kwargs(code: RequestCode) -> dict[str, object]:
    """The keyword arguments of ``client.chat.completions.create(...)`` as Python values."""
    tree = ast.parse(code.python)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("completions.create"):
            return {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
    raise AssertionError("no create() call")


def test_openai_profile_with_every_parameter() -> None:
    profile = ProviderSettings(
        base_url=None,
        api_key=KEY,
        key_source="$OPENAI_API_KEY",
        kind="openai",
        organization="org-1",
    )
    params = Params(model="gpt-4o", temperature=0.3, extra=ExtraParams(stop=("\n\n",), seed=4))
    code = request_code(build_request(params, HISTORY), profile)
    compile(code.python, "request.py", "exec")
    expected = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": HISTORY[0].content}],
        "temperature": 0.3,
        "stop": ["\n\n"],
        "seed": 4,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    assert code.body == expected
    assert python_call_kwargs(code) == expected
    assert curl_body(code) == expected
    parts = curl_parts(code)
    assert parts[:4] == ["curl", "-sS", "-N", "https://api.openai.com/v1/chat/completions"]
    assert "Authorization: Bearer $OPENAI_API_KEY" in curl_headers(code)
    assert "OpenAI-Organization: org-1" in curl_headers(code)
    assert 'api_key=os.environ["OPENAI_API_KEY"]' in code.python.replace("'", '"')
    assert "base_url" not in code.python
    assert KEY not in code.python + code.curl


def test_azure_profile_uses_the_deployment_route_and_api_key_header() -> None:
    profile = ProviderSettings(
        base_url="https://res.openai.azure.com/openai",
        api_key=KEY,
        key_source="config.toml",
        kind="azure",
        endpoint="https://res.openai.azure.com",
        api_version="2024-10-21",
        deployments=MappingProxyType({"o3-mini": "my-o3"}),
    )
    params = Params(model="o3-mini", max_tokens=100, extra=ExtraParams(reasoning_effort="low"))
    code = request_code(build_request(params, HISTORY), profile)
    compile(code.python, "request.py", "exec")
    assert "from openai import AzureOpenAI" in code.python
    assert "azure_endpoint='https://res.openai.azure.com'" in code.python
    assert "api_version='2024-10-21'" in code.python
    assert "export it as $AZURE_OPENAI_API_KEY" in code.python
    assert curl_parts(code)[3] == (
        "https://res.openai.azure.com/openai/deployments/my-o3/chat/completions"
        "?api-version=2024-10-21"
    )
    assert "api-key: $AZURE_OPENAI_API_KEY" in curl_headers(code)
    body = curl_body(code)
    assert isinstance(body, dict)
    assert body["model"] == "my-o3"
    assert body["max_completion_tokens"] == 100
    assert body["reasoning_effort"] == "low"
    assert KEY not in code.python + code.curl


def test_compatible_profile_with_proxy_headers_and_own_key_variable() -> None:
    profile = ProviderSettings(
        base_url="http://localhost:11434/v1",
        api_key=KEY,
        key_source="$LOCAL_KEY",
        kind="compatible",
        proxy="http://user:hunter2@proxy.corp:3128",
        headers=MappingProxyType({"X-Team": HEADER_SECRET}),
    )
    code = request_code(build_request(Params(model="llama3.2"), HISTORY), profile)
    compile(code.python, "request.py", "exec")
    assert "base_url='http://localhost:11434/v1'" in code.python
    assert "http_client=httpx.Client(proxy='http://user:•••@proxy.corp:3128')" in code.python
    assert curl_parts(code)[3] == "http://localhost:11434/v1/chat/completions"
    assert "Authorization: Bearer $LOCAL_KEY" in curl_headers(code)
    assert "X-Team: $HEADER_X_TEAM" in curl_headers(code)
    for secret in (KEY, HEADER_SECRET, "hunter2"):
        assert secret not in code.python + code.curl


def test_a_server_without_a_key_gets_no_authorization_header() -> None:
    profile = ProviderSettings(base_url="http://127.0.0.1:8080/v1", api_key=None, key_source="none")
    code = request_code(build_request(Params(model="m"), HISTORY), profile)
    compile(code.python, "request.py", "exec")
    assert not any(h.startswith("Authorization") for h in curl_headers(code))
    assert code.key_env is None


@pytest.mark.parametrize(
    ("rejected", "absent", "renamed"),
    [
        ({"temperature": None}, "temperature", None),
        ({"max_tokens": "max_completion_tokens"}, "max_tokens", "max_completion_tokens"),
    ],
)
def test_what_the_server_refused_is_left_out(
    rejected: dict[str, str | None], absent: str, renamed: str | None
) -> None:
    profile = ProviderSettings(base_url=None, api_key=KEY, key_source="$OPENAI_API_KEY")
    params = Params(model="gpt-4o", temperature=0.5, max_tokens=9)
    code = request_code(build_request(params, HISTORY), profile, rejected)
    assert absent not in code.body
    if renamed:
        assert code.body[renamed] == 9
