"""Work the chat screen does in the background once its first frame is drawn: loading the
encoder and prices that exact figures need, asking a profile's server for its models and
the open model's context window, and bringing the search index up to date. Each runs in a
worker and only posts its result."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from gpt_tui.core.domain.conversation import Params
from gpt_tui.ui.messages import ModelDataLoaded, ModelsListed

if TYPE_CHECKING:
    from gpt_tui.ui.screens.chat import ChatScreen


class BackgroundWork:
    """Starts nothing before :meth:`start` (the first frame comes first)."""

    def __init__(self, screen: ChatScreen) -> None:
        self._screen = screen
        self._services = screen.services
        self._started = False
        self._loaded_models: set[str] = set()
        self._windows_asked: set[tuple[str | None, str]] = set()

    def start(self) -> None:
        """Start loading encoders and prices (the app calls this after the first frame)."""
        self._started = True
        params = self._screen.conversation.params
        self.ensure_model_data(params.model)
        self.list_models(params.profile)
        self._services.mcp.start_for(params.extra.tools or ())
        self._screen.run_worker(
            self._services.search.catch_up,
            name="catch-up-search",
            group="search-index",
            thread=True,
            exit_on_error=False,
        )
        if self._services.budget.configured:  # budgets count from the per-reply log
            self._screen.run_worker(
                self._services.usage.replies, name="usage-log", thread=True, exit_on_error=False
            )

    def ensure_model_data(self, model: str) -> None:
        """Load ``model``'s encoder and the prices off the UI thread, once per model;
        figures are ≈ until then (:class:`ModelDataLoaded` says when they are exact)."""
        self.learn_window()
        if self._started and model not in self._loaded_models:
            self._loaded_models.add(model)
            self._screen.run_worker(
                partial(self._load_model_data, model),
                name="load-model-data",
                group="model-data",
                thread=True,
                exit_on_error=False,
            )

    def _load_model_data(self, model: str) -> None:
        self._services.connections.load_model_data(model)
        self._screen.post_message(ModelDataLoaded(model))

    def learn_window(self) -> None:
        """Ask the open conversation's server for its model's context window (once per
        session per server and model, the service remembers); :class:`ModelDataLoaded`
        redraws the figures when it is known."""
        params = self._screen.conversation.params
        if self._started and (params.profile, params.model) not in self._windows_asked:
            self._windows_asked.add((params.profile, params.model))
            self._screen.run_worker(
                self._learn_window(params),
                name="learn-window",
                group="windows",
                exit_on_error=False,
            )

    async def _learn_window(self, params: Params) -> None:
        windows = self._services.windows
        before = windows.known(params)
        found = await windows.learn(params)
        if found is not None and found != before:
            self._screen.post_message(ModelDataLoaded(params.model))
            if found.warning:
                self._screen.notify(found.warning, title="Context window", severity="warning")

    def list_models(self, profile: str | None) -> None:
        """Ask the profile's server which models it has (GET /models), in the background;
        :class:`ModelsListed` brings the answer."""
        self.learn_window()
        if self._started and self._services.connections.is_configured(profile):
            self._screen.run_worker(
                self._fetch_models(profile),
                name="fetch-models",
                group="models",
                exclusive=True,
                exit_on_error=False,
            )

    async def _fetch_models(self, profile: str | None) -> None:
        models = await self._services.connections.models_for(profile)
        self._screen.post_message(ModelsListed(profile, models))
