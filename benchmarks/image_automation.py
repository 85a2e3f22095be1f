"""Image automation with the real controllers: from a pushed tag to the bump applied, and from
`gitopsctl rollback` to the revert applied, each split into what the controllers take and
what gitopsctl takes (issue 14: gitopsctl's part under 1 s).

The world is tests/harness/home_lab.py: scans and automation runs every 2 s, the Kustomization
applies on request. Needs root and Go, like the end-to-end tests.

    controllers' part   push tag → the automation's commit on the remote (scan interval,
                        policy, automation run), and request → Kustomization applied and
                        Deployment rolled out
    gitopsctl's part    the rest of the wall time of `gitopsctl sync --wait` and
                        `gitopsctl rollback`: start-up, reads, git, the request, the wait's
                        own latency after the cluster reported done
"""

from __future__ import annotations

import compileall
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.harness.controlplane import TOOLS_BIN  # noqa: E402
from tests.harness.home_lab import FRONTEND, Lab, start_home_lab  # noqa: E402

ROUNDS = 3
KUSTOMIZATIONS = "kustomizations.kustomize.toolkit.fluxcd.io"


def when(condition: Callable[[], bool], stop: threading.Event) -> list[float]:
    """A thread that records the moment ``condition`` first holds."""
    seen: list[float] = []

    def watch() -> None:
        while not stop.is_set():
            if condition():
                seen.append(time.perf_counter())
                return
            time.sleep(0.05)

    threading.Thread(target=watch, daemon=True).start()
    return seen


def applied(lab: Lab, image: str) -> Callable[[], bool]:
    """Done as gitopsctl judges it: ``image`` rolled out, and every Kustomization Ready at the
    branch head (the dependents of the frontend apply after it)."""

    def check() -> bool:
        try:
            if lab.deployed() != image:
                return False
        except AssertionError:  # still rolling out
            return False
        head = lab.origin_head()
        listing = json.loads(lab.cluster.plane.kubectl("get", KUSTOMIZATIONS, "-A", "-o", "json").stdout)
        return all(
            item["status"].get("lastAppliedRevision", "").endswith(head)
            and any(c["type"] == "Ready" and c["status"] == "True" for c in item["status"].get("conditions", []))
            for item in listing["items"]
        )

    return check


def bump(lab: Lab, build: int) -> tuple[float, float, str]:
    """(controllers, gitopsctl) seconds from pushing ``build`` to it running; the bump commit."""
    before = lab.last_push()
    pushed = time.perf_counter()
    image = lab.push_tag(FRONTEND, build)
    commit = lab.wait_for_push_after(before)
    committed = time.perf_counter()
    stop = threading.Event()
    done = when(applied(lab, image), stop)
    started = time.perf_counter()
    lab.ok("sync", "--wait", "--timeout=3m")
    returned = time.perf_counter()
    stop.set()
    lab.pull()
    cluster = done[0] - started
    return (committed - pushed) + cluster, (returned - started) - cluster, commit


def rollback(lab: Lab, commit: str, previous: str) -> tuple[float, float]:
    """(controllers, gitopsctl) seconds of `gitopsctl rollback` until the revert runs."""
    head = lab.origin_head()
    stop = threading.Event()
    landed = when(lambda: lab.origin_head() != head, stop)
    done = when(applied(lab, previous), stop)
    started = time.perf_counter()
    lab.ok("rollback", commit[:10], "--timeout=3m")
    returned = time.perf_counter()
    stop.set()
    cluster = done[0] - landed[0]
    return cluster, (returned - started) - cluster


def main() -> None:
    # As pip leaves an installed gitopsctl: bytecode compiled (an environment with
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module at every run).
    compileall.compile_dir(ROOT / "gitopsctl", quiet=1)
    os.environ.pop("GIT_SSL_CAINFO", None)  # the world's host has its own CA
    os.environ["PATH"] = f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}"  # helm packages the chart
    lab = start_home_lab(Path(tempfile.mkdtemp(prefix="gitopsctl-bench-")))
    try:
        rows = []
        for round_ in range(ROUNDS):
            previous = lab.deployed()
            bump_controllers, bump_gitopsctl, commit = bump(lab, 2 + 2 * round_)
            back_controllers, back_gitopsctl = rollback(lab, commit, previous)
            lab.ok("images", "resume")
            rows.append((bump_controllers, bump_gitopsctl, back_controllers, back_gitopsctl))
            # Resumed with build 2+2n the newest: let it come back before the next round.
            lab.wait_for_push_after(lab.last_push())
            lab.ok("sync", "--wait", "--timeout=3m")
            lab.pull()
        print("image automation, real controllers (scan and automation interval 2s)")
        for index, (bc, bg, rc, rg) in enumerate(rows, start=1):
            print(
                f"  round {index}: tag → applied  controllers {bc:5.2f} s  gitopsctl {bg:5.2f} s   |   "
                f"rollback → applied  controllers {rc:5.2f} s  gitopsctl {rg:5.2f} s"
            )
        print("  target: gitopsctl's part < 1 s")
    finally:
        lab.cluster.stop()


if __name__ == "__main__":
    main()
