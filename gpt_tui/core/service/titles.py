"""Short conversation titles written by the model (optional: ``[titles] generate = true``).

A new conversation is titled with the start of its first prompt at once. With the setting
on, after the first reply completes the service asks the model (or ``[titles] model``) for
a few words that name the conversation, in the conversation's language, and uses them
unless the user renamed the conversation meanwhile. It costs one small request per
conversation, which is why it is off by default.
"""

from __future__ import annotations

import asyncio
import logging
import re

from gpt_tui.core.config.types import TitleSettings
from gpt_tui.core.domain.conversation import Conversation, Params, title_from_prompt
from gpt_tui.core.domain.message import Message, MessageStatus, Usage
from gpt_tui.core.domain.reasoning import split_think
from gpt_tui.core.params.capabilities import capabilities_for
from gpt_tui.core.providers.base import TextDelta, UsageReported
from gpt_tui.core.service.connections import Connections
from gpt_tui.core.service.usage import UsageAccounts

log = logging.getLogger(__name__)

TITLE_TIMEOUT = 30.0
"""Seconds a generated title may take before the automatic one is kept."""

TITLE_INSTRUCTIONS = (
    "You name conversations. Reply with a title of at most six words for the conversation "
    "below, in the language the user wrote in. No quotes, no final punctuation, nothing else."
)
"""The system prompt of a title request."""

EXCERPT_CHARS = 1_500
"""How much of the prompt and of the reply a title request sends (the start is enough)."""

MAX_TITLE_CHARS = 80
TITLE_TOKENS = 30
"""max_tokens of a title request for models that take it (reasoning models get none: their
hidden reasoning counts against it and would leave no room for the title)."""

_PREFIX_RE = re.compile(r"^\s*(title|标题|題名|タイトル)\s*[:：]\s*", re.IGNORECASE)
_QUOTES = "\"'“”‘’«»「」『』《》`*#"
_TRAILING = ".。!！?？,，;；:："


def wants_title(conversation: Conversation) -> bool:
    """Whether the conversation has exactly its first prompt and a complete reply, and still
    carries the automatic title (a title the user chose is never replaced)."""
    messages = [m for m in conversation.messages if m.role != "system"]
    if len(messages) != 2 or messages[0].role != "user" or messages[1].role != "assistant":
        return False
    return bool(messages[1].content.strip()) and has_automatic_title(conversation)


def has_automatic_title(conversation: Conversation) -> bool:
    """Whether the title is still the start of the first prompt (not the user's choice)."""
    first = next((m for m in conversation.messages if m.role == "user"), None)
    return first is not None and conversation.title == title_from_prompt(first.content)


def title_history(conversation: Conversation) -> list[Message]:
    """The one user message of a title request: the start of the first prompt and reply."""
    prompt, reply = [m for m in conversation.messages if m.role != "system"][:2]
    text = f"User: {prompt.content[:EXCERPT_CHARS]}\n\nAssistant: {reply.content[:EXCERPT_CHARS]}"
    return [Message(role="user", content=text, id="title-request")]


def title_params(params: Params, settings: TitleSettings, *, reasoning: bool) -> Params:
    """The conversation's profile with the title model and instructions, nothing else set
    (the conversation's own sampling settings are for its replies, not for this)."""
    return Params(
        model=settings.model or params.model,
        max_tokens=None if reasoning else TITLE_TOKENS,
        system_prompt=TITLE_INSTRUCTIONS,
        profile=params.profile,
    )


def clean_title(text: str) -> str | None:
    """The title in a model's answer: its first non-empty line without a "Title:" prefix,
    quotes, Markdown marks or final punctuation; ``None`` if nothing usable is left."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    line = _PREFIX_RE.sub("", line)
    previous = None
    while line != previous:  # 「Title」。 and "Title." alike
        previous = line
        line = line.strip().strip(_QUOTES).rstrip(_TRAILING)
    line = " ".join(line.split())
    if not line:
        return None
    if len(line) > MAX_TITLE_CHARS:
        line = line[: MAX_TITLE_CHARS - 1].rstrip() + "…"
    return line


class TitleService:
    """Asks the model to name a conversation after its first reply, when the settings say
    so; the usage of that request is counted like a reply's."""

    def __init__(
        self,
        connections: Connections,
        usage: UsageAccounts,
        settings: TitleSettings | None = None,
    ) -> None:
        self._connections = connections
        self._usage = usage
        self.settings = settings or TitleSettings()
        """``[titles]`` from config.toml (replaced when the settings are read again)."""

    def wanted(self, conversation: Conversation, reply: Message) -> bool:
        """Whether this reply's turn should be followed by a title request."""
        return (
            self.settings.generate
            and reply.status is MessageStatus.COMPLETE
            and wants_title(conversation)
        )

    async def generate(self, conversation: Conversation) -> str | None:
        """A short title from the model, or None (failures only leave a log line). The
        caller uses it unless the user renamed the conversation meanwhile."""
        settings = self.settings
        reasoning = capabilities_for(settings.model or conversation.params.model).reasoning
        params = title_params(conversation.params, settings, reasoning=reasoning)
        planner = self._connections.planner
        base_url = self._connections.base_url_for(params)
        request, _ = planner.request(params, title_history(conversation), base_url)
        parts: list[str] = []
        usage: Usage | None = None
        try:
            provider = self._connections.provider_for(params)
            async with asyncio.timeout(TITLE_TIMEOUT):
                async for event in provider.stream(request):
                    if isinstance(event, TextDelta):
                        parts.append(event.text)
                    elif isinstance(event, UsageReported):
                        usage = event.usage
        except Exception as exc:  # the automatic title stays; never fail the turn for this
            log.info("no generated title: %s", type(exc).__name__)
            return None
        if usage is not None:
            cost = self._usage.cost(usage, params.model, params)
            record = self._usage.title_record(conversation, usage, cost, params.model)
            self._usage.record(usage, cost, reply=record)
        return clean_title(split_think("".join(parts))[1])
