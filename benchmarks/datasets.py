"""Data folders for the benchmarks, written with the app's own models and store.

Each function fills a fresh ``GPT_TUI_HOME`` folder (``DIR/data/`` holds the store) so the
app sees exactly what it would have saved itself. ``gpt_tui`` is imported lazily, after
``--app-src`` (if any) has been put first on ``sys.path``.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from benchmarks.markdown_gen import markdown_reply

if TYPE_CHECKING:
    from gpt_tui.core.domain.conversation import Conversation

MODEL = "gpt-4o-mini"
_START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def data_dir(home: Path) -> Path:
    """Where the app keeps conversations for ``GPT_TUI_HOME=home``."""
    return home / "data"


def _conversation(number: int, turns: int, reply_tokens: int) -> Conversation:
    """A conversation of ``turns`` prompt/reply pairs with Markdown replies."""
    from gpt_tui.core.domain.conversation import Conversation, Params
    from gpt_tui.core.domain.message import Message

    start = _START + timedelta(minutes=number)
    messages: list[Message] = []
    for turn in range(turns):
        at = start + timedelta(seconds=turn)
        prompt = f"Question {turn + 1} of conversation {number}: how does the parser handle it?"
        messages.append(Message(role="user", content=prompt, created_at=at))
        # Vary reply lengths (1x to 3x) so the layout is not uniform.
        tokens = reply_tokens * (1 + (turn % 3))
        reply = markdown_reply(tokens, seed=number * 100_003 + turn)
        messages.append(Message(role="assistant", content=reply, created_at=at, model=MODEL))
    return Conversation(
        params=Params(model=MODEL),
        title=f"Benchmark conversation {number}",
        created_at=start,
        updated_at=start + timedelta(seconds=turns),
        messages=messages,
    )


def write_long_conversation(home: Path, messages: int, reply_tokens: int = 60) -> int:
    """One conversation of ``messages`` messages (half prompts, half Markdown replies).

    Returns the length of its last reply, by which the app's probe recognises it on
    screen. No ``state.json`` is written, so the app starts on a new chat and the
    conversation is opened from the sidebar.
    """
    from gpt_tui.core.store.conversations import ConversationStore

    conversation = _conversation(0, messages // 2, reply_tokens)
    ConversationStore(data_dir(home)).save(conversation)
    return len(conversation.messages[-1].content)


def write_many_conversations(home: Path, count: int) -> None:
    """``count`` small conversations (two turns each) and their index."""
    from gpt_tui.core.store.conversations import ConversationStore

    store = ConversationStore(data_dir(home))
    for number in range(count):
        # The index is written once at the end; each save would rewrite all of it.
        store.save(_conversation(number, 2, 20), update_index=False)
    # A fresh store finds no index.json and rebuilds it from the files (and writes it).
    fresh = ConversationStore(data_dir(home))
    listed = len(fresh.list_summaries())
    if listed != count:
        raise RuntimeError(f"the index lists {listed} conversations, expected {count}")


_ENGLISH = (
    "the parser handles a timeout when the server closes the stream early so we retry with "
    "backoff and log the request id then read the parquet file with pandas and cache the "
    "result in sqlite because the index makes every query fast enough for typing"
)
_CHINESE = "数据库 索引 查询 优化 超时 重试 文件 缓存 服务器 日志"
_WORDS = (_ENGLISH + " " + _CHINESE).split()

RARE = "zebra crossing"
"""A phrase in about one message in 10,000, so some queries have few hits."""


def _sentence(rng: random.Random, number: int) -> str:
    words = rng.choices(_WORDS, k=rng.randint(8, 30))
    if number % 9_973 == 0:
        words.insert(rng.randrange(len(words)), RARE)
    return " ".join(words)


def write_search_corpus(home: Path, conversations: int, messages: int) -> None:
    """``conversations`` conversations holding ``messages`` messages in all: English and
    Chinese text of 8 to 30 words each, written with the app's store (no index.json yet;
    the first listing rebuilds it, as after an upgrade)."""
    from gpt_tui.core.domain.conversation import Conversation, Params
    from gpt_tui.core.domain.message import Message
    from gpt_tui.core.store.conversations import ConversationStore

    rng = random.Random(42)
    store = ConversationStore(data_dir(home))
    per = max(2, messages // conversations)
    counter = 0
    for number in range(conversations):
        start = _START + timedelta(minutes=number)
        batch = []
        for turn in range(per):
            counter += 1
            role: Literal["user", "assistant"] = "user" if turn % 2 == 0 else "assistant"
            at = start + timedelta(seconds=turn)
            batch.append(Message(role=role, content=_sentence(rng, counter), created_at=at))
        store.save(
            Conversation(
                params=Params(model=MODEL),
                title=f"Search corpus {number}",
                created_at=start,
                updated_at=start + timedelta(seconds=per),
                messages=batch,
            ),
            update_index=False,
        )


def forget_last_conversation(home: Path) -> None:
    """Remove ``state.json`` so the next launch starts on a new chat again."""
    (data_dir(home) / "state.json").unlink(missing_ok=True)


USAGE_MODELS = ("gpt-4o-mini", "gpt-4o", "local-llama")
"""The usage corpus's models; the last has no known price (counted as unpriced)."""


def write_usage_corpus(home: Path, conversations: int, replies: int) -> None:
    """``conversations`` conversations holding ``replies`` priced replies in all, spread
    over 90 days and three models (one unpriced), with their usage log built once."""
    from decimal import Decimal

    from gpt_tui.core.domain.conversation import Conversation, Params
    from gpt_tui.core.domain.message import Message, Timing, Usage
    from gpt_tui.core.store.datadir import DataDir

    rng = random.Random(19)
    data = DataDir.open(data_dir(home))
    per = max(1, replies // conversations)
    for number in range(conversations):
        model = USAGE_MODELS[number % len(USAGE_MODELS)]
        start = _START + timedelta(days=number % 90, minutes=number % 600)
        batch: list[Message] = []
        for turn in range(per):
            at = start + timedelta(seconds=turn * 30)
            batch.append(Message(role="user", content=f"Question {turn}", created_at=at))
            prompt, completion = rng.randint(20, 4_000), rng.randint(10, 1_000)
            cost = (
                None
                if model == "local-llama"
                else Decimal(prompt * 15 + completion * 60) / (Decimal(10) ** 8)
            )
            batch.append(
                Message(
                    role="assistant",
                    content="An answer.",
                    created_at=at,
                    model=model,
                    usage=Usage(prompt, completion, cached_tokens=prompt // 4),
                    cost=cost,
                    timing=Timing(0.2, 1.5),
                )
            )
        data.store.save(
            Conversation(
                params=Params(model=model),
                title=f"Usage corpus {number}",
                created_at=start,
                updated_at=start + timedelta(seconds=per * 30),
                messages=batch,
            ),
            update_index=False,
        )
    listed = data.store.list_summaries()  # writes index.json once
    if len(listed) != conversations:
        raise RuntimeError("the index does not list every usage conversation")


def chatgpt_export(conversations: int, turns: int = 3) -> list[dict[str, object]]:
    """A ChatGPT data export (``conversations.json``'s list) of ``conversations`` chats of
    ``turns`` prompt/reply pairs each, shaped like the real one (a root node, a hidden
    system message, then the turns as a chain in ``mapping``)."""
    export: list[dict[str, object]] = []
    base = _START.timestamp()
    for number in range(conversations):
        start = base + number * 60
        mapping: dict[str, dict[str, object]] = {
            "root": {"id": "root", "message": None, "parent": None, "children": ["sys"]}
        }
        parent = "sys"
        mapping["sys"] = _chatgpt_node("sys", "system", "", None, "root")
        for turn in range(turns):
            for role, text in (
                ("user", f"Question {turn + 1} of chat {number}: how does the parser work?"),
                ("assistant", markdown_reply(60, seed=number * 10 + turn)),
            ):
                node = f"{role[0]}{turn}"
                mapping[node] = _chatgpt_node(node, role, text, start + turn * 10, parent)
                mapping[parent]["children"] = [node]
                parent = node
        export.append(
            {
                "title": f"Imported chat {number}",
                "create_time": start,
                "update_time": start + turns * 10,
                "mapping": mapping,
                "current_node": parent,
                "id": f"chatgpt-{number:06d}",
            }
        )
    return export


def _chatgpt_node(
    node: str, role: str, text: str, at: float | None, parent: str
) -> dict[str, object]:
    return {
        "id": node,
        "message": {
            "id": node,
            "author": {"role": role, "name": None, "metadata": {}},
            "create_time": at,
            "content": {"content_type": "text", "parts": [text]},
            "status": "finished_successfully",
            "metadata": {"is_visually_hidden_from_conversation": role == "system"},
            "recipient": "all",
        },
        "parent": parent,
        "children": [],
    }
