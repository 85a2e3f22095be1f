"""What `flux bootstrap github` does, against a bare repository standing in for GitHub and the
real API server (pkg/bootstrap in fluxcd/flux2): commit the manifests, apply them, wait.

The GitHub repository is $FAKE_FLUX_GITHUB_REMOTE (a bare repo). $FAKE_FLUX_FAIL=health makes
the final health wait fail after everything was pushed and applied, as real bootstraps do;
$FAKE_FLUX_DEGRADED=<component> leaves that controller unavailable although bootstrap succeeds.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

from tests.fakes.flux_impl import (
    DEFAULT_COMPONENTS,
    EXTRA_COMPONENTS,
    SHARED,
    VERSION,
    FluxError,
    kubectl,
    log,
    server_version,
)
from tests.harness.flux_manifests import gotk_sync
from tests.harness.statuses import (
    condition,
    deployment_status,
    git_repository_status,
    kustomization_applied_status,
)

CRDS = SHARED / "testdata" / "crds"


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Flux",
        "GIT_AUTHOR_EMAIL": "flux@example.test",
        "GIT_COMMITTER_NAME": "Flux",
        "GIT_COMMITTER_EMAIL": "flux@example.test",
    }
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=60)
    if result.returncode != 0:
        raise FluxError(f"git {args[0]} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def flux_namespace() -> str:
    return f"""apiVersion: v1
kind: Namespace
metadata:
  name: flux-system
  labels:
    app.kubernetes.io/instance: flux-system
    app.kubernetes.io/part-of: flux
    app.kubernetes.io/version: {VERSION}
"""


def status_patch(flags: dict[str, str], resource: str, name: str, status: dict) -> None:
    kubectl(
        flags,
        "patch",
        resource,
        name,
        "-n",
        "flux-system",
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": status}),
    )


def bootstrap_github(flags: dict[str, str], token: str) -> None:
    for required in ("owner", "repository"):
        if not flags.get(required):
            raise FluxError(f"--{required} is required")
    if not token:
        raise FluxError("failed to create GitHub client: no token")
    try:  # the cluster first, as the real one does: nothing else is touched
        server_version(flags)
    except FluxError as error:
        raise FluxError(f"cluster info unavailable: {error}") from None
    remote = os.environ.get("FAKE_FLUX_GITHUB_REMOTE")
    if not remote:
        raise FluxError("failed to connect to github.com: no route (the fake has no FAKE_FLUX_GITHUB_REMOTE)")
    hostname = flags.get("hostname", "github.com")
    branch = flags.get("branch", "main")
    # flux bootstrap writes the path as ./<path>, with only a leading ./ taken off what it was given.
    path = "./" + flags["path"].removeprefix("./").strip("/") if flags.get("path") else "."
    url = f"ssh://git@{hostname}/{flags['owner']}/{flags['repository']}"
    components = [*DEFAULT_COMPONENTS, *[c for c in flags.get("components-extra", "").split(",") if c]]
    unknown = [c for c in components if c not in DEFAULT_COMPONENTS and c not in EXTRA_COMPONENTS]
    if unknown:
        raise FluxError(f"component {unknown[0]} is not supported")

    # On a cluster without the Flux CRDs (a first bootstrap) there is nothing to compare with.
    existing = kubectl(
        flags,
        "get",
        "kustomizations.kustomize.toolkit.fluxcd.io",
        "flux-system",
        "-n",
        "flux-system",
        "-o",
        "json",
        "--ignore-not-found",
        check=False,
    )
    if existing.strip():
        current = json.loads(existing)["spec"]["path"]
        if current != path:
            raise FluxError(
                f'sync path configuration ("{path}") would overwrite path ("{current}") of existing Kustomization'
            )

    log(f"► connecting to {hostname}")
    log(
        f'► cloning branch "{branch}" from Git repository "https://{hostname}/{flags["owner"]}/'
        f'{flags["repository"]}.git"'
    )
    work = Path(tempfile.mkdtemp(prefix="fake-flux-"))
    git(work, "clone", "-q", remote, "repo")
    repo = work / "repo"
    log("✔ cloned repository")
    target = repo / path / "flux-system"
    target.mkdir(parents=True, exist_ok=True)
    (target / "gotk-components.yaml").write_text("# Flux components: " + ", ".join(components) + "\n")
    (target / "gotk-sync.yaml").write_text(gotk_sync(url, branch, path, interval=flags.get("interval", "1m0s")))
    (target / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources:\n- gotk-components.yaml\n- gotk-sync.yaml\n"
    )
    git(repo, "checkout", "-q", "-B", branch)
    git(repo, "add", "-A")
    if git(repo, "status", "--porcelain"):
        git(repo, "commit", "-q", "-m", "Add Flux sync manifests")
        git(repo, "push", "-q", "origin", f"HEAD:refs/heads/{branch}")
        log(f'✔ committed component manifests to "{branch}" ("{git(repo, "rev-parse", "HEAD")}")')
    else:
        log("✔ component manifests are up to date")
    head = git(repo, "rev-parse", "HEAD")

    log('► installing components in "flux-system" namespace')
    # gotk-components.yaml: the CRDs, and the namespace labelled with the installed version.
    kubectl(flags, "apply", "--server-side", "--force-conflicts", "-f", str(CRDS))
    kubectl(flags, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
    kubectl(flags, "apply", "-f", "-", stdin=flux_namespace())
    deployments = "".join(
        f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {c}, namespace: flux-system, labels: {{app.kubernetes.io/part-of: flux}}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: {c}}}}}
  template:
    metadata: {{labels: {{app: {c}}}}}
    spec: {{containers: [{{name: manager, image: "ghcr.io/fluxcd/{c}:v1"}}]}}
---
"""
        for c in components
    )
    kubectl(flags, "apply", "-f", "-", stdin=deployments)
    for component in components:
        degraded = component == os.environ.get("FAKE_FLUX_DEGRADED")
        status_patch(flags, "deployment", component, deployment_status(available=not degraded))
    log("✔ installed components")
    log("✔ reconciled components")
    log(f'► determining if source secret "flux-system/{flags.get("secret-name", "flux-system")}" exists')
    kubectl(
        flags,
        "create",
        "secret",
        "generic",
        "flux-system",
        "-n",
        "flux-system",
        "--from-literal=identity=fake-key",
        check=False,
    )
    log("✔ public key: ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBFake")
    write = "read/write" if flags.get("read-write-key") == "true" else "read-only"
    log(
        f'✔ configured deploy key "flux-system-{branch}-flux-system-{path}" for "https://{hostname}/'
        f'{flags["owner"]}/{flags["repository"]}" ({write})'
    )
    log("► applying sync manifests")
    kubectl(flags, "apply", "-f", str(target / "gotk-sync.yaml"))
    revision = f"{branch}@sha1:{head}"
    status_patch(flags, "gitrepositories.source.toolkit.fluxcd.io", "flux-system", git_repository_status(revision))
    log("✔ reconciled sync configuration")
    log('◎ waiting for GitRepository "flux-system/flux-system" to be reconciled')
    log("✔ GitRepository reconciled successfully")
    log('◎ waiting for Kustomization "flux-system/flux-system" to be reconciled')
    if os.environ.get("FAKE_FLUX_FAIL") == "health":
        message = "kustomize build failed: accumulating resources: missing resource 'apps.yaml'"
        status_patch(
            flags,
            "kustomizations.kustomize.toolkit.fluxcd.io",
            "flux-system",
            {
                "observedGeneration": 1,
                "lastAttemptedRevision": revision,
                "conditions": [condition("Ready", "False", "BuildFailed", message)],
            },
        )
        raise FluxError(
            "bootstrap failed with 1 health check failure(s): [error while waiting for Kustomization "
            f"'flux-system/flux-system' to become ready: '{message}']"
        )
    status_patch(
        flags, "kustomizations.kustomize.toolkit.fluxcd.io", "flux-system", kustomization_applied_status(revision)
    )
    log("✔ Kustomization reconciled successfully")
    log("► confirming components are healthy")
    log("✔ all components are healthy")
