"""Textual's Linux / macOS driver, reading the terminal with :class:`InputParser`.

Only the input thread differs from Textual's ``LinuxDriver.run_input_thread`` (textual
8.2): it parses with :class:`~gpt_tui.ui.input_parser.InputParser`, so a bracketed paste
arrives whole and in place and a burst of text is one Paste (see that module for why).
The driver builds its parser inside that method, so the method is restated here.
"""

from __future__ import annotations

import contextlib
import selectors
from codecs import getincrementaldecoder
from os import read

from textual._loop import loop_last
from textual._parser import ParseError
from textual.drivers.linux_driver import LinuxDriver

from gpt_tui.ui.input_parser import InputParser

READ_SIZE = 4096
"""Bytes read from the terminal at a time (as Textual reads)."""

FLOOD_SIZE = 256 * 1024
"""Bytes read in one go while the terminal has more ready at once (a paste): parsed as
one piece, a megabyte of text is a few edits of the draft rather than hundreds."""


class PasteSafeDriver(LinuxDriver):
    """Textual's driver for Linux and macOS terminals, with gpt-tui's input parser."""

    def run_input_thread(self) -> None:
        """Wait for input and post its events to the app, until the driver stops."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = InputParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def read_ready() -> bytes:
            """What the terminal has sent: one read, or while more is ready, up to FLOOD_SIZE."""
            data = read(self.fileno, READ_SIZE)
            while data and len(data) < FLOOD_SIZE and selector.select(0):
                more = read(self.fileno, READ_SIZE)
                if not more:
                    break
                data += more
            return data

        def process(ready: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for last, (_key, mask) in loop_last(ready):
                if mask & selectors.EVENT_READ:
                    text = decode(read_ready(), final=final and last)
                    if not text:  # stdin is a pipe that has ended
                        break
                    for event in parser.feed(text):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(0.1))
            selector.unregister(self.fileno)
            process(selector.select(0.1), final=True)
        finally:
            selector.close()
            with contextlib.suppress(EOFError, ParseError):
                parser.feed("")
