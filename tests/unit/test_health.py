"""The health judgement as a table: Kustomization states in, findings out. No cluster, no Go."""

from __future__ import annotations

from typing import Any

import pytest

from gitopsctl.flux.health import Expectations, evaluate
from gitopsctl.flux.objects import ClusterState, FluxObject
from gitopsctl.status import Status
from tests.harness.statuses import condition, git_repository_status, kustomization_applied_status

OLD, NEW = "a" * 40, "b" * 40


def kustomization(name: str, status: dict[str, Any], *, depends: tuple[str, ...] = (), **spec: Any) -> FluxObject:
    return FluxObject.from_json(
        {
            "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system", "generation": 1},
            "spec": {
                "path": f"./{name}",
                "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
                "dependsOn": [{"name": d} for d in depends],
                **spec,
            },
            "status": status,
        }
    )


SOURCE = FluxObject.from_json(
    {
        "kind": "GitRepository",
        "metadata": {"name": "flux-system", "namespace": "flux-system", "generation": 1},
        "spec": {"url": "ssh://git@github.com/o/r", "ref": {"branch": "main"}},
        "status": git_repository_status(f"main@sha1:{NEW}"),
    }
)
APPLIED_NEW = kustomization_applied_status(f"main@sha1:{NEW}")
FAILED_BUILD = {
    "observedGeneration": 1,
    "lastAppliedRevision": f"main@sha1:{OLD}",
    "lastAttemptedRevision": f"main@sha1:{NEW}",
    "conditions": [condition("Ready", "False", "BuildFailed", "kustomize build failed: missing resource")],
}


@pytest.mark.parametrize(
    ("objects", "subject", "status", "detail"),
    [
        ([kustomization("apps", APPLIED_NEW)], "apps", Status.OK, f"applied {NEW[:8]}"),
        ([kustomization("apps", {})], "apps", Status.WAITING, "not reconciled yet"),
        (
            [kustomization("apps", kustomization_applied_status(f"main@sha1:{OLD}"))],
            "apps",
            Status.WAITING,
            f"applied {OLD[:8]}, waiting for {NEW[:8]}",
        ),
        (
            [kustomization("apps", APPLIED_NEW, suspend=True)],
            "apps",
            Status.FAILED,
            "suspended: Git changes are not applied (flux resume kustomization apps -n flux-system)",
        ),
        (
            [kustomization("apps", APPLIED_NEW, depends=("infra",))],
            "apps",
            Status.FAILED,
            "depends on flux-system/infra, which does not exist",
        ),
        (
            [kustomization("apps", FAILED_BUILD)],
            "apps",
            Status.FAILED,
            f"BuildFailed: kustomize build failed: missing resource (applied {OLD[:8]}, attempted {NEW[:8]})",
        ),
        (
            [
                kustomization("infra", FAILED_BUILD),
                kustomization(
                    "apps",
                    {"observedGeneration": 1, "conditions": [condition("Ready", "False", "DependencyNotReady")]},
                    depends=("infra",),
                ),
            ],
            "apps",
            Status.FAILED,
            "DependencyNotReady: blocked by flux-system/infra",
        ),
        (
            [
                kustomization(
                    "apps",
                    {
                        **APPLIED_NEW,
                        "conditions": [
                            condition("Ready", "True", "ReconciliationSucceeded"),
                            condition("Healthy", "False", "HealthCheckFailed", "frontend"),
                        ],
                    },
                )
            ],
            "apps",
            Status.FAILED,
            "health checks failing: HealthCheckFailed: frontend",
        ),
    ],
    ids=["applied", "new", "behind", "suspended", "missing-dependency", "build-failed", "blocked", "unhealthy"],
)
def test_a_kustomization_is_judged(objects, subject, status, detail):
    expect = Expectations(components=(), sealed_secrets=None, target_sha=NEW)
    report = evaluate(ClusterState([SOURCE, *objects]), expect)
    (finding,) = [f for f in report.findings if f.subject == f"Kustomization flux-system/{subject}"]
    assert (finding.status, finding.detail) == (status, detail)
    assert report.healthy is (status is Status.OK)


def test_an_empty_cluster_says_to_bootstrap():
    report = evaluate(ClusterState([]), Expectations(components=(), sealed_secrets=None))
    assert not report.healthy
    assert report.summary() == (False, "1 not healthy: Flux: no Flux objects found: run gitopsctl bootstrap")


def test_the_summary_names_the_first_problem_and_counts_the_rest():
    report = evaluate(
        ClusterState([SOURCE, kustomization("a", {}), kustomization("b", FAILED_BUILD)]),
        Expectations(components=(), sealed_secrets=None, target_sha=NEW),
    )
    healthy, text = report.summary()
    assert not healthy and text.startswith("2 not healthy: Kustomization flux-system/a: not reconciled yet (+1 more)")


REGISTRY_IMAGE = "harbor.lan:5000/homelab/frontend"


def _image_objects(*, deployed: str, suspended: bool) -> list[FluxObject]:
    return [
        FluxObject.from_json(
            {
                "kind": "ImagePolicy",
                "metadata": {"name": "frontend", "namespace": "flux-system", "generation": 1},
                "spec": {},
                "status": {"latestRef": {"name": REGISTRY_IMAGE, "tag": "main-bbbbbbb-2000"}},
            }
        ),
        FluxObject.from_json(
            {
                "kind": "ImageUpdateAutomation",
                "metadata": {"name": "flux-system", "namespace": "flux-system", "generation": 1},
                "spec": {"suspend": suspended},
                "status": {},
            }
        ),
        FluxObject.from_json(
            {
                "kind": "Deployment",
                "metadata": {"name": "frontend", "namespace": "web", "generation": 1},
                "spec": {"template": {"spec": {"containers": [{"name": "web", "image": deployed}]}}},
                "status": {},
            }
        ),
        FluxObject.from_json(
            {
                "kind": "Job",
                "metadata": {"name": "deploy", "namespace": "web", "generation": 1},
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [
                                {"name": "ssh", "image": "alpine:3.22", "env": [{"name": "IMAGE", "value": deployed}]}
                            ]
                        }
                    }
                },
                "status": {},
            }
        ),
    ]


@pytest.mark.parametrize(
    ("deployed", "suspended", "status", "detail"),
    [
        (
            f"{REGISTRY_IMAGE}:main-bbbbbbb-2000",
            False,
            Status.OK,
            "latest tag main-bbbbbbb-2000, running in Deployment web/frontend, Job web/deploy",
        ),
        (
            f"{REGISTRY_IMAGE}:main-aaaaaaa-1000",
            True,
            Status.WARNING,
            "latest tag main-bbbbbbb-2000; Deployment web/frontend, Job web/deploy runs main-aaaaaaa-1000 while "
            "image automation is suspended (gitopsctl images resume ends the hold)",
        ),
        (
            f"{REGISTRY_IMAGE}:main-aaaaaaa-1000",
            False,
            Status.OK,
            "latest tag main-bbbbbbb-2000; Deployment web/frontend, Job web/deploy runs main-aaaaaaa-1000 until "
            "the automation's bump is applied",
        ),
        # Another registry's image of the same name is not this policy's.
        ("ghcr.io/homelab/frontend:main-aaaaaaa-1000", True, Status.OK, "latest tag main-bbbbbbb-2000"),
    ],
)
def test_an_image_policy_is_judged_against_what_runs(deployed, suspended, status, detail):
    report = evaluate(
        ClusterState(_image_objects(deployed=deployed, suspended=suspended)),
        Expectations(components=(), sealed_secrets=None),
    )
    finding = next(f for f in report.findings if f.subject == "ImagePolicy flux-system/frontend")
    assert (finding.status, finding.detail) == (status, detail)


NEWER = "c" * 40


@pytest.mark.parametrize(
    ("includes", "source_status", "source_detail", "kustomization_status", "kustomization_detail"),
    [
        # A bot's commit on top of the target: the target is in what runs.
        (
            lambda newer, older: (newer, older) == (NEWER, NEW),
            Status.OK,
            f"at {NEWER[:8]}, which includes {NEW[:8]} and newer commits",
            Status.OK,
            f"applied {NEWER[:8]}, which includes {NEW[:8]}",
        ),
        # Another line of history (a force-push, or the target not fetched yet): still waiting.
        (
            lambda newer, older: False,
            Status.WAITING,
            f"behind: has {NEWER[:8]}, the branch head is {NEW[:8]}",
            Status.WAITING,
            f"applied {NEWER[:8]}, waiting for {NEW[:8]}",
        ),
    ],
    ids=["includes-the-target", "does-not"],
)
def test_a_revision_newer_than_the_target_counts_when_it_includes_it(
    includes, source_status, source_detail, kustomization_status, kustomization_detail
):
    source = FluxObject.from_json(
        {
            "kind": "GitRepository",
            "metadata": {"name": "flux-system", "namespace": "flux-system", "generation": 1},
            "spec": {"url": "ssh://git@github.com/o/r", "ref": {"branch": "main"}},
            "status": git_repository_status(f"main@sha1:{NEWER}"),
        }
    )
    apps = kustomization("apps", kustomization_applied_status(f"main@sha1:{NEWER}"))
    expect = Expectations(components=(), sealed_secrets=None, target_sha=NEW)
    report = evaluate(ClusterState([source, apps]), expect, includes=includes)
    found = {f.subject: (f.status, f.detail) for f in report.findings}
    assert found["GitRepository flux-system/flux-system"] == (source_status, source_detail)
    assert found["Kustomization flux-system/apps"] == (kustomization_status, kustomization_detail)


@pytest.mark.parametrize(
    ("pinned", "backed_up", "warned"),
    [
        ("", (), False),  # nothing pinned: no sealing key known to the repository
        ("sha256:" + "a" * 64, (), True),
        ("sha256:" + "a" * 64, ("sha256:" + "b" * 64,), True),  # an older key's backup does not cover it
        ("sha256:" + "a" * 64, ("sha256:" + "b" * 64, "sha256:" + "a" * 64), False),
    ],
)
def test_a_sealing_key_without_a_backup_is_a_warning(pinned, backed_up, warned):
    expect = Expectations(sealed_secrets=None, sealing_key=pinned, backed_up_keys=backed_up)
    report = evaluate(ClusterState([]), expect)
    found = [f for f in report.findings if f.subject == "sealing key"]
    assert bool(found) == warned
    if warned:
        assert found[0].status is Status.WARNING
        assert found[0].detail.endswith("is in no backup: gitopsctl keys backup --to FILE")
