"""Streamed text of several replies is drawn together, once per frame."""

from __future__ import annotations

from textual.app import App

from gpt_tui.ui.chat.frames import FrameBatcher, Writer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_text_of_all_streams_is_drawn_in_one_pass_per_frame() -> None:
    app: App[None] = App()
    clock = Clock()
    async with app.run_test() as pilot:
        frames = FrameBatcher(app, interval=0.05, clock=clock)
        written: list[tuple[str, str, int]] = []
        after: list[int] = []
        frames.on_frame(lambda: after.append(frames.passes))

        def writer(key: str) -> Writer:
            async def write(text: str, start: int) -> None:
                written.append((key, text, start))

            return write

        await frames.add("a", "Hel", 0, writer("a"))  # the first text shows at once
        assert written == [("a", "Hel", 0)] and after == [1]
        await frames.add("a", "lo", 3, writer("a"))  # within the frame: queued
        await frames.add("b", "Hi", 0, writer("b"))
        await frames.add("a", "!", 5, writer("a"))
        assert len(written) == 1
        clock.now += 0.05
        await pilot.pause(0.2)  # the timer fires: one pass for both streams
        assert written[1:] == [("a", "lo!", 3), ("b", "Hi", 0)]
        assert after == [1, 2]


async def test_a_reply_that_ends_is_drawn_at_once() -> None:
    app: App[None] = App()
    clock = Clock()
    async with app.run_test():
        frames = FrameBatcher(app, interval=10, clock=clock)
        written: list[str] = []

        async def write(text: str, start: int) -> None:
            written.append(text)

        await frames.add("a", "x", 0, write)
        await frames.add("a", "yz", 1, write)
        assert written == ["x"]
        await frames.flush("a")
        assert written == ["x", "yz"]
        frames.stop()
