"""Asking Flux to reconcile now instead of at the next interval."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from gitopsctl.flux.health import ClusterState
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

    Any new value of the annotation triggers a run, as `flux reconcile` does it.
    """
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    by_namespace: dict[str, list[str]] = defaultdict(list)
    requested: list[str] = []
    skipped: list[str] = []
    for kind in ("GitRepository", "Kustomization"):
        for item in state.of_kind(kind):
            if item.suspended:
                skipped.append(f"{kind} {item.key}")
                continue
            by_namespace[item.namespace].append(f"{_RESOURCE[kind]}/{item.name}")
            requested.append(f"{kind} {item.key}")
    for namespace, targets in sorted(by_namespace.items()):
        kube.annotate_many(namespace, targets, REQUESTED_AT, stamp)
    return ReconcileRequest(requested, skipped)
