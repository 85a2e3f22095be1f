"""gitopsctl bootstrap against the test world: fake flux (upstream contract), real helm and a
local chart repository, the real API server, a loopback GitHub API and controller API."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitopsctl.config import load_config
from gitopsctl.sealing.sealedsecret import load_private_keys
from tests.conftest import TEST_CERT, TEST_KEY
from tests.harness.chart_repo import ChartRepository
from tests.harness.controlplane import free_port
from tests.harness.flux_state import FluxWorld
from tests.harness.git import git
from tests.harness.golden import assert_golden, normalise
from tests.harness.sealed_controller import FakeSealedSecretsController

TOKEN = "ghp_classic_ok"
EXPECTED_FLUX_ARGV = [
    "flux",
    "bootstrap",
    "github",
    "--owner=homelab-operator",
    "--repository=homelab-gitops",
    "--branch=main",
    "--path=flux/clusters/production",
    "--hostname=github.com",
    "--read-write-key",
    "--timeout=1m",
    "--components-extra=image-reflector-controller,image-automation-controller",
    "--personal",
]

pytestmark = pytest.mark.needs_tools("helm")


@dataclass
class Bootstrap:
    repo: Path
    cluster: object
    controller: FakeSealedSecretsController
    charts: ChartRepository

    def helm_releases(self) -> list[dict]:
        result = subprocess.run(
            ["helm", "list", "-n", "flux-system", "-o", "json"], capture_output=True, text=True, check=True, timeout=60
        )
        return json.loads(result.stdout)


def controller_manager_stand_in(world: FluxWorld, stop: threading.Event) -> None:
    """Marks the Sealed Secrets Deployment available once Helm creates it."""
    while not stop.is_set():
        try:
            deployment = world.get("deployments", "flux-system", "sealed-secrets-controller")
            if not deployment.get("status", {}).get("availableReplicas"):
                world.deployment_available("sealed-secrets-controller", "flux-system")
        except Exception:
            pass
        stop.wait(0.2)


@pytest.fixture
def world(cluster, git_world, github, tmp_path, monkeypatch):
    with bootstrap_world(cluster, git_world, github, tmp_path, monkeypatch) as built:
        yield built


@contextmanager
def bootstrap_world(cluster, git_world, github, tmp_path, monkeypatch) -> Iterator[Bootstrap]:
    charts = ChartRepository(tmp_path / "charts").start(("2.19.1", "2.19.2"))
    controller = FakeSealedSecretsController(
        load_private_keys([("k", TEST_KEY.read_bytes())]), TEST_CERT.read_bytes()
    ).start()
    config = git_world.clone / "gitopsctl.toml"
    text = config.read_text()
    text = text[: text.index("\n# Written by")] + "\n"
    text = text.replace("[github]\n", f'[github]\napi_url = "{github.url}"\n')
    text = text.replace('chart_repo = "https://bitnami.github.io/sealed-secrets"', f'chart_repo = "{charts.url}"')
    # doctor's checks ask the registry: a loopback port where none runs, never the example's LAN address.
    text = text.replace('host = "192.168.0.40:5000"', f'host = "127.0.0.1:{free_port()}"')
    config.write_text(text)
    git_world.commit_file("gitopsctl.toml", text, "Point gitopsctl at the test world")
    git = ["git", "push", "-q", "origin", "main"]
    subprocess.run(git, cwd=git_world.clone, check=True)
    for name in ("HELM_CONFIG_HOME", "HELM_CACHE_HOME", "HELM_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("FAKE_FLUX_GITHUB_REMOTE", str(git_world.origin))
    stop = threading.Event()
    threading.Thread(target=controller_manager_stand_in, args=(FluxWorld(cluster), stop), daemon=True).start()
    try:
        yield Bootstrap(git_world.clone, cluster, controller, charts)
    finally:
        stop.set()
        controller.stop()
        charts.stop()


def run_bootstrap(run_cli, world: Bootstrap, *args: str, env: dict[str, str] | None = None):
    return run_cli(
        "--repo", str(world.repo), "bootstrap", "--timeout", "1m", "--controller-url", world.controller.url, *args,
        env=env,
    )  # fmt: skip


def bootstrap_calls(flux_calls) -> list[dict]:
    return [c for c in flux_calls() if c["argv"][1] == "bootstrap"]


def test_dry_run_prints_the_plan_and_runs_nothing(run_cli, world, flux_calls):
    result = run_bootstrap(run_cli, world, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "  3. GITHUB_TOKEN=[REDACTED] flux bootstrap github --owner=homelab-operator" in result.stderr
    assert (
        "helm upgrade --install sealed-secrets sealed-secrets/sealed-secrets --namespace=flux-system "
        "--version=2.19.1 --set-string=fullnameOverride=sealed-secrets-controller --wait --timeout=1m" in result.stderr
    )
    assert TOKEN not in result.stderr + result.stdout
    assert flux_calls() == []
    assert world.helm_releases() == []
    assert_golden("bootstrap_dry_run.txt", normalise(result.stderr.replace(world.charts.url, "<chart repository>")))


def test_full_bootstrap(run_cli, world, flux_calls):
    result = run_bootstrap(run_cli, world)
    assert result.exit_code == 0, result.stderr
    (call,) = bootstrap_calls(flux_calls)
    assert call["argv"] == EXPECTED_FLUX_ARGV
    assert "GITHUB_TOKEN" in call["env"] and call["stdin_length"] == 0
    assert all(TOKEN not in arg for c in flux_calls() for arg in c["argv"])
    (release,) = world.helm_releases()
    assert (release["name"], release["chart"], release["status"]) == (
        "sealed-secrets",
        "sealed-secrets-2.19.1",
        "deployed",
    )
    cert = world.repo / "flux/sealed-secrets/production/sealed-secrets-cert.pem"
    assert cert.read_bytes() == TEST_CERT.read_bytes()
    assert load_config(world.repo).sealed_secrets.cert_fingerprints["production"].startswith("sha256:")
    done = [line.split(" (")[0] for line in result.stderr.splitlines() if line.startswith("✔ ")]
    order = [
        "✔ checking prerequisites",
        "✔ bootstrapping Flux",
        "✔ installing Sealed Secrets 2.19.1",
        "✔ storing the sealing certificate",
        "✔ all healthy and in sync",
        "✔ bootstrap complete",
    ]
    assert [step for step in done if step in order] == order
    assert "Next: seal the secrets the repository references but does not hold:" in result.stderr
    assert "  gitopsctl seal vm-ssh-key --key-file PATH -n default --name vm-ssh-key" in result.stderr
    assert TOKEN not in result.stderr + result.stdout


def test_rerun_is_idempotent(run_cli, world, flux_calls):
    assert run_bootstrap(run_cli, world).exit_code == 0
    again = run_bootstrap(run_cli, world)
    assert again.exit_code == 0, again.stderr
    assert "Flux is already bootstrapped with these settings" in again.stderr
    assert "Sealed Secrets chart 2.19.1 is already installed" in again.stderr
    assert "certificate unchanged" in again.stderr
    assert len(bootstrap_calls(flux_calls)) == 1


def test_failed_flux_wait_shows_what_is_not_ready_then_resumes(run_cli, world, flux_calls, monkeypatch):
    monkeypatch.setenv("FAKE_FLUX_FAIL", "health")
    failed = run_bootstrap(run_cli, world)
    assert failed.exit_code == 1
    assert (
        "✗ bootstrap stopped at the flux step: flux failed (exit 1): ✗ bootstrap failed with 1 health check"
        in failed.stderr
    )
    assert "Not ready:" in failed.stderr
    assert "flux-system/flux-system" in failed.stderr and "BuildFailed: kustomize build failed" in failed.stderr
    assert world.helm_releases() == []  # stopped there
    monkeypatch.delenv("FAKE_FLUX_FAIL")
    resumed = run_bootstrap(run_cli, world)
    assert resumed.exit_code == 0, resumed.stderr
    assert len(bootstrap_calls(flux_calls)) == 2


def test_failed_helm_step_resumes_without_rerunning_flux(run_cli, world, flux_calls):
    config = world.repo / "gitopsctl.toml"
    original = config.read_text()
    config.write_text(original.replace('chart_version = "2.19.1"', 'chart_version = "9.9.9"'))
    failed = run_bootstrap(run_cli, world)
    assert failed.exit_code == 1
    assert "bootstrap stopped at the sealed secrets step" in failed.stderr
    config.write_text(original)
    resumed = run_bootstrap(run_cli, world)
    assert resumed.exit_code == 0, resumed.stderr
    assert "Flux is already bootstrapped with these settings" in resumed.stderr
    assert len(bootstrap_calls(flux_calls)) == 1


def test_chart_upgrade_in_place(run_cli, world):
    assert run_bootstrap(run_cli, world).exit_code == 0
    config = world.repo / "gitopsctl.toml"
    config.write_text(config.read_text().replace('chart_version = "2.19.1"', 'chart_version = "2.19.2"'))
    result = run_bootstrap(run_cli, world)
    assert result.exit_code == 0, result.stderr
    assert "upgrading Sealed Secrets 2.19.1 → 2.19.2" in result.stderr
    (release,) = world.helm_releases()
    assert release["chart"] == "sealed-secrets-2.19.2" and release["revision"] == "2"


def test_failed_certificate_step_resumes(run_cli, world):
    failed = run_cli(
        "--repo", str(world.repo), "bootstrap", "--timeout", "1m", "--controller-url", "http://127.0.0.1:9"
    )
    assert failed.exit_code == 1
    assert "bootstrap stopped at the certificate step: cannot reach the controller" in failed.stderr
    assert run_bootstrap(run_cli, world).exit_code == 0


def test_failed_verify_step_exits_4_and_resumes(run_cli, world, monkeypatch):
    monkeypatch.setenv("FAKE_FLUX_DEGRADED", "kustomize-controller")
    failed = run_cli(
        "--repo", str(world.repo), "bootstrap", "--timeout", "5s", "--controller-url", world.controller.url
    )
    assert failed.exit_code == 4
    assert "✗ timed out: 1 not healthy: kustomize-controller" in failed.stderr
    assert "Flux did not become ready in time" in failed.stderr
    FluxWorld(world.cluster).deployment_available("kustomize-controller", "flux-system")
    resumed = run_bootstrap(run_cli, world)
    assert resumed.exit_code == 0, resumed.stderr
    assert "Flux is already bootstrapped with these settings" in resumed.stderr


def test_a_different_path_stops_with_the_difference(run_cli, world, flux_calls):
    assert run_bootstrap(run_cli, world).exit_code == 0
    result = run_cli(
        "--repo",
        str(world.repo),
        "--cluster",
        "staging",
        "bootstrap",
        "--timeout",
        "1m",
        "--controller-url",
        world.controller.url,
    )
    assert result.exit_code == 1
    assert (
        "path: the cluster syncs ./flux/clusters/production, this bootstrap wants ./flux/clusters/staging"
        in result.stderr
    )
    assert len(bootstrap_calls(flux_calls)) == 1


def test_missing_prerequisites_exit_3_and_change_nothing(run_cli, world, flux_calls, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    result = run_bootstrap(run_cli, world)
    assert result.exit_code == 3
    assert "GITHUB_TOKEN" in result.stderr and "prerequisites are missing; nothing was changed" in result.stderr
    assert bootstrap_calls(flux_calls) == []
    assert world.helm_releases() == []


def test_interrupt_names_the_step(world, monkeypatch, tmp_path):
    import signal
    import sys

    # A flux that hangs, so the interrupt lands in the flux step.
    slow = tmp_path / "slow-bin"
    slow.mkdir()
    fake = Path(__file__).parents[1] / "fakes" / "flux"
    (slow / "flux").write_text(f'#!/bin/sh\ncase "$1" in bootstrap) sleep 60;; *) exec {fake} "$@";; esac\n')
    (slow / "flux").chmod(0o755)
    env = {**os.environ, "PATH": f"{slow}{os.pathsep}{os.environ['PATH']}"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gitopsctl",
            "--repo",
            str(world.repo),
            "bootstrap",
            "--timeout",
            "1m",
            "--controller-url",
            world.controller.url,
        ],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=env,
    )
    deadline = time.monotonic() + 60
    output = ""
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        output += line
        if "bootstrapping Flux" in line:
            break
    time.sleep(0.5)
    os.killpg(process.pid, signal.SIGINT)
    output += process.stderr.read()
    process.wait(timeout=30)
    assert process.returncode == 130, output
    assert "interrupted during the flux step; run gitopsctl bootstrap again to resume" in output


# -- the first run: an empty cluster, the repository round trip, an older or half-installed Flux


@pytest.fixture(scope="module")
def empty_control_plane():
    """A second API server with nothing on it: no Flux CRDs, no namespaces beyond the defaults."""
    from tests.harness.controlplane import ControlPlaneUnavailable, start_control_plane

    try:
        plane = start_control_plane(crds=False)
    except ControlPlaneUnavailable as reason:
        pytest.skip(f"control plane unavailable: {reason}")
    yield plane
    plane.stop()


def test_the_existing_flux_probe_works_without_the_flux_crds(empty_control_plane):
    from gitopsctl.bootstrap.plan import BootstrapSettings, existing_flux
    from gitopsctl.kube import Kube
    from gitopsctl.runner import Runner

    assert "kustomizations" not in empty_control_plane.kubectl("api-resources").stdout
    kube = Kube(Runner(), kubeconfig=str(empty_control_plane.kubeconfig))
    wanted = BootstrapSettings(
        owner="o",
        repository="r",
        branch="main",
        remote="origin",
        personal=True,
        hostname="github.com",
        ssh_hostname="",
        ca_file="",
        path="flux/clusters/production",
        components=("source-controller", "kustomize-controller"),
        components_extra=(),
        flux_version="",
        flux_namespace="flux-system",
        release="sealed-secrets",
        chart_repo="http://127.0.0.1:9",
        chart_name="sealed-secrets",
        chart_version="2.19.1",
        controller_name="sealed-secrets-controller",
        controller_namespace="flux-system",
        timeout=60,
    )
    assert existing_flux(kube, wanted) is None


def test_bootstrap_from_an_empty_cluster(
    run_cli, empty_control_plane, git_world, github, tmp_path, monkeypatch, flux_calls
):
    """No Flux CRDs, no flux-system namespace: bootstrap gets past its probe and runs flux."""
    monkeypatch.setenv("KUBECONFIG", str(empty_control_plane.kubeconfig))
    with bootstrap_world(empty_control_plane, git_world, github, tmp_path, monkeypatch) as world:
        result = run_bootstrap(run_cli, world)
    assert result.exit_code == 0, result.stderr
    assert len(bootstrap_calls(flux_calls)) == 1
    assert "✔ bootstrap complete" in result.stderr


def test_half_installed_flux_is_completed(run_cli, world, flux_calls):
    assert run_bootstrap(run_cli, world).exit_code == 0
    world.cluster.kubectl("delete", "deployment", "kustomize-controller", "-n", "flux-system")
    again = run_bootstrap(run_cli, world)
    assert again.exit_code == 0, again.stderr
    assert "⚠ Flux is half-installed (no kustomize-controller): flux bootstrap completes it" in again.stderr
    assert len(bootstrap_calls(flux_calls)) == 2


def test_an_older_flux_is_upgraded_by_flux_bootstrap(run_cli, world, flux_calls):
    assert run_bootstrap(run_cli, world).exit_code == 0
    world.cluster.kubectl("label", "namespace", "flux-system", "--overwrite", "app.kubernetes.io/version=v2.3.0")
    again = run_bootstrap(run_cli, world)
    assert again.exit_code == 0, again.stderr
    assert "► Flux v2.3.0 is installed: flux bootstrap upgrades it to 2.9.4" in again.stderr
    assert len(bootstrap_calls(flux_calls)) == 2
    labels = json.loads(world.cluster.kubectl("get", "namespace", "flux-system", "-o", "json").stdout)
    assert labels["metadata"]["labels"]["app.kubernetes.io/version"] == "v2.9.4"


def test_flux_commits_are_pulled_so_the_next_push_is_accepted(run_cli, world):
    from tests.harness.git import GIT_IDENTITY, git

    result = run_bootstrap(run_cli, world)
    assert result.exit_code == 0, result.stderr
    assert "✔ pulled the commits flux bootstrap pushed to origin/main" in result.stderr
    assert (world.repo / "flux/clusters/production/flux-system/gotk-sync.yaml").is_file()
    assert git(world.repo, "rev-parse", "HEAD") == git(world.repo, "rev-parse", "origin/main")
    # Following the advice literally publishes the certificate.
    advice = next(line for line in result.stderr.splitlines() if line.startswith("then commit and push them ("))
    command = advice.removeprefix("then commit and push them (").removesuffix(")")
    assert command == "git add -A && git commit -m 'Add the sealing certificate and secrets' && git push"
    env = {**os.environ, **GIT_IDENTITY}
    subprocess.run(command, shell=True, cwd=world.repo, check=True, capture_output=True, env=env)
    assert git(world.repo, "rev-parse", "HEAD") == git(world.repo, "ls-remote", "origin", "refs/heads/main").split()[0]


def test_unpushed_local_commits_get_the_exact_commands(run_cli, world):
    from tests.harness.git import GitWorld

    GitWorld(origin=Path("unused"), clone=world.repo).commit_file("notes.txt", "local\n", "A local commit")
    result = run_bootstrap(run_cli, world)
    assert result.exit_code == 0, result.stderr
    assert "⚠ origin/main was not pulled: diverged" in result.stderr
    assert "git pull --rebase origin main && git push)" in result.stderr


def test_no_origin_is_exit_2_before_anything_changes(run_cli, world, flux_calls):
    from tests.harness.git import git

    git(world.repo, "remote", "remove", "origin")
    result = run_bootstrap(run_cli, world)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "✗ the repository has no remote 'origin': create the repository on the Git server, then: "
        "git remote add origin git@github.com:homelab-operator/homelab-gitops.git && git push -u origin main"
    ]
    assert flux_calls() == [] and world.helm_releases() == []
    assert run_bootstrap(run_cli, world, "--dry-run").exit_code == 2


def test_a_branch_that_tracks_nothing_is_exit_2(run_cli, world, flux_calls):
    from tests.harness.git import git

    git(world.repo, "branch", "--unset-upstream")
    result = run_bootstrap(run_cli, world)
    assert result.exit_code == 2
    assert "✗ the branch 'main' tracks nothing on 'origin': publish it first: git push -u origin main" in result.stderr
    assert flux_calls() == []


def test_moving_flux_is_advised_without_losing_the_sealing_keys(run_cli, world):
    assert run_bootstrap(run_cli, world).exit_code == 0
    result = run_cli("--repo", str(world.repo), "--cluster", "staging", "bootstrap", "--timeout", "1m")
    assert result.exit_code == 1
    assert "back up the sealing keys first (gitopsctl keys backup --to FILE, outside the repository)" in result.stderr
    assert "then flux uninstall --keep-namespace and gitopsctl bootstrap --restore-keys FILE" in result.stderr
    assert "flux uninstall," not in result.stderr


CERTIFICATE = """apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: wildcard
  namespace: ingress
spec:
  secretName: wildcard-tls
  dnsNames: ["*.home.arpa"]
  issuerRef: {name: letsencrypt, kind: ClusterIssuer}
"""
CERTIFICATE_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: certificates.cert-manager.io
spec:
  group: cert-manager.io
  names: {kind: Certificate, plural: certificates}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
"""


def test_a_kind_without_its_crd_in_the_cluster_folder_stops_before_flux(run_cli, world, flux_calls, git_world):
    """flux bootstrap applies the cluster folder in one go, after pushing and installing: a kind
    whose CRD nothing has installed yet fails there. Checked first, against the API server's
    groups; a CRD in the same folder (applied first by kustomize-controller) is enough."""
    git_world.commit_file("flux/clusters/production/certificate.yaml", CERTIFICATE, "A certificate")
    git_world.commit_file(
        "flux/clusters/production/ingress-namespace.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ingress\n",
        "Its namespace",
    )
    git(git_world.clone, "push", "-q", "origin", "main")
    head = git_world.head()
    refused = run_bootstrap(run_cli, world)
    assert refused.exit_code == 2, refused.stderr
    assert refused.stderr.splitlines()[-1] == (
        "✗ flux bootstrap would fail its first sync of flux/clusters/production (origin/main): Certificate "
        "ingress/wildcard (flux/clusters/production/certificate.yaml) is a cert-manager.io kind whose CRD neither "
        "the cluster nor this folder installs: fix the cluster folder on origin/main, or bootstrap another folder "
        "(--cluster); nothing was changed"
    )
    assert bootstrap_calls(flux_calls) == []
    assert git_world.head(git_world.origin) == head and git_world.head() == head

    git_world.commit_file("flux/clusters/production/certificate-crd.yaml", CERTIFICATE_CRD, "Its CRD")
    git(git_world.clone, "push", "-q", "origin", "main")
    assert run_bootstrap(run_cli, world).exit_code == 0
    assert len(bootstrap_calls(flux_calls)) == 1


def test_a_flux_kind_whose_controller_is_not_installed_stops_before_flux(run_cli, world, flux_calls, git_world):
    config = git_world.clone / "gitopsctl.toml"
    config.write_text(
        config.read_text().replace(
            'namespace = "flux-system"\n', 'namespace = "flux-system"\ncomponents_extra = []\n', 1
        )
    )
    git_world.commit_file("flux/clusters/production/frontend-images.yaml", IMAGE_REPOSITORY, "Scan here")
    git(git_world.clone, "push", "-q", "origin", "main")
    refused = run_bootstrap(run_cli, world)
    assert refused.exit_code == 2, refused.stderr
    assert (
        "ImageRepository flux-system/frontend (flux/clusters/production/frontend-images.yaml) needs "
        "image-reflector-controller, which is not among the components to install" in refused.stderr
    )
    assert bootstrap_calls(flux_calls) == []


IMAGE_REPOSITORY = """apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: frontend
  namespace: flux-system
spec:
  image: 192.168.0.40:5000/homelab/frontend
  interval: 5m
"""


BOOTSTRAP_FROM_PYTHON = """
import sys
from pathlib import Path

from gitopsctl.bootstrap.plan import BootstrapSettings
from gitopsctl.bootstrap.steps import BootstrapFlow
from gitopsctl.config import load_config
from gitopsctl.git import Git
from gitopsctl.kube import Kube
from gitopsctl.prerequisites import Prerequisites
from gitopsctl.runner import Runner
from gitopsctl.sealing.controller import DirectController
from gitopsctl.sealing.store import SealedSecretStore
from tests.harness.progress import RecordingProgress

repo, controller_url = Path(sys.argv[1]), sys.argv[2]
config, runner = load_config(repo), Runner()
kube = Kube(runner)
BootstrapFlow(
    settings=BootstrapSettings.from_config(config, "flux/clusters/production", timeout=60),
    kube=kube,
    runner=runner,
    git=Git(runner, repo),
    config=config,
    repo=repo,
    cluster_path="flux/clusters/production",
    prerequisites_checks=Prerequisites(runner, kube, config, repo=repo),
    controller=DirectController(controller_url),
    store=SealedSecretStore(repo, config.sealed_secrets.secrets_dir, "production"),
    progress=RecordingProgress(echo=True),
).run()
"""


def test_bootstrap_runs_from_python_without_click(world, flux_calls):
    """The same steps as the command, driven by a program that has no Click or rich at all."""
    from tests.harness.without_click import run_without_click

    result = run_without_click(BOOTSTRAP_FROM_PYTHON, str(world.repo), world.controller.url)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "success: bootstrap complete" in result.stdout
    assert len(bootstrap_calls(flux_calls)) == 1
    (release,) = world.helm_releases()
    assert release["status"] == "deployed"


def test_restore_keys_is_read_and_checked_before_anything_runs(run_cli, world, flux_calls, tmp_path):
    """A wrong passphrase or another cluster's backup stops bootstrap before flux or helm run;
    the plan says where the keys go."""
    from gitopsctl.sealing.keys import SealingKey, write_backup
    from tests.conftest import TEST_CERT, TEST_KEY

    key = SealingKey(
        "sealed-secrets-keyold01", "active", "2026-10-01T00:00:00Z", TEST_CERT.read_bytes(), TEST_KEY.read_bytes()
    )
    backup = tmp_path / "keys.pem"
    backup.write_bytes(write_backup([key], "the right passphrase", "production"))
    env = {"GITOPSCTL_KEYS_PASSPHRASE": "the right passphrase"}
    plan = run_bootstrap(run_cli, world, "--dry-run", "--restore-keys", str(backup), env=env)
    assert plan.exit_code == 0, plan.stderr
    assert "  5. restore 1 sealing key(s) into flux-system\n  6. helm repo add" in plan.stderr
    wrong = run_bootstrap(run_cli, world, "--restore-keys", str(backup), env={"GITOPSCTL_KEYS_PASSPHRASE": "x" * 10})
    assert wrong.exit_code == 2
    assert wrong.stderr.splitlines()[-1].startswith(f"✗ the passphrase does not open {backup}")
    other = tmp_path / "other.pem"
    other.write_bytes(write_backup([key], "the right passphrase", "staging"))
    refused = run_bootstrap(run_cli, world, "--restore-keys", str(other), env=env)
    assert refused.exit_code == 2
    assert "the backup was made of cluster staging, not production" in refused.stderr
    assert flux_calls() == [] and world.helm_releases() == []
