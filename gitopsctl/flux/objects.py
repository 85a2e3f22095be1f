"""Typed views of the Flux, Sealed Secrets and workload objects that verify reads.

Field paths follow the upstream APIs (kustomize.toolkit.fluxcd.io/v1, source.toolkit.fluxcd.io/v1,
image.toolkit.fluxcd.io/v1, bitnami.com/v1alpha1, apps/v1, batch/v1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KUSTOMIZATION = "kustomizations.kustomize.toolkit.fluxcd.io"
GIT_REPOSITORY = "gitrepositories.source.toolkit.fluxcd.io"
IMAGE_REPOSITORY = "imagerepositories.image.toolkit.fluxcd.io"
IMAGE_POLICY = "imagepolicies.image.toolkit.fluxcd.io"
IMAGE_UPDATE_AUTOMATION = "imageupdateautomations.image.toolkit.fluxcd.io"
SEALED_SECRET = "sealedsecrets.bitnami.com"
DEPLOYMENT = "deployments.apps"
JOB = "jobs.batch"

KIND_RESOURCES = {
    "Kustomization": KUSTOMIZATION,
    "GitRepository": GIT_REPOSITORY,
    "ImageRepository": IMAGE_REPOSITORY,
    "ImagePolicy": IMAGE_POLICY,
    "ImageUpdateAutomation": IMAGE_UPDATE_AUTOMATION,
    "SealedSecret": SEALED_SECRET,
    "Deployment": DEPLOYMENT,
    "Job": JOB,
}


# What flux bootstrap installs without --components (cmd/flux/bootstrap.go).
DEFAULT_COMPONENTS = (
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
)
# What image automation adds (--components-extra); the reference setup runs both.
IMAGE_AUTOMATION_COMPONENTS = ("image-reflector-controller", "image-automation-controller")


def repository_path(path: str) -> str:
    """A Kustomization's ``spec.path`` relative to the source's root ("." for the root itself).

    Flux joins the path under the root, so "./apps", "apps/" and "/apps" are one folder. Only a
    leading "./" is a prefix: ".config" and "..data" are folder names, not things to strip.
    """
    while path.startswith("./"):
        path = path[2:]
    return path.strip("/") or "."


def revision_sha(revision: str | None) -> str:
    """The commit of a Flux revision string: main@sha1:<hex>, sha1:<hex>, or a bare hex SHA."""
    if not revision:
        return ""
    _, _, tail = revision.rpartition("sha1:")
    return tail if tail else revision.rpartition("@")[2]


@dataclass(frozen=True)
class Condition:
    type: str
    status: str
    reason: str = ""
    message: str = ""
    observed_generation: int | None = None


@dataclass
class FluxObject:
    kind: str
    name: str
    namespace: str
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> FluxObject:
        metadata = document.get("metadata") or {}
        return cls(
            str(document.get("kind", "")),
            str(metadata.get("name", "")),
            str(metadata.get("namespace", "")),
            document,
        )

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def spec(self) -> dict[str, Any]:
        return self.raw.get("spec") or {}

    @property
    def status(self) -> dict[str, Any]:
        return self.raw.get("status") or {}

    @property
    def generation(self) -> int:
        return int((self.raw.get("metadata") or {}).get("generation") or 0)

    @property
    def observed_generation(self) -> int:
        return int(self.status.get("observedGeneration") or -1)

    @property
    def suspended(self) -> bool:
        return bool(self.spec.get("suspend"))

    def condition(self, kind: str) -> Condition | None:
        for entry in self.status.get("conditions") or []:
            if entry.get("type") == kind:
                return Condition(
                    kind,
                    str(entry.get("status", "Unknown")),
                    str(entry.get("reason", "")),
                    str(entry.get("message", "")),
                    entry.get("observedGeneration"),
                )
        return None

    @property
    def ready(self) -> bool:
        ready = self.condition("Ready")
        return ready is not None and ready.status == "True" and self.observed_generation >= self.generation

    @property
    def stalled(self) -> Condition | None:
        stalled = self.condition("Stalled")
        return stalled if stalled is not None and stalled.status == "True" else None

    # -- Kustomization ---------------------------------------------------------------------
    def dependencies(self) -> list[str]:
        keys = []
        for entry in self.spec.get("dependsOn") or []:
            keys.append(f"{entry.get('namespace') or self.namespace}/{entry.get('name')}")
        return keys

    @property
    def source_key(self) -> str:
        reference = self.spec.get("sourceRef") or {}
        return (
            f"{reference.get('kind', 'GitRepository')}/{reference.get('namespace') or self.namespace}/"
            f"{reference.get('name', '')}"
        )

    @property
    def last_applied_revision(self) -> str:
        return str(self.status.get("lastAppliedRevision") or "")

    @property
    def last_attempted_revision(self) -> str:
        return str(self.status.get("lastAttemptedRevision") or "")

    def inventory(self) -> list[tuple[str, str, str, str]]:
        """(namespace, name, group, kind) of each object the Kustomization applied."""
        entries = []
        for entry in (self.status.get("inventory") or {}).get("entries") or []:
            parts = str(entry.get("id", "")).split("_")
            if len(parts) >= 4:
                entries.append((parts[0], parts[1], parts[2], "_".join(parts[3:])))
        return entries

    # -- GitRepository -----------------------------------------------------------------------
    @property
    def artifact_revision(self) -> str:
        return str((self.status.get("artifact") or {}).get("revision") or "")


@dataclass
class ClusterState:
    """Everything one batched read brought back: the objects, and the names of existing Secrets."""

    objects: list[FluxObject]
    secrets: set[str] = field(default_factory=set)  # namespace/name of existing Secrets

    def of_kind(self, kind: str) -> list[FluxObject]:
        return sorted((o for o in self.objects if o.kind == kind), key=lambda o: o.key)
