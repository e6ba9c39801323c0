"""Where requests go and what is known about their models: profiles, servers, the models a
server lists, and the encoders and prices that estimates and costs need.

The UI asks this service, never the provider registry or the planner behind it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gpt_tui.core.config.types import ProviderSettings
from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.planning.planner import RequestPlanner
from gpt_tui.core.providers.base import ChatProvider, ProviderError
from gpt_tui.core.providers.registry import ProviderRegistry


@dataclass(frozen=True, slots=True)
class ProfileInfo:
    """A profile as the palette and the setup screen describe it."""

    name: str
    kind: str
    host: str


class Connections:
    """Profiles and their servers, model lists, encoders and prices."""

    def __init__(self, providers: ProviderRegistry, planner: RequestPlanner) -> None:
        self._providers = providers
        self.planner = planner
        """Token counts, context selection and prices (for the services, not the UI)."""

    # Profiles -------------------------------------------------------------------------

    @property
    def settings(self) -> ProviderSettings:
        """The default profile's settings (configured or not, its URL, its masked key)."""
        return self._providers.settings

    @property
    def default_profile(self) -> str | None:
        return self._providers.default_profile

    def schema_names(self) -> tuple[str, ...]:
        """The valid ``[schemas.NAME]`` of config.toml, sorted (``json_schema:NAME``)."""
        return tuple(sorted(self.planner.schemas))

    def profile_names(self) -> tuple[str, ...]:
        return self._providers.profile_names

    def profile_info(self, name: str | None) -> ProfileInfo:
        """What kind of server a profile points at, and its host (raises
        :class:`ProviderError` for a profile no longer in config.toml)."""
        profile = self._providers.profile(name)
        return ProfileInfo(name or "", profile.effective_kind, profile.host)

    def is_configured(self, profile: str | None) -> bool:
        """Whether requests of ``profile`` can go out (False for a removed profile)."""
        try:
            return self._providers.profile(profile).configured
        except ProviderError:
            return False

    def label(self, model: str, profile: str | None = None) -> str:
        """Where requests for ``model`` go, for display ("demo (offline)", a host name…)."""
        try:
            return self._providers.label_for(model, profile)
        except ProviderError as exc:
            return exc.info.title

    def base_url_for(self, params: Params) -> str | None:
        """The URL a conversation's requests go to (its profile's), for pricing."""
        try:
            return self._providers.profile(params.profile).url
        except ProviderError:
            return self._providers.settings.base_url

    def vision_for(self, params: Params) -> bool | None:
        """The profile's ``vision`` setting for this conversation (None: not set)."""
        try:
            return self._providers.profile(params.profile).vision
        except ProviderError:
            return None

    def provider_for(self, params: Params) -> ChatProvider:
        """The client that sends requests with these parameters (raises
        :class:`ProviderError` when it cannot be built)."""
        return self._providers.for_model(params.model, params.profile)

    def request_profile(self, params: Params) -> tuple[ProviderSettings, Mapping[str, str | None]]:
        """The profile a request with ``params`` uses and the parameters it is known to
        reject (the default profile when that profile is gone from config.toml)."""
        try:
            profile = self._providers.profile(params.profile)
            rejected = self._providers.rejected_params(params.model, params.profile)
        except ProviderError:
            return self._providers.settings, {}
        return profile, rejected

    def secrets(self) -> list[str]:
        """Every profile's key and header values, so the log can mask them should one ever
        reach a record (not only the default profile's: a conversation may use another)."""
        names = self._providers.profile_names or (None,)
        return sorted({s for name in names for s in self._providers.profile(name).secrets})

    async def models_for(self, profile: str | None) -> list[str]:
        """Model names to offer for ``profile``: configured ones, then the server's list."""
        try:
            listing = await self._providers.list_models(profile)
        except ProviderError:
            return []
        return list(listing.models)

    async def reconfigure(self, settings: ProviderSettings) -> None:
        """Use new profile settings from now on."""
        await self._providers.reconfigure(settings)

    async def aclose(self) -> None:
        """Close every client (at quit)."""
        await self._providers.aclose()

    # Model data ------------------------------------------------------------------------

    def load_model_data(self, model: str) -> None:
        """Load the price data and ``model``'s encoder (blocking: run it in a worker
        thread); estimates are approximate until then."""
        self.planner.prices.load()
        self.planner.counter.load(model)

    @property
    def prices_loaded(self) -> bool:
        return self.planner.prices.loaded
