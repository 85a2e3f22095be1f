"""Every manifest of examples/homelab is accepted by the real API server (server-side dry run),
which validates Flux objects against the upstream CRD schemas and core kinds against their APIs."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitopsctl.yamlfiles import KUSTOMIZATION, load_yaml_documents, yaml_files
from tests.harness.git import EXAMPLE

MANIFESTS = sorted(p for p in yaml_files(EXAMPLE / "flux") if p.name != KUSTOMIZATION)


def test_the_example_has_the_five_kustomizations_in_order():
    kinds = {}
    for path in (EXAMPLE / "flux" / "clusters" / "production").glob("*.yaml"):
        (document,) = load_yaml_documents(path.read_text(), str(path))
        kinds[document["metadata"]["name"]] = document["spec"]
    assert {name: [d["name"] for d in spec.get("dependsOn", [])] for name, spec in kinds.items()} == {
        "sealed-secrets": [],
        "frontend": ["sealed-secrets"],
        "image-automation": ["sealed-secrets"],
        "ingress": ["frontend"],
        "backend-deploy": ["frontend"],
    }
    assert kinds["backend-deploy"]["force"] is True
    assert kinds["frontend"]["timeout"] == "5m" and kinds["frontend"]["healthChecks"]
    assert {name: spec["interval"] for name, spec in kinds.items()} == {
        "sealed-secrets": "10m",
        "frontend": "5m",
        "image-automation": "10m",
        "ingress": "10m",
        "backend-deploy": "5m",
    }


@pytest.mark.parametrize("path", MANIFESTS, ids=[str(p.relative_to(EXAMPLE)) for p in MANIFESTS])
def test_manifest_is_accepted_by_the_api_server(cluster, path: Path):
    result = cluster.kubectl("apply", "--dry-run=server", "-f", str(path), check=False)
    assert result.returncode == 0, result.stderr
    assert "(server dry run)" in result.stdout


def test_no_job_is_deleted_behind_fluxs_back():
    """A Job with ttlSecondsAfterFinished is deleted by Kubernetes, re-created by Flux at the next
    sync, and runs again: the backend would be redeployed once a day for nothing."""
    jobs = [
        document
        for path in EXAMPLE.rglob("*.yaml")
        for document in load_yaml_documents(path.read_text(), str(path))
        if isinstance(document, dict) and document.get("kind") == "Job"
    ]
    assert jobs and all("ttlSecondsAfterFinished" not in (job.get("spec") or {}) for job in jobs)
