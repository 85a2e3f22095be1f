"""The prerequisite checks as a table: shown by doctor, and by bootstrap when one blocks."""

from __future__ import annotations

from collections.abc import Sequence

from gitopsctl.cli.terminal import Terminal, glyph
from gitopsctl.prerequisites import Check


def show_checks(terminal: Terminal, checks: Sequence[Check]) -> None:
    rows = [[glyph(c.status), c.name, c.detail] for c in checks]
    terminal.table(["", "CHECK", "RESULT"], rows)
    for check in checks:
        for line in check.advice:
            terminal.info(line)
    failed = [c.name for c in checks if c.blocking]
    if failed:
        terminal.failure(f"{len(failed)} required check(s) failed: {', '.join(failed)}")
    else:
        terminal.success("all prerequisites are met")
