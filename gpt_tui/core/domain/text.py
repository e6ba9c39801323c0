"""Make untrusted text safe to draw in a terminal, without losing what it says.

Model output and pasted text can hold escape sequences (colours, cursor moves, OSC 52
clipboard writes, OSC 8 links, window titles) and other control characters. Written to the
terminal they would act instead of showing. For display, each control character becomes
its visible Unicode "control picture" (ESC → ␛, NUL → ␀); newlines and tabs stay. The
stored text is never changed: this is applied only where text is drawn.
"""

from __future__ import annotations

import re

_C0 = "".join(chr(c) for c in range(0x20) if chr(c) not in "\n\t")
_CONTROL = re.compile(f"[{re.escape(_C0)}\x7f\x80-\x9f]")


def _picture(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if code == 0x7F:
        return "␡"
    return "\ufffd"  # C1 controls have no pictures


def printable(text: str) -> str:
    """``text`` with every control character but newline and tab shown as a symbol."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(_picture, text.replace("\r\n", "\n"))


def pasted(text: str) -> str:
    """A paste as the prompt keeps it: line breaks as ``\\n``, other controls as symbols.

    Terminals send a paste's line breaks as ``\\r`` (or ``\\r\\n``); every other control
    character (an escape sequence copied from a terminal, say) is kept where it was, shown
    by :func:`printable`, so the prompt neither draws it raw nor drops it.
    """
    return printable(text.replace("\r\n", "\n").replace("\r", "\n"))
