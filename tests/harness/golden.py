"""Golden files (tests/golden/): what the operator sees, held as text. UPDATE_GOLDEN=1 rewrites
them for review, as flux2's cmdTestCase goldens are."""

from __future__ import annotations

import os
import re
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def normalise(text: str, *, shas: tuple[str, ...] = (), paths: tuple[Path, ...] = ()) -> str:
    """Stable across runs: commits as <sha>, times as <time>, the test's folders as <tmp>."""
    for sha in shas:
        text = text.replace(sha, "<sha>").replace(sha[:8], "<sha>")
    for path in paths:
        text = text.replace(str(path), "<tmp>")
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)?", "<time>", text)
    return re.sub(r"\(\d+\.\ds\)", "(<s>)", text)


def assert_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME; UPDATE_GOLDEN=1 rewrites it (review the diff)."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual)
    assert actual == path.read_text()
