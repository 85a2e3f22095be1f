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
    """Annotate every source, Kustomization and HelmRelease: one kubectl call per namespace.

    Any new value of the annotation triggers a run, as `flux reconcile` does it. `--all`
    lets kubectl list once instead of fetching each object before patching it; only kinds the
    namespace holds are named (a kind without its CRD would fail the whole call).
    A suspended object keeps the annotation and acts on it when resumed.
    """
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    kinds_in: dict[str, set[str]] = {}
    requested: list[str] = []
    skipped: list[str] = []
    for kind in _RESOURCE:
        for item in state.of_kind(kind):
            (skipped if item.suspended else requested).append(f"{kind} {item.key}")
            kinds_in.setdefault(item.namespace, set()).add(kind)
    for namespace, kinds in sorted(kinds_in.items()):
        kube.annotate_all(namespace, [_RESOURCE[kind] for kind in _RESOURCE if kind in kinds], REQUESTED_AT, stamp)
    return ReconcileRequest(requested, skipped)


def request_sync(kube: Kube, progress: Progress) -> ReconcileRequest:
    """Ask every source, Kustomization and HelmRelease to reconcile now, and say what was asked."""
    with progress.step("requesting reconciliation"):
        result = request_reconciliation(kube, read_state(kube))
    if not result.requested:
        progress.warning("no Flux source, Kustomization or HelmRelease found: is Flux bootstrapped?")
    for skipped in result.skipped_suspended:
        progress.warning(f"{skipped} is suspended and was not asked to reconcile")
    progress.info(f"  asked {len(result.requested)} object(s) to reconcile now")
    return result
