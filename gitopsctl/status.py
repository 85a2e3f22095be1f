"""One status vocabulary for every judgement gitopsctl makes: cluster health and prerequisites.

The values are what `-o json` prints; the glyphs that show them live in the terminal alone.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    WAITING = "waiting"  # not there yet, and expected to get there (a reconcile under way)
    WARNING = "warning"  # works, but needs the operator's eye
    FAILED = "failed"
    SKIPPED = "skipped"  # not judged: what it depends on is missing
