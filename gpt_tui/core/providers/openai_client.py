"""Streaming chat completions through the official ``openai`` SDK.

``openai`` takes about a second to import, so it is imported on first use (or by
:func:`preload` in a background thread after the first frame), never at launch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from gpt_tui.core.models import Usage
from gpt_tui.core.providers.base import (
    ChatRequest,
    ProviderError,
    StreamEvent,
    TextDelta,
    UsageReported,
)
from gpt_tui.core.providers.errors import describe_error

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from gpt_tui.core.config import ProviderSettings

DEFAULT_BASE_URL = "https://api.openai.com/v1"
NO_KEY = "no-key"
"""Sent to servers configured without a key (many local servers ignore the header)."""


def preload() -> None:
    """Import the SDK so the first request does not pay for it."""
    import openai  # noqa: F401


class OpenAIProvider:
    """Streams replies from an OpenAI-compatible ``/chat/completions`` endpoint."""

    def __init__(self, settings: ProviderSettings) -> None:
        self._settings = settings
        self._client: AsyncOpenAI | None = None
        self.base_url = (settings.base_url or DEFAULT_BASE_URL).rstrip("/")
        self.label = urlsplit(self.base_url).netloc or self.base_url

    def _get_client(self) -> AsyncOpenAI:
        if self._client is None:
            from openai import AsyncOpenAI

            self._client = AsyncOpenAI(
                api_key=self._settings.api_key or NO_KEY,
                base_url=self.base_url,
                timeout=self._settings.timeout,
                max_retries=self._settings.max_retries,
            )
        return self._client

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        secrets = [self._settings.api_key or ""]
        try:
            client = self._get_client()
            response = await client.chat.completions.create(
                **request.sdk_kwargs(),
                stream=True,
                stream_options={"include_usage": True},
            )
            async with response as chunks:
                async for chunk in chunks:
                    if chunk.usage is not None:
                        yield UsageReported(_usage(chunk.usage))
                    for choice in chunk.choices:
                        text = choice.delta.content if choice.delta else None
                        if text:
                            yield TextDelta(text)
        except ProviderError:
            raise
        except Exception as exc:
            # ``from None``: the SDK's exception carries the request and its headers.
            raise ProviderError(describe_error(exc, self.base_url, secrets)) from None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


def _usage(raw: Any) -> Usage:
    prompt_details = getattr(raw, "prompt_tokens_details", None)
    completion_details = getattr(raw, "completion_tokens_details", None)
    return Usage(
        prompt_tokens=int(raw.prompt_tokens or 0),
        completion_tokens=int(raw.completion_tokens or 0),
        cached_tokens=int(getattr(prompt_details, "cached_tokens", 0) or 0),
        reasoning_tokens=int(getattr(completion_details, "reasoning_tokens", 0) or 0),
    )
