"""Work that runs beside a command's main line, started early so its result is ready when needed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def in_background(work: Callable[[], T]) -> Future[T]:
    """``work`` on a daemon thread. A command that stops (bad input, say) before it needs the
    result ends at once, not when the work's own timeout runs out (an unreachable cluster)."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(work())
        except BaseException as error:  # handed to whoever asks for the result
            future.set_exception(error)

    threading.Thread(target=run, daemon=True).start()
    return future
