"""Asking Flux to reconcile now instead of at the next interval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from gitopsctl.flux.cluster import read_state
from gitopsctl.flux.objects import KIND_RESOURCES, SOURCE_KINDS, ClusterState
from gitopsctl.kube import Kube
from gitopsctl.progress import Progress

REQUESTED_AT = "reconcile.fluxcd.io/requestedAt"
# What `flux reconcile --with-source` nudges: every source, then what applies or releases them.
_RESOURCE = {kind: KIND_RESOURCES[kind] for kind in (*SOURCE_KINDS, "Kustomization", "HelmRelease")}


@dataclass(frozen=True)
class ReconcileRequest:
    requested: list[str]
    skipped_suspended: list[str]


def request_reconciliation(kube: Kube, state: ClusterState) -> ReconcileRequest:
    """Annotate every source, Kustomization and HelmRelease, in every namespace, in one call.

    Any new value of the annotation triggers a run, as `flux reconcile` does it. `--all`
    lets kubectl list once instead of fetching each object before patching it; only kinds the
    cluster holds are named (a kind without its CRD would fail the whole call).
    A suspended object keeps the annotation and acts on it when resumed.
    """
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    present: list[str] = []
    requested: list[str] = []
    skipped: list[str] = []
    for kind, resource in _RESOURCE.items():
        items = state.of_kind(kind)
        for item in items:
            (skipped if item.suspended else requested).append(f"{kind} {item.key}")
        if items:
            present.append(resource)
    if present:
        kube.annotate_all(present, REQUESTED_AT, stamp)
    return ReconcileRequest(requested, skipped)


def request_sync(kube: Kube, progress: Progress, state: ClusterState | None = None) -> ReconcileRequest:
    """Ask every source, Kustomization and HelmRelease to reconcile now, and say what was asked.
    ``state``, when the caller read it already (while it pushed), saves reading it again."""
    with progress.step("requesting reconciliation"):
        result = request_reconciliation(kube, state if state is not None else read_state(kube))
    if not result.requested:
        progress.warning("no Flux source, Kustomization or HelmRelease found: is Flux bootstrapped?")
    for skipped in result.skipped_suspended:
        progress.warning(f"{skipped} is suspended and was not asked to reconcile")
    progress.info(f"  asked {len(result.requested)} object(s) to reconcile now")
    return result
