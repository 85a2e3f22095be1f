"""Paired start-up ratios, measured as the seam issue asks: each run of the command right after
a run of its baseline, pinned to one CPU (taskset) when available, the median of the per-pair
ratios. Pairing cancels the machine's drift, which a ratio of two medians does not."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import time
from collections.abc import Sequence


def _pinned(argv: Sequence[str]) -> list[str]:
    return ["taskset", "-c", "0", *argv] if shutil.which("taskset") else list(argv)


def _seconds(
    argv: Sequence[str], stdin: bytes | None, env: dict[str, str] | None, shell: bool, pinned: bool = True
) -> float:
    started = time.perf_counter()
    if shell:
        subprocess.run(" ".join(argv), shell=True, input=stdin, stdout=subprocess.DEVNULL, check=True, env=env)
    else:
        subprocess.run(
            _pinned(argv) if pinned else list(argv),
            input=stdin,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
            env=env,
        )
    return time.perf_counter() - started


def paired_ratio(
    command: Sequence[str],
    baseline: Sequence[str],
    *,
    runs: int = 31,
    warmup: int = 3,
    env: dict[str, str] | None = None,
    baseline_is_shell: bool = False,
    pinned: bool = True,
) -> tuple[float, float, float]:
    """(median ratio command/baseline, median command seconds, median baseline seconds); unpinned
    (``pinned=False``) for work that is meant to use every core, as parallel builds are."""
    ratios, ours, theirs = [], [], []
    for index in range(warmup + runs):
        base = _seconds(baseline, None, env, baseline_is_shell)
        mine = _seconds(command, None, env, False, pinned)
        if index >= warmup:
            ratios.append(mine / base)
            ours.append(mine)
            theirs.append(base)
    return statistics.median(ratios), statistics.median(ours), statistics.median(theirs)
