"""The home lab as the quick start builds it, on the empty-cluster world, with image automation
running for real: `gitopsctl init`, the real `flux bootstrap` with the image controllers, the
Sealed Secrets chart, `seal harbor-creds` (checked against the registry) and `seal vm-ssh-key`;
the image automation's first run writes build 1 into the manifests and Flux applies it.

Intervals are short in this world: every ImageRepository scans and the ImageUpdateAutomation
runs every 2 seconds (the example says 5m and 10m). Waits follow status fields, never sleeps.
The image-automation tests and the image-automation benchmark use it.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.harness.empty_cluster import REGISTRY_PASSWORD, REGISTRY_USER, EmptyCluster
from tests.harness.git import git
from tests.harness.ssh import make_key, make_known_hosts

OWNER, REPOSITORY, TOKEN = "homelab-operator", "homelab-gitops", "ghe-test-token"
FRONTEND, BACKEND = "homelab/frontend", "homelab/backend"
INTERVAL = "2s"
AUTOMATION = "imageupdateautomations.image.toolkit.fluxcd.io"
IMAGE_REPOSITORY = "imagerepositories.image.toolkit.fluxcd.io"
IMAGE_POLICY = "imagepolicies.image.toolkit.fluxcd.io"
BOT = "fluxcdbot"


def ci_tag(build: int) -> str:
    """A tag as the home lab's CI pushes it: main-<sha>-<unix time>; a later build sorts newer."""
    return f"main-{hashlib.sha1(str(build).encode()).hexdigest()[:7]}-{1764115200 + build}"


@dataclass
class Lab:
    cluster: EmptyCluster
    clone: Path
    env: dict[str, str]

    def gitopsctl(self, *args: str, input: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "gitopsctl", "--repo", str(self.clone), *args],
            input=input, capture_output=True, text=True, env=self.env, timeout=timeout,
        )  # fmt: skip
        failure = self.cluster.controllers.failure
        assert failure is None, f"the Flux controllers did not start: {failure}"
        return result

    def ok(self, *args: str, input: str | None = None) -> str:
        """Run gitopsctl, which must succeed; its stderr."""
        result = self.gitopsctl(*args, input=input)
        assert result.returncode == 0, f"gitopsctl {' '.join(args)}: {result.stderr}\n{self.diagnosis()}"
        return result.stderr

    def diagnosis(self) -> str:
        """What a failure report needs: who moved the branch and when, every git-over-SSH
        command the controllers ran, the controllers' last log lines."""
        origin = self.cluster.github.repository(REPOSITORY)
        moves = git(origin, "reflog", "show", "--date=iso", "--format=%h %gd %an %s", "main", check=False)
        ssh_log = self.cluster.github.workdir / "ssh.log"
        commands = ssh_log.read_text()[-2000:] if ssh_log.exists() else ""
        return f"origin main moves:\n{moves}\ngit over SSH:\n{commands}\n{self.cluster.plane.log_tail()[-3000:]}"

    def push_tag(self, image: str, build: int) -> str:
        """CI pushes a build; the image reference the automation would write."""
        self.cluster.registry.push_image(image, ci_tag(build))
        return f"{self.cluster.registry.host}/{image}:{ci_tag(build)}"

    def get(self, kind: str, name: str, namespace: str = "flux-system") -> dict:
        return json.loads(self.cluster.plane.kubectl("get", kind, name, "-n", namespace, "-o", "json").stdout)

    def deployed(self) -> str:
        """The frontend image the Deployment runs, once the real controllers rolled it out."""
        deployment = self.get("deployment", "frontend", "default")
        status = deployment.get("status") or {}
        rolled_out = (
            status.get("observedGeneration") == deployment["metadata"]["generation"]
            and status.get("updatedReplicas") == status.get("availableReplicas") == deployment["spec"]["replicas"]
        )
        assert rolled_out, f"the frontend Deployment is still rolling out: {status}"
        return str(deployment["spec"]["template"]["spec"]["containers"][0]["image"])

    def last_push(self) -> str:
        return str(self.get(AUTOMATION, "flux-system").get("status", {}).get("lastPushCommit", ""))

    def scan_time(self, name: str = "frontend") -> str:
        return str((self.get(IMAGE_REPOSITORY, name).get("status") or {}).get("lastScanResult", {}).get("scanTime", ""))

    def latest_tag(self, name: str = "frontend") -> str:
        return str((self.get(IMAGE_POLICY, name).get("status") or {}).get("latestRef", {}).get("tag", ""))

    def origin_head(self) -> str:
        return git(self.cluster.github.repository(REPOSITORY), "rev-parse", "main")

    def origin_commit(self, sha: str) -> tuple[str, str]:
        """The author and subject of a commit on the remote."""
        origin = self.cluster.github.repository(REPOSITORY)
        author, _, subject = git(origin, "log", "-1", "--format=%an%x00%s", sha).partition("\0")
        return author, subject

    def pull(self) -> None:
        git(self.clone, "pull", "-q", "--ff-only", "origin", "main")

    def wait_until(self, what: str, condition: Callable[[], bool], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not within {timeout:.0f}s\n{self.diagnosis()}")
            time.sleep(0.2)

    def wait_for_push_after(self, previous: str) -> str:
        """The automation's next pushed commit after ``previous`` (its status says so)."""
        self.wait_until("the image automation pushes a commit", lambda: self.last_push() not in ("", previous))
        return self.last_push()

    def wait_for_scans(self, count: int) -> None:
        """``count`` further registry scans, as the ImageRepository's scan time says."""
        for _ in range(count):
            before = self.scan_time()
            self.wait_until("the reflector scans again", lambda before=before: self.scan_time() != before)

    def bump_frontend(self, build: int) -> str:
        """CI pushes ``build``; the automation commits the bump; Flux applies it. The bump commit."""
        before = self.last_push()
        image = self.push_tag(FRONTEND, build)
        bump = self.wait_for_push_after(before)
        self.ok("sync", "--wait", "--timeout=3m")
        assert self.deployed() == image
        self.pull()
        return bump


def _shorten_intervals(clone: Path) -> None:
    for relative, original in (
        ("flux/image-automation/frontend.yaml", "interval: 5m"),
        ("flux/image-automation/backend.yaml", "interval: 5m"),
        ("flux/image-automation/update-automation.yaml", "interval: 10m"),
    ):
        path = clone / relative
        text = path.read_text()
        assert original in text, relative
        path.write_text(text.replace(original, f"interval: {INTERVAL}"))


def start_home_lab(workdir: Path) -> Lab:
    """The whole world, bootstrapped and at build 1; stop it with ``lab.cluster.stop()``.
    Raises ControlPlaneUnavailable or NetworkUnavailable where it cannot run (no Go, not root)."""
    cluster = EmptyCluster(workdir, OWNER, TOKEN, images=True).start()
    try:
        github, registry = cluster.github, cluster.registry
        for image in (FRONTEND, BACKEND):
            registry.push_image(image, ci_tag(1))
        github.create_repository(REPOSITORY)
        clone = workdir / REPOSITORY
        lab = Lab(cluster, clone, cluster.environment(workdir))
        # The quick start, with this world's hosts.
        init = subprocess.run(
            [
                sys.executable, "-m", "gitopsctl", "init", str(clone), "--owner", OWNER, "--repository", REPOSITORY,
                "--hostname", github.hostname, "--ssh-hostname", github.ssh_hostname, "--ca-file", str(github.ca_file),
                "--registry", registry.host, "--insecure-registry",
            ],
            capture_output=True, text=True, env=lab.env, timeout=60,
        )  # fmt: skip
        assert init.returncode == 0, init.stderr
        _shorten_intervals(clone)
        config = clone / "gitopsctl.toml"
        config.write_text(config.read_text().replace("https://bitnami.github.io/sealed-secrets", cluster.charts.url))
        git(clone, "config", "http.sslCAInfo", str(github.ca_file))
        git(clone, "remote", "set-url", "origin", github.clone_url(REPOSITORY))
        git(clone, "add", "-A")
        git(clone, "commit", "-q", "-m", "GitOps layout from gitopsctl init")
        git(clone, "push", "-q", "-u", "origin", "main")
        lab.ok("bootstrap")
        lab.ok("seal", "harbor-creds", "--username", REGISTRY_USER, "--password-stdin", input=REGISTRY_PASSWORD)
        key = make_key(workdir / "vm" / "id_ed25519")
        known_hosts = make_known_hosts(workdir / "vm" / "known_hosts")
        lab.ok("seal", "vm-ssh-key", "--key-file", str(key), "--known-hosts", str(known_hosts))
        git(clone, "add", "-A")
        git(clone, "commit", "-q", "-m", "Seal secrets")
        git(clone, "push", "-q", "origin", "main")
        lab.ok("sync", "--wait", "--timeout=3m")
        # The manifests name no tag yet: the automation's first run writes build 1 into them.
        lab.wait_for_push_after("")
        lab.ok("sync", "--wait", "--timeout=3m")
        assert lab.deployed() == f"{registry.host}/{FRONTEND}:{ci_tag(1)}"
        lab.pull()
        return lab
    except BaseException:
        cluster.stop()
        raise
