"""Ctrl-C and SIGTERM held back over the stretches that must not stop half-way."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


@contextlib.contextmanager
def interrupts_deferred(*, deliver: bool = True) -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block is done, then deliver them.

    For the short, bounded stretches that must not stop half-way: starting a child (an interrupt
    inside fork left logging's lock held and every later child hung), restoring files. Without
    ``deliver`` they are dropped: for the clean-up after an interruption, which a second Ctrl-C
    must not cut short (it left a revert half-restored). Only the main thread can set handlers;
    elsewhere the block runs as it is.
    """
    import threading  # noqa: PLC0415 - only around writes and children: off the sealing path

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    for number in previous:
        signal.signal(number, lambda number, _frame: received.append(number))
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if received and deliver:
            signal.raise_signal(received[0])
