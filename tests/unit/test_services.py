"""The services beside the chat service, and how the settings reach each of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.presets import PresetError
from gpt_tui.core.config.types import Defaults, ProviderSettings, Settings, TitleSettings
from gpt_tui.core.domain.conversation import DEMO_MODEL, Params
from gpt_tui.core.planning.planner import RequestPlanner
from gpt_tui.core.planning.pricing import PriceBook
from gpt_tui.core.planning.tokens import TokenCounter
from gpt_tui.core.providers.registry import ProviderRegistry
from gpt_tui.core.service.presets import PresetService
from gpt_tui.core.service.services import build_services
from gpt_tui.core.store.conversations import ConversationStore

CONFIG = """\
[presets.engineer]
system_prompt = "You are a senior engineer."
temperature = 0.2
"""


def test_presets_are_saved_to_their_file_and_never_over_a_hand_written_one(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    settings, _problems = load_settings(config, {})
    presets_file = tmp_path / "presets.toml"
    defaults = Params(model="gpt-4o-mini", temperature=0.9)
    presets = PresetService(settings.presets, presets_file, lambda: defaults)

    with pytest.raises(PresetError, match="edit it there"):
        presets.save("engineer", Params(model="gpt-4o"))
    with pytest.raises(PresetError):
        presets.save("  ", Params(model="gpt-4o"))
    assert not presets_file.exists()

    assert presets.save("terse", Params(model="gpt-4o", max_tokens=50)) == presets_file
    assert presets.names() == ("engineer", "terse")
    applied = presets.params("terse", Params(model="llama3", temperature=0.1))
    assert (applied.model, applied.max_tokens, applied.temperature) == ("gpt-4o", 50, 0.9)
    with pytest.raises(KeyError):
        presets.params("gone", defaults)


async def test_new_settings_reach_every_service(tmp_path: Path) -> None:
    """After setup: profiles, presets, titles and the default model of new chats follow."""
    offline = ProviderSettings(base_url=None, api_key=None, key_source="none")
    services = build_services(
        ConversationStore(tmp_path),
        ProviderRegistry(offline),
        RequestPlanner(TokenCounter(), PriceBook()),
        default_params=Params(model=DEMO_MODEL),
    )
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    loaded, _problems = load_settings(config, {})
    online = ProviderSettings(base_url=None, api_key="sk-test-0123456789", key_source="test")
    settings = Settings(
        model=None,
        provider=online,
        defaults=Defaults(),
        config_file=config,
        presets=loaded.presets,
        titles=TitleSettings(generate=True),
    )

    await services.use_settings(settings)

    assert services.connections.settings.configured
    assert services.presets.names() == ("engineer",)
    assert services.titles.settings.generate
    assert services.chat.default_params.model == "gpt-4o-mini"
    assert services.chat.new_conversation().params.model == "gpt-4o-mini"
