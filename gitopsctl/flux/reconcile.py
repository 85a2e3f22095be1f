"""Asking Flux to reconcile now instead of at the next interval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from gitopsctl.flux.objects import ClusterState
from gitopsctl.kube import Kube

REQUESTED_AT = "reconcile.fluxcd.io/requestedAt"
_RESOURCE = {
    "GitRepository": "gitrepository.source.toolkit.fluxcd.io",
    "Kustomization": "kustomization.kustomize.toolkit.fluxcd.io",
}


@dataclass(frozen=True)
class ReconcileRequest:
    requested: list[str]
    skipped_suspended: list[str]


def request_reconciliation(kube: Kube, state: ClusterState) -> ReconcileRequest:
    """Annotate every GitRepository and Kustomization: one kubectl call per namespace.

    Any new value of the annotation triggers a run, as `flux reconcile` does it. `--all`
    lets kubectl list once instead of fetching each object before patching it.
    A suspended object keeps the annotation and acts on it when resumed.
    """
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    namespaces: set[str] = set()
    requested: list[str] = []
    skipped: list[str] = []
    for kind in ("GitRepository", "Kustomization"):
        for item in state.of_kind(kind):
            (skipped if item.suspended else requested).append(f"{kind} {item.key}")
            namespaces.add(item.namespace)
    for namespace in sorted(namespaces):
        kube.annotate_all(namespace, list(_RESOURCE.values()), REQUESTED_AT, stamp)
    return ReconcileRequest(requested, skipped)
