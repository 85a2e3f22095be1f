"""Reading Flux state from the cluster in a fixed number of kubectl calls, and waiting for change.

One `kubectl get` lists every kind verify needs across all namespaces (Flux's sources,
Kustomizations, HelmReleases, image automation, SealedSecrets, workloads); a second lists
Secret names (never their data) only when SealedSecrets exist. Waiting watches the
kinds that decide health and re-reads on each change instead of sleeping between polls.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from gitopsctl.flux.objects import (
    BUCKET,
    DEPLOYMENT,
    EXTERNAL_ARTIFACT,
    GIT_REPOSITORY,
    HELM_CHART,
    HELM_RELEASE,
    HELM_REPOSITORY,
    IMAGE_POLICY,
    IMAGE_REPOSITORY,
    IMAGE_UPDATE_AUTOMATION,
    JOB,
    KIND_RESOURCES,
    KUSTOMIZATION,
    OCI_REPOSITORY,
    SEALED_SECRET,
    SERVED_VERSIONS,
    ClusterState,
    FluxObject,
    versioned_name,
)
from gitopsctl.kube import Kube
from gitopsctl.runner import stop_all

READ_KINDS = (
    KUSTOMIZATION,
    HELM_RELEASE,
    GIT_REPOSITORY,
    OCI_REPOSITORY,
    HELM_REPOSITORY,
    HELM_CHART,
    BUCKET,
    EXTERNAL_ARTIFACT,
    IMAGE_REPOSITORY,
    IMAGE_POLICY,
    IMAGE_UPDATE_AUTOMATION,
    SEALED_SECRET,
    DEPLOYMENT,
    JOB,
)
# Watched from the start of every wait: what moves when Flux applies a commit. Other kinds (a
# HelmRelease, an OCIRepository, an ImagePolicy...) are watched once something of theirs is
# judged unsettled, so a wait runs one kubectl watch per kind that matters to it, not per kind
# that exists (each is a process of its own: kubectl watches one type per process).
WATCH_KINDS = (KUSTOMIZATION, GIT_REPOSITORY, DEPLOYMENT, JOB, SEALED_SECRET)


def read_state(
    kube: Kube, unserved: set[str] | None = None, *, sealed_secrets_expected: bool = False, secrets: bool = True
) -> ClusterState:
    """``unserved`` remembers, across the reads of one wait, the kinds the cluster has no CRD for.

    Which Secrets exist matters only to judge SealedSecrets (never, with ``secrets`` False: a
    reader that only acts on the objects); a wait that saw some at its last read says so
    (``sealed_secrets_expected``) and both are read at once.
    """
    listing: Future[set[str]] | None = None
    unserved = set() if unserved is None else unserved
    with ThreadPoolExecutor(max_workers=1) as pool:
        if secrets and sealed_secrets_expected:
            listing = pool.submit(_secret_names, kube)
        # A kind whose CRD is not installed (e.g. no image automation) is simply absent.
        objects = [FluxObject.from_json(item) for item in kube.get_all(READ_KINDS, unserved=unserved)]
        _learn_names(kube, [kind for kind in READ_KINDS if kind not in unserved], objects)
        if secrets and listing is None and any(o.kind == "SealedSecret" for o in objects):
            listing = pool.submit(_secret_names, kube)
        names = listing.result() if listing is not None else set()
    return ClusterState(objects, names)


def _learn_names(kube: Kube, served: list[str], objects: list[FluxObject]) -> None:
    """Each served kind's name for the next kubectl calls: in the version its objects came in, or
    (none yet) the one Flux serves it in."""
    versions = {kind: SERVED_VERSIONS[kind] for kind in served}
    for item in objects:
        resource = KIND_RESOURCES.get(item.kind)
        if resource in versions:
            versions[resource] = str(item.raw.get("apiVersion", "")).rpartition("/")[2] or versions[resource]
    for resource, version in versions.items():
        kube.served_as.setdefault(resource, versioned_name(resource, version))


def _secret_names(kube: Kube) -> set[str]:
    """namespace/name of every Secret; their values are never read into this process."""
    listing = kube.kubectl(
        ["get", "secrets", "-A", "--no-headers", "-o", "custom-columns=NS:.metadata.namespace,NAME:.metadata.name"]
    )
    return {"/".join(line.split()) for line in listing.splitlines() if line.strip()}


class ChangeFeed:
    """A queue that receives a line whenever an object of a watched kind changes."""

    def __init__(self, kube: Kube) -> None:
        self.kube = kube
        self.events: queue.Queue[str] = queue.Queue()
        self._watchers: dict[str, Any] = {}

    def watch(self, kinds: Iterable[str]) -> bool:
        """Also watch ``kinds``; whether any was new (read again then: a change between the
        last read and the new watch would otherwise go unseen)."""
        new = [kind for kind in kinds if kind not in self._watchers]
        for kind in new:
            self._watchers[kind] = self.kube.watch(kind, self.events.put)
        return bool(new)

    def close(self) -> None:
        stop_all(self._watchers.values())


@contextmanager
def change_feed(kube: Kube, kinds: tuple[str, ...] = WATCH_KINDS) -> Iterator[ChangeFeed]:
    feed = ChangeFeed(kube)
    try:
        feed.watch(kinds)
        yield feed
    finally:
        feed.close()


def wait_for_change(events: queue.Queue[str], deadline: float, *, settle: float = 0.05) -> bool:
    """Block until something changes (True) or the deadline passes (False)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return False
    try:
        events.get(timeout=remaining)
    except queue.Empty:
        return False
    # Changes come in bursts (status, then conditions): take the burst as one.
    settle_until = min(deadline, time.monotonic() + settle)
    while True:
        try:
            events.get(timeout=max(0.0, settle_until - time.monotonic()))
        except queue.Empty:
            return True
