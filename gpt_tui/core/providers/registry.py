"""Which backend serves a model: the offline demo, or the configured server."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from gpt_tui.core.models import DEMO_MODEL, ErrorInfo
from gpt_tui.core.providers.base import ChatProvider, ProviderError
from gpt_tui.core.providers.demo import DemoProvider
from gpt_tui.core.providers.openai_client import DEFAULT_BASE_URL, OpenAIProvider

if TYPE_CHECKING:
    from gpt_tui.core.config import ProviderSettings

NOT_CONFIGURED = ErrorInfo(
    title="No API key or server is configured",
    hint=(
        "Press F4 to paste an API key or a local server URL, or start gpt-tui with "
        "OPENAI_API_KEY (and OPENAI_BASE_URL) set. The model 'demo' works offline."
    ),
)


def _make_openai(settings: ProviderSettings) -> ChatProvider:
    return OpenAIProvider(settings)


class ProviderRegistry:
    """Hands out one provider per backend, built on first use."""

    def __init__(
        self,
        settings: ProviderSettings,
        *,
        demo: ChatProvider | None = None,
        make_provider: Callable[[ProviderSettings], ChatProvider] = _make_openai,
    ) -> None:
        self._settings = settings
        self._demo = demo if demo is not None else DemoProvider()
        self._make_provider = make_provider
        self._remote: ChatProvider | None = None

    @property
    def settings(self) -> ProviderSettings:
        return self._settings

    def for_model(self, model: str) -> ChatProvider:
        """The provider for ``model``; raises :class:`ProviderError` when none is set up."""
        if model == DEMO_MODEL:
            return self._demo
        if not self._settings.configured:
            raise ProviderError(NOT_CONFIGURED)
        if self._remote is None:
            self._remote = self._make_provider(self._settings)
        return self._remote

    def label_for(self, model: str) -> str:
        """Where requests for ``model`` go, for display."""
        if model == DEMO_MODEL:
            return "demo (offline, canned replies)"
        if not self._settings.configured:
            return "not configured (F4)"
        url = self._settings.base_url or DEFAULT_BASE_URL
        return urlsplit(url).netloc or url

    async def reconfigure(self, settings: ProviderSettings) -> None:
        """Use new settings from now on (after the setup screen saved them)."""
        old, self._remote = self._remote, None
        self._settings = settings
        if old is not None:
            await old.aclose()

    async def aclose(self) -> None:
        if self._remote is not None:
            await self._remote.aclose()
            self._remote = None
