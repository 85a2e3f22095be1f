"""Median wall time of a command over repeated runs (hyperfine is not assumed installed)."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Sequence


def median_seconds(
    argv: Sequence[str],
    *,
    runs: int = 15,
    warmup: int = 2,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
) -> float:
    samples = []
    for index in range(warmup + runs):
        started = time.perf_counter()
        subprocess.run(argv, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
        if index >= warmup:
            samples.append(time.perf_counter() - started)
    return statistics.median(samples)
