"""Writing the first-run setup into config.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from gpt_tui.core.config.checks import base_url_problem, syntax_location
from gpt_tui.core.config.types import ConfigWriteError
from gpt_tui.core.params.error import describe_type
from gpt_tui.core.store.fsutil import atomic_write_text

_HEADER = """\
# gpt-tui settings. The setup screen rewrites this file when it saves (comments are lost).
# Other options: model = "..." at the top; [provider] timeout, max_retries, api_key_env,
# proxy, headers; [defaults] temperature, top_p, max_tokens, system_prompt; more servers as
# [profiles.NAME] tables with default_profile = "NAME" (see `gpt-tui doctor`).
"""

# --- writing ---------------------------------------------------------------------------------


def save_setup(path: Path, *, api_key: str | None = None, base_url: str | None = None) -> None:
    """Save the first-run choices into the ``[provider]`` table of ``path``, mode 0600.

    ``None`` (or an empty string) leaves that value as it is, so saving only a URL keeps an
    existing key and vice versa. A missing file is created with a short comment header. An
    existing file is parsed, merged and rewritten atomically: every other value is kept but
    its comments and formatting are not (TOML libraries cannot round-trip them). If nothing
    changes, the file is not rewritten. A symlinked config is written through to its target.

    Raises :class:`ConfigWriteError` (and leaves the file untouched) if the file cannot be
    read, does not parse, has a ``provider`` that is not a table, if ``base_url`` is not an
    http(s) URL, or if writing fails. A broken file is never overwritten.
    """
    api_key = (api_key or "").strip() or None
    base_url = (base_url or "").strip() or None
    if base_url is not None and (problem := base_url_problem(base_url)):
        raise ConfigWriteError(f"Nothing saved to {path}: base_url {problem}.")
    target = _write_target(path)
    data = _read_for_update(target)
    existed = data is not None
    data = data or {}
    provider = data.setdefault("provider", {})
    if not isinstance(provider, dict):
        raise ConfigWriteError(
            f"{path} has 'provider' set to {describe_type(provider)} instead of a [provider] "
            "table; it was left untouched."
        )
    updates = {"base_url": base_url, "api_key": api_key}
    changes = {k: v for k, v in updates.items() if v is not None and provider.get(k) != v}
    if existed and not changes:
        return
    provider.update(changes)
    try:
        text = _HEADER + tomli_w.dumps(data)
    except (TypeError, ValueError) as exc:
        raise ConfigWriteError(f"Cannot rewrite {path} ({exc}); it was left untouched.") from exc
    try:
        atomic_write_text(target, text, mode=0o600)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigWriteError(f"Cannot write {path} ({reason}); it was left untouched.") from exc


def _write_target(path: Path) -> Path:
    """The file to replace: the target of a symlink, so dotfile links survive a save."""
    try:
        return path.resolve() if path.is_symlink() else path
    except (OSError, RuntimeError) as exc:
        raise ConfigWriteError(f"Cannot follow the symlink {path} ({exc}).") from exc


def _read_for_update(path: Path) -> dict[str, Any] | None:
    """The parsed file to merge into; ``None`` if it does not exist."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigWriteError(f"Cannot read {path} ({reason}); it was left untouched.") from exc
    except UnicodeDecodeError as exc:
        raise ConfigWriteError(f"{path} is not UTF-8 text; it was left untouched.") from exc
    try:
        return tomllib.loads(text)
    except ValueError as exc:
        line, reason = syntax_location(exc, text)
        where = "" if line is None else f" (line {line}: {reason})"
        raise ConfigWriteError(
            f"{path} is not valid TOML{where}; it was left untouched. Fix or remove it, "
            "then set up again."
        ) from exc
    except RecursionError as exc:
        raise ConfigWriteError(f"{path} is nested too deeply; it was left untouched.") from exc
