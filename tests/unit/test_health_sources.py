"""The judgement of clusters shaped like public Flux repositories: Kustomizations from OCI
artifacts and application repositories, HelmReleases and their charts. Objects in, findings out;
the statuses are those source-, kustomize- and helm-controller write (tests/e2e/test_sources.py
runs the controllers themselves)."""

from __future__ import annotations

from typing import Any

from gitopsctl.flux.health import Expectations, Finding, evaluate
from gitopsctl.flux.objects import ClusterState, FluxObject
from gitopsctl.flux.own_repository import OwnRepository
from gitopsctl.status import Status
from tests.harness.statuses import condition, git_repository_status, kustomization_applied_status

HEAD, APP_OLD, APP_NEW = "a" * 40, "c" * 40, "d" * 40
DIGEST = "sha256:" + "e" * 64
OWN_URL = "ssh://git@github.com/operator/fleet"


def flux_object(kind: str, name: str, spec: dict[str, Any], status: dict[str, Any], namespace: str = "flux-system"):
    return FluxObject.from_json(
        {
            "kind": kind,
            "metadata": {"name": name, "namespace": namespace, "generation": 1},
            "spec": spec,
            "status": status,
        }
    )


def git_repository(name: str, url: str, revision: str, branch: str = "main") -> FluxObject:
    return flux_object(
        "GitRepository",
        name,
        {"url": url, "ref": {"branch": branch}},
        git_repository_status(f"{branch}@sha1:{revision}"),
    )


def kustomization(
    name: str, source: tuple[str, str], applied: str, *, inventory: list[str] | None = None, **spec: Any
) -> FluxObject:
    return flux_object(
        "Kustomization",
        name,
        {"path": f"./{name}", "sourceRef": {"kind": source[0], "name": source[1]}, **spec},
        kustomization_applied_status(applied, inventory),
    )


def helm_release(name: str, ready: dict[str, Any], *, depends: tuple[str, ...] = (), version: str = "6.7.0", **status):
    return flux_object(
        "HelmRelease",
        name,
        {
            "interval": "10m",
            "chart": {
                "spec": {
                    "chart": "podinfo",
                    "version": ">=6.0.0",
                    "sourceRef": {"kind": "HelmRepository", "name": "charts"},
                }
            },
            "dependsOn": [{"name": d} for d in depends],
        },
        {
            "observedGeneration": 1,
            "conditions": [ready],
            "helmChart": f"podinfo/podinfo-{name}",
            "history": [{"chartName": "podinfo", "chartVersion": version, "status": "deployed", "version": 1}],
            **status,
        },
        namespace="podinfo",
    )


def helm_chart(name: str, version: str) -> FluxObject:
    return flux_object(
        "HelmChart",
        f"podinfo-{name}",
        {"chart": "podinfo", "version": ">=6.0.0"},
        {"observedGeneration": 1, "conditions": [condition("Ready", "True", "ChartPullSucceeded", "pulled")],
         "artifact": {"revision": version}},
        namespace="podinfo",
    )  # fmt: skip


OWN = git_repository("flux-system", OWN_URL, HEAD)
RELEASED = condition("Ready", "True", "InstallSucceeded", "Helm install succeeded for release podinfo/podinfo.v1")
INSTALL_FAILED = condition(
    "Ready", "False", "InstallFailed", 'Helm install failed for release podinfo/a: Deployment "a" is invalid'
)


def judge(*objects: FluxObject, heads: dict[str, str] | None = None) -> dict[str, Finding]:
    expect = Expectations(
        components=(),
        sealed_secrets=None,
        target_sha=HEAD,
        own_repository=OwnRepository.at([OWN_URL], "flux-system"),
        source_heads=heads or {},
    )
    return {f.subject: f for f in evaluate(ClusterState(list(objects)), expect).findings}


def test_a_kustomization_from_an_oci_artifact_waits_for_the_artifact_not_the_branch_head():
    oci = flux_object(
        "OCIRepository",
        "manifests",
        {"url": "oci://registry.lan/manifests", "ref": {"tag": "latest"}},
        {"observedGeneration": 1, "conditions": [condition("Ready", "True", "Succeeded", "stored")],
         "artifact": {"revision": f"latest@{DIGEST}"}},
    )  # fmt: skip
    applied = judge(OWN, oci, kustomization("apps", ("OCIRepository", "manifests"), f"latest@{DIGEST}"))
    assert applied["OCIRepository flux-system/manifests"].detail == "ready at sha256:eeeeeeee"
    assert (applied["Kustomization flux-system/apps"].status, applied["Kustomization flux-system/apps"].detail) == (
        Status.OK,
        "applied sha256:eeeeeeee",
    )
    behind = judge(OWN, oci, kustomization("apps", ("OCIRepository", "manifests"), "latest@sha256:" + "f" * 64))
    assert behind["Kustomization flux-system/apps"].status is Status.WAITING
    assert behind["Kustomization flux-system/apps"].detail == "applied sha256:ffffffff, waiting for sha256:eeeeeeee"


def test_an_application_repository_is_judged_against_its_own_remote():
    app = git_repository("podinfo", "https://github.com/stefanprodan/podinfo", APP_OLD, branch="master")
    applies = kustomization("podinfo", ("GitRepository", "podinfo"), f"master@sha1:{APP_OLD}")
    fetched = judge(OWN, app, applies, heads={"GitRepository/flux-system/podinfo": APP_OLD})
    assert fetched["GitRepository flux-system/podinfo"].detail == f"in sync with branch master at {APP_OLD[:8]}"
    assert fetched["Kustomization flux-system/podinfo"].status is Status.OK
    behind = judge(OWN, app, applies, heads={"GitRepository/flux-system/podinfo": APP_NEW})
    assert behind["GitRepository flux-system/podinfo"].status is Status.WAITING
    assert behind["GitRepository flux-system/podinfo"].detail == (
        f"behind its remote: has {APP_OLD[:8]}, branch master is at {APP_NEW[:8]}"
    )
    unknown = judge(OWN, app, applies)
    assert unknown["GitRepository flux-system/podinfo"].detail == f"ready at {APP_OLD[:8]}"
    silent = evaluate(
        ClusterState([OWN, app, applies]),
        Expectations(
            components=(),
            sealed_secrets=None,
            unanswered_remotes={"GitRepository/flux-system/podinfo": "git did not finish within 10s"},
        ),
    )
    assert {f.subject: f for f in silent.findings}["GitRepository flux-system/podinfo"].detail == (
        f"ready at {APP_OLD[:8]} (its remote did not answer: git did not finish within 10s)"
    )
    # The operator's own repository is found by its URL whatever its name.
    renamed = git_repository("fleet", "https://github.com/operator/fleet.git", APP_OLD)
    assert judge(renamed)["GitRepository flux-system/fleet"].status is Status.WAITING


def test_helm_releases_take_their_place_after_the_kustomization_that_applies_them():
    infrastructure = kustomization(
        "infrastructure",
        ("GitRepository", "flux-system"),
        f"main@sha1:{HEAD}",
        inventory=["podinfo_a_helm.toolkit.fluxcd.io_HelmRelease", "podinfo_b_helm.toolkit.fluxcd.io_HelmRelease"],
    )
    apps = kustomization(
        "apps", ("GitRepository", "flux-system"), f"main@sha1:{HEAD}", dependsOn=[{"name": "infrastructure"}]
    )
    objects = (OWN, infrastructure, apps, helm_release("a", RELEASED), helm_release("b", RELEASED, depends=("a",)))
    report = evaluate(
        ClusterState(list(objects)),
        Expectations(components=(), sealed_secrets=None, target_sha=HEAD),
    )
    assert report.order == [
        ["flux-system/infrastructure"],
        ["HelmRelease/podinfo/a", "flux-system/apps"],
        ["HelmRelease/podinfo/b"],
    ]
    released = {f.subject: f for f in report.findings}["HelmRelease podinfo/a"]
    assert (released.status, released.detail, released.level) == (
        Status.OK,
        "podinfo@6.7.0 deployed (release 1), wanted podinfo@>=6.0.0",
        1,
    )


def test_a_failing_helm_release_says_why_and_what_waits_for_it():
    infrastructure = kustomization(
        "infrastructure",
        ("GitRepository", "flux-system"),
        f"main@sha1:{HEAD}",
        inventory=["podinfo_a_helm.toolkit.fluxcd.io_HelmRelease"],
        wait=True,
    )
    apps = kustomization(
        "apps", ("GitRepository", "flux-system"), f"main@sha1:{HEAD}", dependsOn=[{"name": "infrastructure"}]
    )
    blocked = condition("Ready", "False", "DependencyNotReady", "dependency 'podinfo/a' is not ready")
    findings = judge(
        OWN, infrastructure, apps, helm_release("a", INSTALL_FAILED), helm_release("b", blocked, depends=("a",))
    )
    failed = findings["HelmRelease podinfo/a"]
    assert failed.status is Status.FAILED
    assert failed.detail == (
        'InstallFailed: Helm install failed for release podinfo/a: Deployment "a" is invalid; '
        "needed by HelmRelease podinfo/b, Kustomization flux-system/infrastructure, Kustomization flux-system/apps"
    )
    assert findings["HelmRelease podinfo/b"].detail == "DependencyNotReady: blocked by HelmRelease/podinfo/a"


def test_a_chart_fetched_but_not_yet_released_is_waited_for():
    findings = judge(OWN, helm_release("a", RELEASED, version="6.7.0"), helm_chart("a", "6.8.0"))
    assert findings["HelmRelease podinfo/a"].status is Status.WAITING
    assert findings["HelmRelease podinfo/a"].detail == "runs podinfo@6.7.0, 6.8.0 is fetched and not released yet"
    assert findings["HelmChart podinfo/podinfo-a"].detail == "ready at 6.8.0"


def test_sources_that_flux_does_not_reconcile_and_suspended_ones():
    static = flux_object("HelmRepository", "charts", {"type": "oci", "url": "oci://ghcr.io/org/charts"}, {})
    suspended = flux_object("Bucket", "assets", {"suspend": True, "bucketName": "assets"}, {})
    never = flux_object("ExternalArtifact", "generated", {}, {})
    findings = judge(OWN, static, suspended, never)
    assert findings["HelmRepository flux-system/charts"].status is Status.OK
    assert findings["Bucket flux-system/assets"].status is Status.FAILED
    assert findings["ExternalArtifact flux-system/generated"].status is Status.WAITING


def test_a_stalled_helm_release_keeps_the_cause_helm_controller_gave():
    stalled = helm_release("a", INSTALL_FAILED)
    stalled.raw["status"]["conditions"].append(
        condition("Stalled", "True", "RetriesExceeded", "Failed to install after 1 attempt(s)")
    )
    finding = judge(OWN, stalled)["HelmRelease podinfo/a"]
    assert finding.status is Status.FAILED
    assert finding.detail == (
        'InstallFailed: Helm install failed for release podinfo/a: Deployment "a" is invalid '
        "(stalled: Failed to install after 1 attempt(s))"
    )


def test_a_helm_release_whose_chart_is_still_being_fetched_waits_and_fails_when_the_chart_does():
    release = helm_release(
        "a",
        condition("Ready", "False", "SourceNotReady", "HelmChart 'podinfo/podinfo-a' is not ready: building artifact"),
    )
    building = helm_chart("a", "6.7.0")
    building.raw["status"]["conditions"] = [condition("Ready", "Unknown", "Progressing", "building artifact")]
    assert judge(OWN, release, building)["HelmRelease podinfo/a"].status is Status.WAITING
    building.raw["status"]["conditions"] = [condition("Ready", "False", "ChartPullFailed", "no chart version found")]
    assert judge(OWN, release, building)["HelmRelease podinfo/a"].status is Status.FAILED
