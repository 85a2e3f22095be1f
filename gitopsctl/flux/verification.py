"""verify's engine: read the cluster, judge it against Git, and wait for it event by event."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from gitopsctl.flux.cluster import change_feed, read_state, wait_for_change
from gitopsctl.flux.health import CommitsBehind, Expectations, Finding, Report, evaluate
from gitopsctl.kube import Kube


@dataclass
class Verifier:
    kube: Kube
    expect: Expectations
    commits_behind: CommitsBehind | None = None

    focus: Callable[[Finding], bool] | None = None

    def check(self) -> Report:
        report = evaluate(read_state(self.kube), self.expect, commits_behind=self.commits_behind)
        return report.only(self.focus) if self.focus else report

    def wait(self, timeout: float, on_report: Callable[[Report], None]) -> Report:
        """Re-judge on every change until healthy or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        # Watch first, then read: a change between the two is still seen.
        with change_feed(self.kube) as events:
            report = self.check()
            on_report(report)
            while not report.healthy and wait_for_change(events, deadline):
                report = self.check()
                on_report(report)
        return report
