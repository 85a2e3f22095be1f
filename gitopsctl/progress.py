"""How the domain says what it is doing: one small interface, as flux2's pkg/log.Logger and
kind's ActionContext.Status are. The terminal implements it for people; a test or another
program can implement it to collect the lines. Nothing here knows about Click or rich."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from gitopsctl.flux.health import Report


class Progress(Protocol):
    def step(self, title: str) -> AbstractContextManager[None]:
        """A unit of work: announced, then done (with its time) or failed."""
        ...

    def action(self, text: str) -> None: ...

    def info(self, text: str) -> None: ...

    def debug(self, text: str) -> None: ...

    def success(self, text: str) -> None: ...

    def waiting(self, text: str) -> None: ...

    def warning(self, text: str) -> None: ...

    def failure(self, text: str) -> None: ...

    def report(self, report: Report, *, first_title: bool = True) -> None:
        """A health report, section by section (without the first section's title if asked)."""
        ...
