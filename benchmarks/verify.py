"""verify on 5 and on 200 Kustomizations against the real local API server.

Targets (issue 5): the number of external process spawns stays the same; wall time grows
less than 2x from 5 to 200. Also: rollback's own overhead from the push to "healthy"
(issue 6: at most one second beyond what the cluster takes).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.harness.controlplane import start_control_plane  # noqa: E402
from tests.harness.flux_state import EXAMPLE_KUSTOMIZATIONS, FluxWorld  # noqa: E402
from tests.harness.git import git, make_git_world  # noqa: E402

REMOTE = "ssh://git@github.com/homelab-operator/homelab-gitops"


def gitopsctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gitopsctl", *args], capture_output=True, text=True, timeout=300)


def measure(repo: Path, runs: int = 7) -> tuple[float, int]:
    times = []
    spawns = 0
    for _ in range(runs):
        started = time.perf_counter()
        result = gitopsctl("-v", "--repo", str(repo), "verify")
        times.append(time.perf_counter() - started)
        spawns = result.stderr.count("\n$ ") + result.stderr.startswith("$ ")
    return statistics.median(times), spawns


def main() -> None:
    os.environ["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
    base = Path(tempfile.mkdtemp())
    world_git = make_git_world(base)
    plane = start_control_plane()
    os.environ["KUBECONFIG"] = str(plane.kubeconfig)
    try:
        plane.kubectl("create", "namespace", "flux-system")
        world = FluxWorld(plane)
        head = world_git.head()
        world.healthy(REMOTE, head)
        small, small_spawns = measure(world_git.clone)
        extra = {f"app-{i}": ["frontend"] for i in range(195)}
        world.kustomizations(extra)
        for name in extra:
            world.kustomization_applied(name, head)
        large, large_spawns = measure(world_git.clone)
        print(f"verify,   5 Kustomizations  {small * 1000:7.1f} ms  {small_spawns} process spawns")
        print(
            f"verify, 200 Kustomizations  {large * 1000:7.1f} ms  {large_spawns} process spawns "
            f"({large / small:.2f}x; target < 2x, same spawns)"
        )
        rollback_overhead(world, world_git)
    finally:
        plane.stop()


def rollback_overhead(world: FluxWorld, world_git) -> None:
    """Time from the cluster reporting the revert applied to gitopsctl rollback returning."""
    path = world_git.clone / "flux/apps/frontend/deployment.yaml"
    bad = world_git.commit_file(
        "flux/apps/frontend/deployment.yaml", path.read_text().replace("replicas: 2", "replicas: 5"), "Scale up"
    )
    git(world_git.clone, "push", "-q", "origin", "main")
    applied_at: list[float] = []

    def controller() -> None:
        start = git(world_git.origin, "rev-parse", "main")
        while True:
            head = git(world_git.origin, "rev-parse", "main")
            if head != start:
                time.sleep(1.0)  # what the cluster takes
                world.source_at(head)
                for name in EXAMPLE_KUSTOMIZATIONS:
                    inventory = ["default_backend-deploy_batch_Job"] if name == "backend-deploy" else []
                    world.kustomization_applied(name, head, inventory=inventory)
                for index in range(195):
                    world.kustomization_applied(f"app-{index}", head)
                applied_at.append(time.perf_counter())
                return
            time.sleep(0.05)

    thread = threading.Thread(target=controller, daemon=True)
    thread.start()
    result = gitopsctl("--repo", str(world_git.clone), "rollback", bad, "--timeout", "60s")
    finished = time.perf_counter()
    thread.join(timeout=5)
    assert result.returncode == 0, result.stderr
    print(
        f"rollback: returned {(finished - applied_at[0]) * 1000:7.1f} ms after the cluster reported the revert "
        "applied (target <= 1000 ms)"
    )


if __name__ == "__main__":
    main()
