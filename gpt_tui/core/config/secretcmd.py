"""Run the commands that print an API key or an Azure AD token (``api_key_cmd``, ``ad_token_cmd``).

A command is split like a shell would (``shlex.split``) but run without a shell, with no
standard input (so it can never wait on the terminal the TUI owns) and a time limit. Its
first line of output, stripped, is the secret; it is kept in memory only and never appears
in an error message (stderr is shown, shortened, since it says why a command failed).
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping
from pathlib import Path

COMMAND_TIMEOUT = 10.0
"""Seconds a key or token command may take before it is killed."""

_STDERR_LIMIT = 160


class SecretCommandError(Exception):
    """A key or token command could not give a secret; the message says why."""


def split_command(command: str) -> list[str]:
    """The argument list of ``command``; raises :class:`ValueError` with a reason."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:  # "No closing quotation", "No escaped character"
        raise ValueError(f"cannot be split into arguments ({str(exc).lower()})") from None
    if not argv:
        raise ValueError("is empty")
    return argv


def program_name(command: str) -> str:
    """The program a command runs, for display ("pass", "az"); never its arguments."""
    try:
        argv = split_command(command)
    except ValueError:
        return "?"
    return Path(argv[0]).name


def run_secret_command(
    command: str,
    env: Mapping[str, str] | None = None,
    *,
    timeout: float = COMMAND_TIMEOUT,
) -> str:
    """The secret ``command`` prints: the first line of its standard output, stripped.

    ``env`` is the environment the command runs with (``None``: this process's). Raises
    :class:`SecretCommandError` if the command cannot be split or started, times out,
    exits with a non-zero status or prints nothing.
    """
    try:
        argv = split_command(command)
    except ValueError as exc:
        raise SecretCommandError(f"the command {exc}") from None
    program = Path(argv[0]).name
    try:
        result = subprocess.run(  # the user's own command, without a shell
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            env=None if env is None else dict(env),
            check=False,
        )
    except FileNotFoundError:
        raise SecretCommandError(f"the program '{program}' was not found") from None
    except PermissionError:
        message = f"the program '{program}' cannot be run (permission denied)"
        raise SecretCommandError(message) from None
    except subprocess.TimeoutExpired:
        raise SecretCommandError(
            f"'{program}' did not finish within {timeout:g} s and was stopped"
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SecretCommandError(f"'{program}' could not be started ({reason})") from None
    if result.returncode != 0:
        said = _first_line(result.stderr)
        detail = f": {said}" if said else ""
        raise SecretCommandError(f"'{program}' failed (exit status {result.returncode}){detail}")
    secret = result.stdout.strip().split("\n", 1)[0].strip()
    if not secret:
        raise SecretCommandError(f"'{program}' printed nothing")
    return secret


def _first_line(text: str) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= _STDERR_LIMIT else line[: _STDERR_LIMIT - 1] + "…"
