"""verify --offline on repositories of 5 to 50 Kustomizations (100 manifests each: 5,000 at 50).

Target (issue 15): under 5 s on a 2-core machine at 50 Kustomizations and 5,000 manifests;
how the time grows from 5 to 50; cold (no kept builds) and warm (every build kept). Paired, in
one run, against what the scripts being replaced do to validate a repository (the official Flux
example's validate.sh): one `kubectl kustomize` per Kustomization path, in a shell loop, output
thrown away, nothing checked.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.paired import paired_ratio  # noqa: E402

MANIFESTS_PER_APP = 100
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: app
          image: registry.example/{name}:1.0.{index}
          envFrom:
            - configMapRef:
                name: settings
"""
KUSTOMIZATION = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {app}
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/production/{app}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  healthChecks:
    - apiVersion: apps/v1
      kind: Deployment
      name: {app}-0
      namespace: {app}
"""


def repository(root: Path, apps: int) -> Path:
    """clusters/production with one Kustomization per app; each app an overlay over ../../base/<app>."""
    cluster = root / "clusters" / "production"
    cluster.mkdir(parents=True)
    for number in range(apps):
        app = f"app-{number:02d}"
        (cluster / f"{app}.yaml").write_text(KUSTOMIZATION.format(app=app))
        base = root / "apps" / "base" / app
        base.mkdir(parents=True)
        names = []
        for index in range(MANIFESTS_PER_APP - 1):
            name = f"{app}-{index}"
            (base / f"{name}.yaml").write_text(DEPLOYMENT.format(name=name, index=index))
            names.append(f"{name}.yaml")
        (base / "settings.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n")
        (base / "kustomization.yaml").write_text(
            "resources:\n" + "".join(f"  - {n}\n" for n in [*names, "settings.yaml"])
        )
        overlay = root / "apps" / "production" / app
        overlay.mkdir(parents=True)
        (overlay / "kustomization.yaml").write_text(f"namespace: {app}\nresources:\n  - ../../base/{app}\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def main() -> None:
    os.environ["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
    base = Path(tempfile.mkdtemp())
    print(f"{'Kustomizations':>14} {'manifests':>9} {'cold':>7} {'warm':>7} {'kustomize loop':>15} {'cold/loop':>9}")
    for apps in (5, 10, 25, 50):
        repo = repository(base / f"repo-{apps}", apps)
        verify = f"{sys.executable} -m gitopsctl --repo {repo} --cluster production verify --offline"
        loop = " ".join(
            f"kubectl kustomize --load-restrictor LoadRestrictionsNone {repo}/apps/production/app-{n:02d} >/dev/null &&"
            for n in range(apps)
        )
        # Cold: the build cache emptied before each run; warm: kept from the run before.
        cold_cache, warm_cache = base / f"cold-{apps}", base / f"warm-{apps}"
        cold = ["sh", "-c", f"rm -rf {cold_cache} && XDG_CACHE_HOME={cold_cache} exec {verify} 2>/dev/null"]
        warm = ["sh", "-c", f"XDG_CACHE_HOME={warm_cache} exec {verify} 2>/dev/null"]
        common = {"runs": 5, "warmup": 1, "baseline_is_shell": True, "pinned": False}
        ratio, cold_seconds, loop_seconds = paired_ratio(cold, [loop + " true"], **common)
        _, warm_seconds, _ = paired_ratio(warm, ["true"], **common)
        print(
            f"{apps:>14} {apps * MANIFESTS_PER_APP:>9} {cold_seconds:>6.2f}s {warm_seconds:>6.2f}s "
            f"{loop_seconds:>14.2f}s {ratio:>9.2f}"
        )


if __name__ == "__main__":
    main()
