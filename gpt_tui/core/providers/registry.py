"""Which backend serves a model: the offline demo, or one of the configured profiles.

Each profile gets its own provider (and SDK client), built on first use, so a key, its
headers and its proxy are only ever used for that profile's URL. ``profile=None``
everywhere means the profile in use (:attr:`ProviderRegistry.default_profile`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from gpt_tui.core.domain.conversation import DEMO_MODEL
from gpt_tui.core.domain.message import ErrorInfo
from gpt_tui.core.providers.base import ChatProvider, ModelList, ProviderError
from gpt_tui.core.providers.demo import DemoProvider
from gpt_tui.core.providers.openai_client import DEFAULT_BASE_URL, OpenAIProvider

if TYPE_CHECKING:
    from gpt_tui.core.config.types import ProviderSettings, Settings

__all__ = ["DEFAULT_BASE_URL", "NOT_CONFIGURED", "ProviderRegistry", "make_provider"]

NOT_CONFIGURED = ErrorInfo(
    title="No API key or server is configured",
    hint=(
        "Press F4 to paste an API key or a local server URL, or start gpt-tui with "
        "OPENAI_API_KEY (and OPENAI_BASE_URL) set. The model 'demo' works offline."
    ),
)


def make_provider(settings: ProviderSettings) -> ChatProvider:
    """The provider for one profile: Azure for ``kind = "azure"``, else the OpenAI client."""
    if settings.effective_kind == "azure":
        from gpt_tui.core.providers.azure import AzureProvider

        return AzureProvider(settings)
    return OpenAIProvider(settings)


def _not_configured(settings: ProviderSettings) -> ErrorInfo:
    if settings.table == "provider":
        return NOT_CONFIGURED
    from gpt_tui.core.providers.errors import key_fix, url_key

    return ErrorInfo(
        f"The profile '{settings.name}' has no API key or server",
        f"Set {url_key(settings)}, and a key: {key_fix(settings)}. The model 'demo' works offline.",
    )


class ProviderRegistry:
    """Hands out one provider per profile, built on first use.

    Built from one :class:`ProviderSettings` (as before profiles existed) it knows that one
    profile; give ``profiles`` (or use :meth:`from_settings`) to know them all.
    """

    def __init__(
        self,
        settings: ProviderSettings,
        *,
        demo: ChatProvider | None = None,
        make_provider: Callable[[ProviderSettings], ChatProvider] = make_provider,
        profiles: Mapping[str, ProviderSettings] | None = None,
    ) -> None:
        self._demo = demo if demo is not None else DemoProvider()
        self._make_provider = make_provider
        self._profiles: dict[str, ProviderSettings] = dict(profiles or {})
        self._profiles[settings.name] = settings
        self._default = settings.name
        self._remote: dict[str, ChatProvider] = {}
        self._models: dict[str, ModelList] = {}

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        demo: ChatProvider | None = None,
        make_provider: Callable[[ProviderSettings], ChatProvider] = make_provider,
    ) -> ProviderRegistry:
        """A registry of every profile in ``settings``, using ``settings.provider``."""
        return cls(
            settings.provider, demo=demo, make_provider=make_provider, profiles=settings.profiles
        )

    # Profiles ---------------------------------------------------------------------------

    @property
    def settings(self) -> ProviderSettings:
        """The profile in use."""
        return self._profiles[self._default]

    @property
    def default_profile(self) -> str:
        """The name of the profile used when none is named."""
        return self._default

    @property
    def profile_names(self) -> tuple[str, ...]:
        return tuple(self._profiles)

    def profile(self, name: str | None = None) -> ProviderSettings:
        """The settings of profile ``name``; raises :class:`ProviderError` for an unknown one."""
        if name is None:
            return self.settings
        try:
            return self._profiles[name]
        except KeyError:
            from gpt_tui.core.config.types import ProfileNotFound

            message = str(ProfileNotFound(name, self.profile_names))
            raise ProviderError(ErrorInfo(f"No profile named '{name}'", message)) from None

    def set_default_profile(self, name: str) -> None:
        """Use profile ``name`` when none is named (the profile switcher)."""
        self.profile(name)
        self._default = name

    # Providers --------------------------------------------------------------------------

    def for_model(self, model: str, profile: str | None = None) -> ChatProvider:
        """The provider for ``model`` in ``profile``; raises :class:`ProviderError` when that
        profile is not set up (or unknown). The demo model needs no profile."""
        if model == DEMO_MODEL:
            return self._demo
        return self._provider(self.profile(profile))

    def _provider(self, settings: ProviderSettings) -> ChatProvider:
        if not settings.configured:
            raise ProviderError(_not_configured(settings))
        remote = self._remote.get(settings.name)
        if remote is None:
            remote = self._remote[settings.name] = self._make_provider(settings)
        return remote

    def label_for(self, model: str, profile: str | None = None) -> str:
        """Where requests for ``model`` go, for display."""
        if model == DEMO_MODEL:
            return "demo (offline, canned replies)"
        try:
            settings = self.profile(profile)
        except ProviderError:
            return f"unknown profile '{profile}'"
        if not settings.configured:
            return "not configured (F4)"
        return settings.host

    def rejected_params(self, model: str, profile: str | None = None) -> Mapping[str, str | None]:
        """Parameters the server refused for ``model`` in ``profile`` this session."""
        remote = self._remote.get(self.profile(profile).name)
        rejected = getattr(remote, "rejected_params", None)
        return rejected(model) if callable(rejected) else {}

    async def list_models(self, profile: str | None = None, *, refresh: bool = False) -> ModelList:
        """The models ``profile`` offers (cached per profile until ``refresh``); never raises
        for server trouble: the result's ``reason`` says why its list is short."""
        settings = self.profile(profile)
        cached = self._models.get(settings.name)
        if cached is not None and not refresh:
            return cached
        configured = tuple(dict.fromkeys((*settings.models, *settings.deployments)))
        if not settings.configured:
            return ModelList(settings.name, configured, (), _not_configured(settings).title)
        provider = self._provider(settings)
        lister = getattr(provider, "list_models", None)
        if not callable(lister):
            reason = f"{provider.label} cannot list its models"
            return ModelList(settings.name, configured, (), reason)
        result = await lister()
        if not isinstance(result, ModelList):
            result = ModelList(settings.name, configured, (), "no model list")
        self._models[settings.name] = result
        return result

    # Lifecycle --------------------------------------------------------------------------

    async def reconfigure(self, settings: ProviderSettings | Settings) -> None:
        """Use new settings from now on (after the setup screen saved them).

        A :class:`ProviderSettings` replaces the profile of its name and makes it the one in
        use; a :class:`Settings` replaces every profile. Providers of changed or removed
        profiles are closed; learned parameter rejections of unchanged ones are kept.
        """
        from gpt_tui.core.config.types import ProviderSettings as _ProviderSettings

        if isinstance(settings, _ProviderSettings):
            profiles = {**self._profiles, settings.name: settings}
            default = settings.name
        else:
            profiles = dict(settings.profiles)
            default = settings.provider.name
        stale = [n for n in self._remote if self._profiles.get(n) != profiles.get(n)]
        self._profiles = profiles
        self._default = default
        for name in stale:
            self._models.pop(name, None)
            await self._remote.pop(name).aclose()
        for name in [n for n in self._models if n not in profiles]:
            del self._models[name]

    async def aclose(self) -> None:
        remote, self._remote = self._remote, {}
        for provider in remote.values():
            await provider.aclose()
