"""The built-in offline "demo" model: deterministic Markdown replies, streamed word by word.

It lets anyone try the whole app with no key and no network, and it is what the
screenshots and many UI tests use. The reply depends only on the last user message; a
request that ends with the start of that reply (continuing a stopped reply) gets the rest.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from gpt_tui.core.providers.base import ChatRequest, StreamEvent, TextDelta

_WELCOME = """\
## Hello from the demo model

This reply is **canned**: gpt-tui's built-in *demo* model runs offline, so you can try
everything without an API key. What you can do here:

- **Enter** sends, **ctrl+j** (or alt+enter) adds a new line;
- **Esc** stops a reply while it streams, and the partial text is kept;
- **ctrl+n** starts a new chat, and the sidebar on the left keeps every chat;
- the panel on the right holds the model, temperature, top_p, max_tokens and system prompt.

To talk to a real model, press **F4** and paste an API key (or the URL of a local server
such as Ollama, vLLM or LM Studio), or start with `OPENAI_API_KEY` set.

> Ask for *code* or a *table* to see how those render.
"""

_CODE = """\
## A small example

Here is the loop many of us kept as a script, now replaced by this app:

```python
from openai import OpenAI

client = OpenAI()
messages = [{"role": "system", "content": "You are a helpful assistant."}]
while (prompt := input("User: ")) not in {"exit", "结束"}:
    messages.append({"role": "user", "content": prompt})
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    answer = reply.choices[0].message.content or ""
    messages.append({"role": "assistant", "content": answer})
    print(answer)
```

1. `messages` keeps the whole history, so the model sees the context;
2. the system prompt comes **first**;
3. every turn appends the question *and* the answer.
"""

_TABLE = """\
## Parameters at a glance

| parameter | range | what it does |
|---|---|---|
| `temperature` | 0–2 | higher is more random |
| `top_p` | 0–1 | sample only from the most likely tokens |
| `max_tokens` | ≥ 1 | caps the length of the reply |

Leave a field empty and it is **not sent**: the server's default applies.
"""

_CHINESE = """\
## 你好，这里是演示模型

这是 gpt-tui 内置的**离线演示模型**，不需要 API key 就能体验全部界面：

- 按 **Enter** 发送，**ctrl+j** 换行；
- 回复生成时按 **Esc** 停止，已生成的内容会保留；
- 按 **ctrl+n** 新建对话，左侧栏保存所有对话；
- 右侧面板可以设置模型、temperature、top_p、max_tokens 和 system prompt。

要连接真实模型，请按 **F4** 填写 API key 或本地服务地址。
"""

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_PIECES = re.compile(r"\s*\S+|\s+")


def demo_reply(prompt: str) -> str:
    """The canned reply for a prompt (pure function, so tests can predict it)."""
    lowered = prompt.lower()
    if _CJK.search(prompt):
        return _CHINESE
    if "code" in lowered or "python" in lowered:
        return _CODE
    if "table" in lowered:
        return _TABLE
    return _WELCOME


def split_pieces(text: str) -> list[str]:
    """Split text into word-sized pieces (CJK text one character at a time) for streaming."""
    pieces: list[str] = []
    for piece in _PIECES.findall(text):
        if _CJK.search(piece):
            pieces.extend(piece)
        else:
            pieces.append(piece)
    return pieces


def _rest_of(reply: str, request: ChatRequest) -> str:
    """``reply``, or only what follows when the request ends with its beginning."""
    last = request.messages[-1] if request.messages else None
    if last is None or last["role"] != "assistant":
        return reply
    partial = last["content"]
    if reply.startswith(partial):
        return reply[len(partial) :]
    return "\n\n*(The demo model can only continue its own replies.)*"


class DemoProvider:
    """Streams :func:`demo_reply` with a small delay between pieces, like a real model."""

    label = "demo"

    def __init__(self, delay: float = 0.012) -> None:
        self._delay = delay

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        content = next(
            (m["content"] for m in reversed(request.messages) if m["role"] == "user"), ""
        )
        if not isinstance(content, str):  # a prompt with images: its text parts
            content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        prompt = content
        pieces = split_pieces(_rest_of(demo_reply(prompt), request))
        for piece in pieces:
            if self._delay:
                await asyncio.sleep(self._delay)
            else:
                await asyncio.sleep(0)
            yield TextDelta(piece)
        # Like many local servers the demo reports no usage: the app counts it (marked ≈).

    async def aclose(self) -> None:
        """Nothing to release."""
