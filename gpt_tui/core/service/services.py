"""The services the app is handed, built together over one data folder.

:class:`ChatService` owns conversations and runs turns; beside it, :class:`UiState`
(drafts, last conversation, theme), :class:`PresetService`, :class:`SearchService`,
:class:`TitleService`, :class:`Connections` (profiles, models, encoders, prices) and
:class:`UsageAccounts` (costs and totals). The composition root (:mod:`gpt_tui.cli`)
builds them with :func:`build_services`; tests build the ones they need the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.mcp_settings import McpServerSettings
from gpt_tui.core.config.presets import Preset
from gpt_tui.core.config.types import Settings, TitleSettings
from gpt_tui.core.config.writing import save_setup
from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.schema import utc_now
from gpt_tui.core.domain.tools import ToolCatalog
from gpt_tui.core.planning.planner import RequestPlanner
from gpt_tui.core.providers.registry import ProviderRegistry
from gpt_tui.core.service.attachments import AttachmentService
from gpt_tui.core.service.budget import BudgetService
from gpt_tui.core.service.chat import DEFAULT_IDLE_TIMEOUT, ChatService
from gpt_tui.core.service.compare import CompareColumns
from gpt_tui.core.service.connections import Connections
from gpt_tui.core.service.mcp import McpServers
from gpt_tui.core.service.presets import PresetService
from gpt_tui.core.service.search import SearchService
from gpt_tui.core.service.server_windows import CACHE_FILE, ServerWindows
from gpt_tui.core.service.state import UiState
from gpt_tui.core.service.titles import TitleService
from gpt_tui.core.service.tools import ToolsService
from gpt_tui.core.service.usage import UsageAccounts
from gpt_tui.core.store.attachments import FOLDER as ATTACHMENTS_FOLDER
from gpt_tui.core.store.attachments import AttachmentStore
from gpt_tui.core.store.conversations import ConversationStore
from gpt_tui.core.store.ledger import UsageLedger
from gpt_tui.core.store.search_index import SearchIndex


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the app asks of the core, one service per concern."""

    chat: ChatService
    connections: Connections
    presets: PresetService
    search: SearchService
    state: UiState
    titles: TitleService
    usage: UsageAccounts
    budget: BudgetService
    windows: ServerWindows
    attachments: AttachmentService
    compare: CompareColumns = field(default_factory=CompareColumns)
    """The columns compare mode starts with (``[[compare.columns]]``)."""
    mcp: McpServers = field(default_factory=lambda: McpServers({}))
    """The configured MCP servers (started on first need)."""
    tools: ToolsService = field(default_factory=lambda: ToolsService(ToolCatalog(), McpServers({})))
    """Tools files and imported MCP servers."""

    @staticmethod
    def save_setup(
        config_file: Path,
        env: Mapping[str, str],
        *,
        api_key: str | None = None,
        base_url: str | None = None,
    ) -> Settings:
        """Save the first-run choice to ``config_file`` and read the settings back.

        Blocking — reading runs each profile's ``api_key_cmd`` (up to 10 s): call it from a
        worker thread, then hand the result to :meth:`use_settings` on the event loop.
        Raises :class:`~gpt_tui.core.config.types.ConfigWriteError` (the file is left as
        it was) when the existing file cannot be safely updated.
        """
        save_setup(config_file, api_key=api_key, base_url=base_url)
        settings, _problems = load_settings(config_file, env)
        return settings

    async def use_settings(self, settings: Settings) -> None:
        """Use freshly loaded settings from now on (profiles, presets, titles, the default
        model of new conversations)."""
        await self.connections.reconfigure(settings.provider)
        self.presets.use(settings.presets)
        self.titles.settings = settings.titles
        self.compare.columns = settings.compare.columns
        self.chat.use_settings(settings)
        self.budget.use(settings)


def build_services(
    store: ConversationStore,
    providers: ProviderRegistry,
    planner: RequestPlanner,
    *,
    default_params: Params,
    ledger: UsageLedger | None = None,
    search_index: SearchIndex | None = None,
    presets: Mapping[str, Preset] | None = None,
    presets_file: Path | None = None,
    titles: TitleSettings | None = None,
    now: Callable[[], datetime] = utc_now,
    timer: Callable[[], float] = time.monotonic,
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    save_interval: float = 1.0,
    budget: Settings | None = None,
    compare_columns: Sequence[Preset] = (),
    mcp_servers: Mapping[str, McpServerSettings] | None = None,
    attachments: AttachmentStore | None = None,
) -> Services:
    """The services over ``store`` (``search_index`` is the one the store keeps current);
    ``budget``: the settings whose monthly budgets apply (none without); ``attachments``
    by default the store folder's ``attachments/``."""
    mcp = McpServers(mcp_servers or {})
    planner.tools.source = mcp
    connections = Connections(providers, planner)
    files = attachments or AttachmentStore(store.root / ATTACHMENTS_FOLDER)
    usage = UsageAccounts(connections, ledger, now=now)
    budget_service = BudgetService(usage, None, {}, default_profile=None, now=now)
    if budget is not None:
        budget_service.use(budget)
    title_service = TitleService(connections, usage, titles)
    chat = ChatService(
        store,
        connections,
        default_params=default_params,
        usage=usage,
        titles=title_service,
        save_interval=save_interval,
        now=now,
        timer=timer,
        idle_timeout=idle_timeout,
        files=files.read,
    )
    return Services(
        chat=chat,
        connections=connections,
        presets=PresetService(presets, presets_file, lambda: chat.default_params),
        search=SearchService(store, search_index),
        state=UiState(store),
        titles=title_service,
        usage=usage,
        budget=budget_service,
        windows=ServerWindows(connections, store.root / CACHE_FILE),
        compare=CompareColumns(compare_columns),
        mcp=mcp,
        tools=ToolsService(planner.tools, mcp),
        attachments=AttachmentService(files),
    )
