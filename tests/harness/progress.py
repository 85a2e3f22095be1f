"""A Progress that records lines instead of drawing them: how a program other than the CLI
(or a test) watches a bootstrap or a rollback. No Click, no rich."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class RecordingProgress:
    def __init__(self, echo: bool = False) -> None:
        self.lines: list[str] = []
        self.echo = echo

    def _record(self, line: str) -> None:
        self.lines.append(line)
        if self.echo:
            print(line, flush=True)

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self._record(f"step: {title}")
        try:
            yield
        except BaseException:
            self._record(f"failed: {title}")
            raise
        self._record(f"done: {title}")

    def action(self, text: str) -> None:
        self._record(f"action: {text}")

    def info(self, text: str) -> None:
        self._record(f"info: {text}")

    def debug(self, text: str) -> None:
        self._record(f"debug: {text}")

    def success(self, text: str) -> None:
        self._record(f"success: {text}")

    def waiting(self, text: str) -> None:
        self._record(f"waiting: {text}")

    def warning(self, text: str) -> None:
        self._record(f"warning: {text}")

    def failure(self, text: str) -> None:
        self._record(f"failure: {text}")

    def report(self, report: Any, *, first_title: bool = True) -> None:
        for finding in report.findings:
            self._record(f"finding: {finding.status} {finding.subject}: {finding.detail}")
