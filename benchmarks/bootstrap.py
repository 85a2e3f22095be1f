"""`gitopsctl bootstrap` on an empty control plane, split into what flux, helm and the
controllers take and what gitopsctl takes (issue 13: gitopsctl's part under 2 s).

The world is tests/harness/fleet.py: the real flux CLI against the loopback GitHub Enterprise
host, the real Sealed Secrets chart, the real controllers. Needs root and Go, like the
end-to-end tests.

    flux        the step "bootstrapping Flux" (flux bootstrap github, its own waits included)
    helm        the step "installing Sealed Secrets" (helm repo add, update, upgrade --install --wait)
    controllers the step "storing the sealing certificate" (a new controller makes its first
                key: the step polls until it has), and from "verifying" to the end (the wait
                for Flux to apply the branch head; its last read and report are gitopsctl's,
                counted here)
    gitopsctl   the rest of the wall time: start-up, prerequisites (the GitHub API, versions),
                the first-sync check, the pull, the offline checks of the closing advice
"""

from __future__ import annotations

import compileall
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.harness.controlplane import TOOLS_BIN  # noqa: E402
from tests.harness.fleet import World, fleet  # noqa: E402

EXTERNAL_STEPS = {
    "bootstrapping Flux": "flux",
    "installing Sealed Secrets": "helm",
    "storing the sealing certificate": "controllers",
}
STEP = re.compile(r"(.+?) (\d+\.\d)s$")


def bootstrap(world: World) -> tuple[float, dict[str, float], str]:
    """Wall seconds, seconds per share, and the step summary of one `gitopsctl bootstrap`."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "gitopsctl", "--repo", str(world.clone), "bootstrap"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=world.env,
    )  # fmt: skip
    assert process.stderr is not None
    verifying = None
    summary = ""
    for line in process.stderr:
        if line.startswith("► verifying") and verifying is None:
            verifying = time.perf_counter()
        if re.match(r"[✔✗] \d+ steps in", line):
            summary = line.strip()
    assert process.wait(timeout=900) == 0, summary
    ended = time.perf_counter()
    shares = {"flux": 0.0, "helm": 0.0, "controllers": ended - verifying if verifying else 0.0}
    for part in summary.partition(": ")[2].split(" · "):
        match = STEP.match(part)
        if match is None:
            continue
        for prefix, share in EXTERNAL_STEPS.items():
            if match.group(1).startswith(prefix):
                shares[share] += float(match.group(2))
    return ended - started, shares, summary


def main() -> None:
    # As pip leaves an installed gitopsctl: bytecode compiled.
    compileall.compile_dir(ROOT / "gitopsctl", quiet=1)
    os.environ["PATH"] = f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}"  # helm packages the chart
    scratch = Path(tempfile.mkdtemp(prefix="gitopsctl-bench-"))
    with pytest.MonkeyPatch.context() as monkeypatch, fleet(scratch, monkeypatch) as world:
        wall, shares, summary = bootstrap(world)
        again, _, _ = bootstrap(world)
    ours = wall - sum(shares.values())
    print("bootstrap from an empty control plane (real flux, helm, chart and controllers)")
    print(f"  {summary}")
    print(
        f"  wall {wall:.1f} s: flux {shares['flux']:.1f} s, helm {shares['helm']:.1f} s, "
        f"controllers {shares['controllers']:.1f} s, gitopsctl {ours:.2f} s (target < 2 s)"
    )
    print(f"  a second bootstrap (nothing to do): {again:.2f} s")


if __name__ == "__main__":
    main()
