"""One write at a time per worker: ``guard`` holds the event loop's write slot while a
reporting form's handler runs, so saves queue on the loop instead of fighting for the GIL."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from target87.web.site.forms import write_slot


def test_one_slot_per_event_loop_and_writes_take_turns():
    order: list[str] = []

    async def write(name: str) -> None:
        async with write_slot():
            order.append(f"{name} in")
            await asyncio.sleep(0.01)  # another write may not enter meanwhile
            order.append(f"{name} out")

    async def two_writes() -> asyncio.Semaphore:
        await asyncio.gather(write("a"), write("b"))
        return write_slot()

    def in_a_new_loop() -> asyncio.Semaphore:
        # Its own thread: the browser tests leave Playwright's loop running in this one.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, two_writes()).result()

    first = in_a_new_loop()
    assert order == ["a in", "a out", "b in", "b out"]
    second = in_a_new_loop()  # a new loop (a test client's) gets its own slot
    assert first is not second
