"""verify --offline on repositories shaped as operators shape them, not as our example is.

The fixtures in tests/fixtures/repositories follow the layouts of the official Flux examples
(overlays over ../base, HelmReleases with values from a generated ConfigMap, postBuild
substitution from a ConfigMap of another Kustomization) and of k3s home-lab repositories (flux
bootstrap's flux-system folder, SOPS-encrypted Secrets and generator files, an ExternalSecret, an
app repository as a second GitRepository, an OCIRepository, a folder of Helm templates). Each holds
real problems on purpose; every test asserts the whole list of problems, so a false finding fails
it as surely as a missed one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.harness.git import GIT_IDENTITY, git

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "repositories"


def checkout(tmp_path: Path, name: str) -> Path:
    repo = tmp_path / name
    shutil.copytree(FIXTURES / name, repo)
    env = {**GIT_IDENTITY, "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "The repository as the operator keeps it"], cwd=repo, check=True, env=env)
    return repo


def offline(run_cli, repo: Path, *args: str) -> tuple[int, dict]:
    result = run_cli("--repo", str(repo), *args, "verify", "--offline", "-o", "json")
    assert result.exit_code in (0, 4), result.stderr
    return result.exit_code, json.loads(result.stdout)


def test_the_official_layout_is_built_as_flux_builds_it(run_cli, tmp_path):
    """Overlays with ../base and namespace:, a patch, HelmReleases with valuesFrom a generated
    ConfigMap, substitution from a ConfigMap another Kustomization applies, Helm templates left
    unlisted: none is a problem. The one real problem is a removed apiVersion."""
    repo = checkout(tmp_path, "official")
    code, report = offline(run_cli, repo, "--cluster", "production")
    assert code == 4
    assert report["problems"] == [
        "infrastructure/controllers/cert-manager.yaml: OCIRepository cert-manager/cert-manager: "
        "source.toolkit.fluxcd.io/v1beta2 is not served by Flux 2.9.4: use source.toolkit.fluxcd.io/v1"
    ]
    assert report["warnings"] == [] and report["notes"] == []
    assert report["order"] == [["flux-system/infra-controllers"], ["flux-system/infra-configs"], ["flux-system/apps"]]
    assert report["flux_version"].startswith("Flux 2.9.4 (the newest gitopsctl knows")


def test_the_official_layout_flags_a_health_check_the_namespace_transformer_moved(run_cli, tmp_path):
    """The base's namespace: podinfo wins over the manifest's: a health check in default is wrong."""
    repo = checkout(tmp_path, "official")
    apps = repo / "clusters/production/apps.yaml"
    apps.write_text(
        apps.read_text().replace(
            "      name: podinfo-production\n      namespace: podinfo",
            "      name: podinfo-production\n      namespace: default",
        )
    )
    _, report = offline(
        run_cli,
        repo,
        "--cluster",
        "production",
    )
    assert (
        "Kustomization flux-system/apps: health check Deployment default/podinfo-production is not in what it applies"
        in report["problems"]
    )


def test_substitution_follows_fluxs_rules(run_cli, tmp_path):
    """Without the ConfigMap the name is unknown, so the health check is not found: the variable
    came from substituteFrom, not from the file."""
    repo = checkout(tmp_path, "official")
    settings = repo / "clusters/production/apps.yaml"
    settings.write_text(settings.read_text().replace("      cluster_env: production\n", "      cluster_env: staging\n"))
    _, report = offline(run_cli, repo, "--cluster", "production")
    assert (
        "Kustomization flux-system/apps: health check Deployment podinfo/podinfo-production is not in what it applies"
    ) in report["problems"]


def test_the_home_lab_layout(run_cli, tmp_path):
    """flux bootstrap's folder, SOPS, an ExternalSecret, an app repository, an OCI source, a
    generated Secret from a SOPS env file, a folder of Helm templates with no kustomization.yaml."""
    repo = checkout(tmp_path, "home-ops")
    code, report = offline(run_cli, repo, "--cluster", "home")
    assert code == 4
    assert report["flux_version"] == "Flux 2.7.2 (pinned in gotk-components.yaml)"
    assert report["problems"] == [
        # Flux generates a kustomization over every YAML file of the folder, templates included.
        "Kustomization flux-system/traefik: kustomize build fails: accumulating resources: accumulating "
        "resources from 'infrastructure/traefik/templates/middleware.yaml': MalformedYAMLError: yaml: line 3: "
        "did not find expected key in File: infrastructure/traefik/templates/middleware.yaml",
        "apps/monitoring/kustomization.yaml: Secret monitoring/grafana-admin is SOPS-encrypted, but Kustomization "
        "flux-system/monitoring has no spec.decryption, so Flux cannot apply it: add decryption: {provider: sops, "
        "secretRef: {name: sops-age}} to it",
    ]
    assert report["notes"] == [
        "Kustomization flux-system/dashboards: not checked: source OCIRepository flux-system/dashboards is not in "
        "this repository (name a local checkout of it under [sources] in gitopsctl.toml)",
        "Kustomization flux-system/podinfo: not checked: source GitRepository flux-system/podinfo is not in this "
        "repository (name a local checkout of it under [sources] in gitopsctl.toml)",
        "apps/linkding/secret.sops.yaml: Secret linkding/linkding-env is SOPS-encrypted; Kustomization "
        "flux-system/linkding decrypts it",
        "apps/linkding/externalsecret.yaml: ExternalSecret linkding/linkding-db: Secret linkding-db is created in "
        "the cluster by External Secrets, not kept in Git",
    ]
    # The SOPS key is created in the cluster by hand, as SOPS users do: information, with the command.
    assert [(m["namespace"], m["name"]) for m in report["missing_secrets"]] == [("flux-system", "sops-age")]


def test_a_removed_image_api_is_flagged_against_the_flux_asked_for(run_cli, tmp_path):
    """The repository pins Flux 2.7.2, which serves image.toolkit.fluxcd.io/v1beta2; 2.9 does not."""
    repo = checkout(tmp_path, "home-ops")
    _, report = offline(
        run_cli,
        repo,
        "--cluster",
        "home",
    )
    assert not any("image.toolkit" in p for p in report["problems"])
    result = run_cli(
        "--repo", str(repo), "--cluster", "home", "verify", "--offline", "--flux-version", "v2.9.0", "-o", "json"
    )
    problems = json.loads(result.stdout)["problems"]
    # (in namespace linkding: the kustomization's namespace: moves them there)
    assert sorted(p for p in problems if "image.toolkit" in p) == [
        "apps/linkding/image-policy.yaml: ImagePolicy linkding/linkding: image.toolkit.fluxcd.io/v1beta2 is not "
        "served by Flux 2.9.0: use image.toolkit.fluxcd.io/v1",
        "apps/linkding/image-policy.yaml: ImageRepository linkding/linkding: image.toolkit.fluxcd.io/v1beta2 is "
        "not served by Flux 2.9.0: use image.toolkit.fluxcd.io/v1",
    ]


def test_a_marker_naming_a_policy_the_namespace_transformer_moved(run_cli, tmp_path):
    """linkding's kustomization.yaml moves its ImagePolicy into linkding: flux-system:linkding does not exist."""
    repo = checkout(tmp_path, "home-ops")
    deployment = repo / "apps/linkding/deployment.yaml"
    deployment.write_text(deployment.read_text().replace('"linkding:linkding"', '"flux-system:linkding"'))
    _, report = offline(run_cli, repo, "--cluster", "home")
    # Other sources were not checked, so the policy might be there: a warning, not a problem.
    assert (
        "apps/linkding/deployment.yaml: image policy marker names flux-system:linkding, which is not in the "
        "repository (nor in what was checked; it may be in a source not checked)"
    ) in report["warnings"]
    assert (
        report["problems"]
        == offline(run_cli, checkout(tmp_path / "unchanged", "home-ops"), "--cluster", "home")[1]["problems"]
    )


def test_an_app_repository_checked_out_beside_is_checked_there(run_cli, tmp_path):
    """[sources] names a local checkout: the podinfo Kustomization is then built from it,
    with its targetNamespace, and its health check is found."""
    repo = checkout(tmp_path, "home-ops")
    app = tmp_path / "podinfo" / "kustomize"
    app.mkdir(parents=True)
    (app / "kustomization.yaml").write_text("resources:\n  - deployment.yaml\n")
    (app / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: podinfo\n          image: ghcr.io/stefanprodan/podinfo:6.7.1\n"
    )
    (repo / "gitopsctl.toml").write_text('[sources]\npodinfo = "../podinfo"\n')
    _, report = offline(run_cli, repo, "--cluster", "home")
    assert not any("flux-system/podinfo" in n for n in report["notes"])
    assert not any("podinfo" in p for p in report["problems"])
    (app / "deployment.yaml").write_text(
        (app / "deployment.yaml").read_text().replace("name: podinfo\n", "name: web\n", 1)
    )
    _, report = offline(run_cli, repo, "--cluster", "home")
    assert (
        "Kustomization flux-system/podinfo: health check Deployment podinfo/podinfo is not in what it applies"
        in report["problems"]
    )


def test_a_remote_base_that_cannot_be_fetched_is_a_warning_in_bounded_time(run_cli, tmp_path):
    repo = checkout(tmp_path, "official")
    base = repo / "apps/production/kustomization.yaml"
    base.write_text(
        base.read_text().replace("  - ../base/podinfo\n", "  - ../base/podinfo\n  - https://127.0.0.1:9/podinfo.yaml\n")
    )
    started = time.monotonic()
    _, report = offline(run_cli, repo, "--cluster", "production")
    assert time.monotonic() - started < 30
    [warning] = report["warnings"]
    assert warning.startswith("Kustomization flux-system/apps: not checked: kustomize build fails: ")
    assert warning.endswith(
        "(it needs remote resources: https://127.0.0.1:9/podinfo.yaml); check it where the network is reachable"
    )
    assert all("flux-system/apps" not in p for p in report["problems"])


def test_plain_secrets_are_the_only_secret_problem(run_cli, tmp_path):
    repo = checkout(tmp_path, "official")
    (repo / "apps/base/podinfo/token.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  token: hunter2\n"
    )
    base = repo / "apps/base/podinfo/kustomization.yaml"
    base.write_text(base.read_text() + "  - token.yaml\n")
    result = run_cli("-vv", "--repo", str(repo), "--cluster", "production", "verify", "--offline")
    assert result.exit_code == 4
    assert (
        "✗ apps/base/podinfo/token.yaml: Secret podinfo/token is plain text in Git; seal it with gitopsctl seal file"
        in result.stderr
    )
    # The build went through a pipe: the value is in no output, not even -vv's command lines.
    assert "hunter2" not in result.stderr + result.stdout
    assert "kubectl kustomize --load-restrictor LoadRestrictionsNone" in result.stderr


@pytest.mark.parametrize(
    ("entry", "words"),
    [("  - missing.yaml\n", "missing.yaml"), ("  - ../../production\n", "cycle")],
)
def test_a_kustomization_that_fails_to_build_is_one_line_and_exit_4(run_cli, tmp_path, entry, words):
    repo = checkout(tmp_path, "official")
    base = repo / "apps/base/podinfo/kustomization.yaml"
    base.write_text(base.read_text() + entry)
    result = run_cli("--repo", str(repo), "--cluster", "production", "verify", "--offline")
    assert result.exit_code == 4
    failures = [line for line in result.stderr.splitlines() if line.startswith("✗ Kustomization flux-system/apps")]
    assert len(failures) == 1, result.stderr
    assert failures[0].startswith("✗ Kustomization flux-system/apps: kustomize build fails: ") and words in failures[0]
    assert "Traceback" not in result.stderr


def test_history_lists_a_commit_that_changed_only_a_base(run_cli, tmp_path):
    repo = checkout(tmp_path, "official")
    release = repo / "apps/base/podinfo/release.yaml"
    release.write_text(release.read_text().replace("interval: 50m", "interval: 40m"))
    git(repo, "commit", "-qam", "podinfo: reconcile more often")
    values = repo / "infrastructure/configs/ingress-values.yaml"
    values.write_text(values.read_text().replace("LoadBalancer", "NodePort"))
    git(repo, "commit", "-qam", "ingress-nginx: a NodePort (values from a generated ConfigMap)")
    unrelated = repo / "docs.yaml"
    unrelated.write_text("a: 1\n")
    git(repo, "add", "docs.yaml")
    git(repo, "commit", "-qm", "Notes that Flux never applies")
    result = run_cli("--repo", str(repo), "--cluster", "production", "history", "-o", "json")
    assert result.exit_code == 0, result.stderr
    subjects = [c["subject"] for c in json.loads(result.stdout)["commits"]]
    assert subjects == [
        "ingress-nginx: a NodePort (values from a generated ConfigMap)",
        "podinfo: reconcile more often",
        "The repository as the operator keeps it",
    ]


def test_rollback_of_a_base_change_says_what_it_changes_and_reverts_the_base(run_cli, tmp_path):
    repo = checkout(tmp_path, "official")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(origin))
    git(repo, "remote", "add", "origin", str(origin))
    git(repo, "fetch", "-q", "origin")
    git(repo, "branch", "-q", "--set-upstream-to=origin/main")
    release = repo / "apps/base/podinfo/release.yaml"
    before = release.read_text()
    release.write_text(before.replace("interval: 50m", "interval: 40m"))
    git(repo, "commit", "-qam", "podinfo: reconcile more often")
    git(repo, "push", "-q", "origin", "main")
    sha = git(repo, "rev-parse", "HEAD").strip()
    dry = run_cli("--repo", str(repo), "--cluster", "production", "rollback", sha, "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "  files    apps/base/podinfo/release.yaml\n  changes  what flux-system/apps applies\n" in dry.stderr
    done = run_cli("--repo", str(repo), "--cluster", "production", "rollback", sha, "--no-push")
    assert done.exit_code == 0, done.stderr
    assert release.read_text() == before
    assert git(repo, "show", "--format=", "--name-only", "HEAD").split() == ["apps/base/podinfo/release.yaml"]


def test_history_lists_a_change_to_a_chart_a_helm_release_installs_from_git(run_cli, tmp_path):
    repo = checkout(tmp_path, "home-ops")
    template = repo / "charts/whoami/templates/deployment.yaml"
    template.write_text(template.read_text().replace("replicas:", "revisionHistoryLimit: 2\n  replicas:"))
    git(repo, "commit", "-qam", "whoami: keep two revisions")
    result = run_cli("--repo", str(repo), "--cluster", "home", "history", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["commits"][0]["subject"] == "whoami: keep two revisions"
