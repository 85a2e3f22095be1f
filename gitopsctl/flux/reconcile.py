"""Asking Flux to reconcile now instead of at the next interval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from gitopsctl.flux.cluster import read_state
from gitopsctl.flux.objects import ClusterState
from gitopsctl.kube import Kube
from gitopsctl.progress import Progress

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


def request_sync(kube: Kube, progress: Progress) -> ReconcileRequest:
    """Ask every GitRepository and Kustomization to reconcile now, and say what was asked."""
    with progress.step("requesting reconciliation"):
        result = request_reconciliation(kube, read_state(kube))
    if not result.requested:
        progress.warning("no GitRepository or Kustomization found: is Flux bootstrapped?")
    for skipped in result.skipped_suspended:
        progress.warning(f"{skipped} is suspended and was not asked to reconcile")
    progress.info(f"  asked {len(result.requested)} object(s) to reconcile now")
    return result
