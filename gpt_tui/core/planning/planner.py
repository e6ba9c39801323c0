"""What the next request will send, how many tokens that is, and what it may cost.

The panel asks this on every keystroke, so it leans on the token counter's per-message
cache: only the draft is encoded again. The chat service asks it for the request it sends
and for the usage of replies whose server reported none.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gpt_tui.core.config.schemas import NamedSchema
from gpt_tui.core.domain.attachments import Attachment
from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import Message, Usage
from gpt_tui.core.domain.tools import ToolCatalog, text_with_calls
from gpt_tui.core.planning.attachment_parts import (
    AttachmentFiles,
    attachment_image_tokens,
    part_text,
    prompt_text,
)
from gpt_tui.core.planning.context import Selection, select_history
from gpt_tui.core.planning.pricing import ModelInfo, PriceBook
from gpt_tui.core.planning.request_builder import build_request, format_problem
from gpt_tui.core.planning.server_windows import KnownWindows, with_server_window
from gpt_tui.core.planning.tokens import ChatMessageKey, TokenCount, TokenCounter
from gpt_tui.core.providers.base import ChatRequest

DRAFT_KEY = "draft"
EMPTY_KEY = "empty-user-message"
SYSTEM_KEY = "system"
TOOLS_KEY = "tools"
MAX_CACHED_COSTS = 50_000
REPLY_PRIMING = 3
"""Tokens every request adds to prime the reply (OpenAI's token-counting cookbook)."""


@dataclass(frozen=True, slots=True)
class RequestEstimate:
    """The figures the panel shows before anything is sent."""

    draft: TokenCount
    request: TokenCount
    """Prompt tokens of the next request: system prompt, sent history and the draft."""
    max_tokens: int | None
    info: ModelInfo | None
    max_cost: Decimal | None
    excluded_ids: frozenset[str] = field(default_factory=frozenset)
    over_by: int = 0

    @property
    def context_window(self) -> int | None:
        return None if self.info is None else self.info.context_window

    @property
    def context_used(self) -> int:
        """Tokens the next request may occupy: its prompt plus the reply's max_tokens."""
        return self.request.tokens + (self.max_tokens or 0)

    @property
    def context_fraction(self) -> float | None:
        window = self.context_window
        return self.context_used / window if window else None


class RequestPlanner:
    """Builds requests and estimates from a conversation's parameters and history."""

    def __init__(
        self,
        counter: TokenCounter,
        prices: PriceBook,
        tools: ToolCatalog | None = None,
        *,
        files: AttachmentFiles | None = None,
        windows: KnownWindows | None = None,
        schemas: Mapping[str, NamedSchema] | None = None,
    ) -> None:
        """``files``: where attachments are read from (None: none can be sent);
        ``tools``: the definitions a conversation's ``tools`` parameter names;
        ``windows``: context windows servers reported (used unless config.toml sets one);
        ``schemas``: config's ``[schemas.NAME]``, for ``response_format = json_schema:NAME``."""
        self.counter = counter
        self.prices = prices
        self.tools = tools or ToolCatalog()
        self.files = files
        self.windows = windows or KnownWindows()
        self.schemas: Mapping[str, NamedSchema] = schemas or {}
        self._costs: dict[tuple[str, str], tuple[str, int]] = {}
        """(model, message id) → (the content counted, its exact tokens with overhead)."""
        self._detail: str | None = None
        """The image detail of the request being planned (images cost by it)."""

    def _message_cost(self, model: str, message: Message) -> int:
        """One message's prompt tokens, overhead included; exact counts are cached."""
        cache_key = (model, f"{message.id}:{self._detail}" if message.attachments else message.id)
        cached = self._costs.get(cache_key)
        if cached is not None and cached[0] is message.content:
            return cached[1]
        text = _counted(message)
        if message.attachments:
            text = prompt_text(text, message.attachments, self.files)
        key = ChatMessageKey(message.id, message.role, text)
        count = self.counter.count_messages(model, [key])
        tokens = count.tokens - REPLY_PRIMING
        if message.attachments:
            tokens += attachment_image_tokens(model, message.attachments, self._detail)
        if count.exact:
            if len(self._costs) >= MAX_CACHED_COSTS:
                self._costs.clear()
            self._costs[cache_key] = (message.content, tokens)
        return tokens

    def info(self, model: str, base_url: str | None) -> ModelInfo | None:
        """Prices and limits of ``model``; None while the price data is still loading
        (unless the server reported the window, which is used before the price list's).

        Loading imports genai-prices (about 0.2 s): it happens in a background thread,
        never on a keystroke.
        """
        info = self.prices.info(model, base_url) if self.prices.loaded else None
        learned = self.windows.get(base_url, model)
        if learned is None or self.prices.configured_window(model) is not None:
            return info
        return with_server_window(info, learned)

    def select(
        self,
        params: Params,
        history: Sequence[Message],
        base_url: str | None,
        known_costs: dict[str, int] | None = None,
    ) -> Selection:
        """The history to send under the conversation's context strategy.

        ``known_costs`` gives tokens already counted for some message ids (the draft), so
        a large draft is encoded once per keystroke, not twice.
        """
        self._detail = params.extra.detail
        info = self.info(params.model, base_url)
        window = info.context_window if info is not None else None
        model = params.model
        known = known_costs or {}

        def cost_of(message: Message) -> int:
            cost = known.get(message.id)
            return cost if cost is not None else self._message_cost(model, message)

        return select_history(
            params,
            history,
            cost_of=cost_of,
            base_cost=self._count(params, []).tokens,
            context_window=window,
        )

    def request(
        self, params: Params, history: Sequence[Message], base_url: str | None
    ) -> tuple[ChatRequest, Selection]:
        """The request for ``history`` (last message: the prompt being answered)."""
        selection = self.select(params, history, base_url)
        return build_request(
            params, selection.sent, schemas=self.schemas, tools=self.tools, files=self.files
        ), selection

    def format_problem(self, params: Params) -> str | None:
        """Why the response format cannot be sent (an unknown schema), or None."""
        return format_problem(params, self.schemas)

    def estimate(
        self,
        params: Params,
        history: Sequence[Message],
        draft: str,
        base_url: str | None,
        attachments: Sequence[Attachment] = (),
    ) -> RequestEstimate:
        """Figures for the next request if ``draft`` were sent now with ``attachments``
        (their text and images are counted in the draft's tokens)."""
        model = params.model
        self._detail = params.extra.detail
        draft_count = self.counter.count_text(model, draft)
        if attachments:
            with_files = self.counter.count_text(model, prompt_text(draft, attachments, self.files))
            images = attachment_image_tokens(model, attachments, self._detail)
            draft_count = TokenCount(with_files.tokens + images, with_files.exact)
        pending = [
            *history,
            Message(role="user", content=draft, id=DRAFT_KEY, attachments=tuple(attachments)),
        ]
        overhead = self._message_cost(model, Message(role="user", content="", id=EMPTY_KEY))
        selection = self.select(
            params, pending, base_url, {DRAFT_KEY: overhead + draft_count.tokens}
        )
        exact = self.counter.is_ready(model)
        request = TokenCount(tokens=selection.prompt_tokens or 0, exact=exact)
        info = self.info(model, base_url)
        max_cost = (
            None
            if info is None
            else self.prices.max_request_cost(request.tokens, params.max_tokens, model, base_url)
        )
        return RequestEstimate(
            draft=draft_count,
            request=request,
            max_tokens=params.max_tokens,
            info=info,
            max_cost=max_cost,
            excluded_ids=selection.dropped_ids,
            over_by=selection.over_by,
        )

    def attachment_tokens(self, params: Params, attachments: Sequence[Attachment]) -> list[int]:
        """Each attachment's prompt tokens for ``params``' model (a chip's figure)."""
        model, detail = params.model, params.extra.detail
        return [
            self.counter.count_text(model, prompt_text("", [a], self.files)).tokens
            if a.kind == "text"
            else attachment_image_tokens(model, [a], detail)
            for a in attachments
        ]

    def estimated_usage(self, request: ChatRequest, reply_text: str) -> Usage:
        """Usage counted locally, for servers that report none (marked estimated)."""
        keys = [
            ChatMessageKey(key=f"req-{i}", role=m["role"], content=_wire_text(m))
            for i, m in enumerate(request.messages)
        ]
        if "tools" in request.extra:
            keys.append(ChatMessageKey(TOOLS_KEY, "system", _json(request.extra["tools"])))
        prompt = self.counter.count_messages(request.model, keys)
        completion = self.counter.count_text(request.model, reply_text)
        return Usage(
            prompt_tokens=prompt.tokens, completion_tokens=completion.tokens, estimated=True
        )

    def _count(self, params: Params, messages: Sequence[Message]) -> TokenCount:
        keys: list[ChatMessageKey] = []
        if params.system_prompt.strip():
            keys.append(ChatMessageKey(SYSTEM_KEY, "system", params.system_prompt))
        tools = self._tool_text(params)
        if tools:
            keys.append(ChatMessageKey(TOOLS_KEY, "system", tools))
        keys.extend(ChatMessageKey(m.id, m.role, _counted(m)) for m in messages)
        return self.counter.count_messages(params.model, keys)

    def _tool_text(self, params: Params) -> str:
        """The tool definitions the request sends, as the JSON the prompt tokens count
        (OpenAI turns them into text in the prompt; the JSON is a close estimate)."""
        names = params.extra.tools
        if not names:
            return ""
        definitions, _missing = self.tools.resolve(names)
        return _json([d.wire() for d in definitions]) if definitions else ""


def _counted(message: Message) -> str:
    return text_with_calls(message.content, message.tool_calls)


def _wire_text(entry: dict[str, Any]) -> str:
    """The text of a request's message that the token counter encodes."""
    text = part_text(entry.get("content"))
    calls = entry.get("tool_calls")
    return f"{text}\n{_json(calls)}" if calls else text


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
