"""The launch path stays light and the core stays free of the UI toolkit."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

HEAVY = ("openai", "tiktoken", "genai_prices")


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_core_imports_without_textual_or_rich() -> None:
    out = run_python(
        """
        import sys
        import gpt_tui.core.service.chat, gpt_tui.core.store.conversations
        import gpt_tui.core.config.loading
        import gpt_tui.core.providers.registry, gpt_tui.core.providers.openai_client
        print(sorted(m for m in ("textual", "rich") if m in sys.modules))
        """
    )
    assert out == "[]"


def test_first_frame_does_not_import_the_sdk_or_tokenizer(tmp_path: Path) -> None:
    out = run_python(
        f"""
        import asyncio, sys
        from pathlib import Path
        from gpt_tui.cli import build_app
        from gpt_tui.paths import Paths

        root = Path({str(tmp_path)!r})
        app = build_app(
            Paths(config_file=root / "config.toml", data_dir=root / "data"),
            {{"OPENAI_API_KEY": "sk-test-key-0123456789"}},
            warm_up=False,
        )

        async def main() -> None:
            async with app.run_test() as pilot:
                await pilot.pause()
                print(sorted(m for m in {HEAVY!r} if m in sys.modules))

        asyncio.run(main())
        """
    )
    assert out == "[]"
