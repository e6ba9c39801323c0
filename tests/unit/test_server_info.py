"""Context windows as each kind of server reports them (pure parsers)."""

from __future__ import annotations

from typing import Any

from gpt_tui.core.providers.server_info import (
    ServerWindow,
    ask_window,
    from_litellm_info,
    from_llama_props,
    from_lmstudio,
    from_models_list,
    from_ollama_show,
    root_of,
)


def listing(**entry: Any) -> dict[str, Any]:
    return {"object": "list", "data": [{"id": "other"}, {"id": "m", **entry}]}


def test_models_lists_of_llama_cpp_vllm_and_openrouter() -> None:
    assert from_models_list(listing(meta={"n_ctx": 512, "n_ctx_train": 4096}), "m") == (
        ServerWindow(512, "llama.cpp /v1/models (meta.n_ctx)")
    )
    # n_ctx_train is what the model was trained with, not what the server gives it.
    assert from_models_list(listing(meta={"n_ctx_train": 4096}), "m") is None
    assert from_models_list(listing(max_model_len=32768), "m") == ServerWindow(
        32768, "vLLM /v1/models (max_model_len)"
    )
    found = from_models_list(listing(context_length=200000), "m")
    assert found is not None and found.window == 200000
    nested = from_models_list(listing(top_provider={"context_length": 8192}), "m")
    assert nested is not None and nested.window == 8192
    assert from_models_list(listing(max_model_len=100), "absent") is None
    junks: list[object] = [None, [], {"data": "x"}, {"data": [1, "a"]}, listing(max_model_len=True)]
    for junk in junks:
        assert from_models_list(junk, "m") is None


def test_llama_props() -> None:
    body = {"default_generation_settings": {"n_ctx": 512}, "total_slots": 1}
    assert from_llama_props(body) == ServerWindow(512, "llama.cpp /props (n_ctx)")
    assert from_llama_props({"default_generation_settings": {}}) is None


def test_litellm_model_info() -> None:
    body = {
        "data": [
            {"model_name": "bench-model", "model_info": {"max_input_tokens": 8000}},
            {"model_name": "m", "model_info": {"max_input_tokens": None}},
        ]
    }
    assert from_litellm_info(body, "bench-model") == ServerWindow(8000, "LiteLLM /model/info")
    assert from_litellm_info(body, "m") is None


def test_lm_studio_prefers_the_loaded_context() -> None:
    body = listing(loaded_context_length=4096, max_context_length=131072)
    found = from_lmstudio(body, "m")
    assert found is not None and found.window == 4096
    only_max = from_lmstudio(listing(max_context_length=131072), "m")
    assert only_max is not None and only_max.window == 131072


def test_ollama_uses_num_ctx_and_warns_when_it_is_below_the_model() -> None:
    body = {
        "model_info": {"general.architecture": "llama", "llama.context_length": 131072},
        "parameters": 'num_ctx                        8192\nstop "<|eot_id|>"',
    }
    found = from_ollama_show(body)
    assert found is not None and found.window == 8192
    assert found.warning is not None and "131,072" in found.warning
    default = from_ollama_show({"model_info": {"llama.context_length": 131072}})
    assert default is not None and default.window == 4096 and "default" in default.source
    small = from_ollama_show({"model_info": {"qwen2.context_length": 2048}})
    assert small is not None and small.window == 2048 and small.warning is None
    assert from_ollama_show({"model_info": {}}) is None


def test_root_of() -> None:
    assert root_of("http://127.0.0.1:8082/v1") == "http://127.0.0.1:8082"
    assert root_of("https://openrouter.ai/api/v1/") == "https://openrouter.ai"
    assert root_of("http://127.0.0.1:4000") == "http://127.0.0.1:4000"


async def test_servers_are_asked_in_order_until_one_answers() -> None:
    asked: list[str] = []
    answers: dict[str, object] = {
        "http://h/model/info": {
            "data": [{"model_name": "m", "model_info": {"max_input_tokens": 9}}]
        }
    }

    async def get(url: str) -> object:
        asked.append(url)
        return answers.get(url)

    async def post(url: str, body: dict[str, Any]) -> object:
        asked.append(url)
        return None

    found = await ask_window(get, post, "http://h/v1", "m")
    assert found == ServerWindow(9, "LiteLLM /model/info")
    assert asked == ["http://h/v1/models", "http://h/props", "http://h/model/info"]
    asked.clear()
    assert await ask_window(get, post, "http://h/v1", "nothing") is None
    assert asked[-1] == "http://h/api/show"
