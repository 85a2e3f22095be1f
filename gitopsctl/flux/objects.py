"""Typed views of the Flux, Sealed Secrets and workload objects that verify reads.

Field paths follow the upstream APIs (kustomize.toolkit.fluxcd.io/v1, source.toolkit.fluxcd.io/v1,
helm.toolkit.fluxcd.io/v2, image.toolkit.fluxcd.io/v1, bitnami.com/v1alpha1, apps/v1, batch/v1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KUSTOMIZATION = "kustomizations.kustomize.toolkit.fluxcd.io"
GIT_REPOSITORY = "gitrepositories.source.toolkit.fluxcd.io"
OCI_REPOSITORY = "ocirepositories.source.toolkit.fluxcd.io"
HELM_REPOSITORY = "helmrepositories.source.toolkit.fluxcd.io"
HELM_CHART = "helmcharts.source.toolkit.fluxcd.io"
BUCKET = "buckets.source.toolkit.fluxcd.io"
EXTERNAL_ARTIFACT = "externalartifacts.source.toolkit.fluxcd.io"
HELM_RELEASE = "helmreleases.helm.toolkit.fluxcd.io"
IMAGE_REPOSITORY = "imagerepositories.image.toolkit.fluxcd.io"
IMAGE_POLICY = "imagepolicies.image.toolkit.fluxcd.io"
IMAGE_UPDATE_AUTOMATION = "imageupdateautomations.image.toolkit.fluxcd.io"
SEALED_SECRET = "sealedsecrets.bitnami.com"
DEPLOYMENT = "deployments.apps"
JOB = "jobs.batch"

KIND_RESOURCES = {
    "Kustomization": KUSTOMIZATION,
    "GitRepository": GIT_REPOSITORY,
    "OCIRepository": OCI_REPOSITORY,
    "HelmRepository": HELM_REPOSITORY,
    "HelmChart": HELM_CHART,
    "Bucket": BUCKET,
    "ExternalArtifact": EXTERNAL_ARTIFACT,
    "HelmRelease": HELM_RELEASE,
    "ImageRepository": IMAGE_REPOSITORY,
    "ImagePolicy": IMAGE_POLICY,
    "ImageUpdateAutomation": IMAGE_UPDATE_AUTOMATION,
    "SealedSecret": SEALED_SECRET,
    "Deployment": DEPLOYMENT,
    "Job": JOB,
}

# The API version each kind is served in by Flux v2.9.5 (and Sealed Secrets, apps, batch): how a
# read names to kubectl a kind the cluster serves but has no objects of yet (plural.version.group,
# see Kube.served_as). A cluster serving another version answers "no such type", and the kind is
# asked for by plural.group again. The Flux entries repeat the newest of api_versions.SERVED (a
# test holds them to it) so that reading the cluster does not load the release table.
SERVED_VERSIONS = {
    KUSTOMIZATION: "v1",
    GIT_REPOSITORY: "v1",
    OCI_REPOSITORY: "v1",
    HELM_REPOSITORY: "v1",
    HELM_CHART: "v1",
    BUCKET: "v1",
    EXTERNAL_ARTIFACT: "v1",
    HELM_RELEASE: "v2",
    IMAGE_REPOSITORY: "v1",
    IMAGE_POLICY: "v1",
    IMAGE_UPDATE_AUTOMATION: "v1",
    SEALED_SECRET: "v1alpha1",
    DEPLOYMENT: "v1",
    JOB: "v1",
}


def versioned_name(resource: str, version: str) -> str:
    """plural.group in ``version``: plural.version.group."""
    plural, _, group = resource.partition(".")
    return f"{plural}.{version}.{group}"


# Every kind a Kustomization or a HelmRelease can take its files from (source.toolkit.fluxcd.io/v1).
SOURCE_KINDS = ("GitRepository", "OCIRepository", "Bucket", "HelmRepository", "HelmChart", "ExternalArtifact")


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


def short_revision(revision: str) -> str:
    """A revision as a person reads it: 8 hex digits of a commit, a digest as algo:8 hex digits,
    a chart version as it is (main@sha1:<hex>, latest@sha256:<hex>, sha256:<hex>, 6.7.0)."""
    tail = revision.rpartition("@")[2] if "@" in revision else revision
    algorithm, _, digest = tail.rpartition(":")
    if algorithm == "sha1" or (not algorithm and len(digest) == 40):
        return digest[:8]
    return f"{algorithm}:{digest[:8]}" if algorithm else digest


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

    @property
    def reference(self) -> str:
        """Kind/namespace/name: how sourceRefs and chartRefs name an object."""
        return f"{self.kind}/{self.key}"

    # -- Kustomization and HelmRelease ------------------------------------------------------
    def dependencies(self) -> list[str]:
        keys = []
        for entry in self.spec.get("dependsOn") or []:
            keys.append(f"{entry.get('namespace') or self.namespace}/{entry.get('name')}")
        return keys

    @property
    def source_key(self) -> str:
        return self._referenced(self.spec.get("sourceRef") or {}, "GitRepository")

    def _referenced(self, reference: dict[str, Any], default_kind: str) -> str:
        """Kind/namespace/name of a sourceRef or chartRef (its namespace defaults to ours)."""
        return (
            f"{reference.get('kind') or default_kind}/{reference.get('namespace') or self.namespace}/"
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

    # -- sources -----------------------------------------------------------------------------
    @property
    def artifact_revision(self) -> str:
        return str((self.status.get("artifact") or {}).get("revision") or "")

    # -- HelmRelease -------------------------------------------------------------------------
    @property
    def chart_source_key(self) -> str:
        """The source a HelmRelease's chart comes from: its chartRef (an OCIRepository or a
        HelmChart), else the HelmChart helm-controller made from spec.chart."""
        reference = self.spec.get("chartRef") or {}
        if reference:
            return self._referenced(reference, "OCIRepository")
        chart = str(self.status.get("helmChart") or "")
        return f"HelmChart/{chart}" if chart else ""

    @property
    def wanted_chart(self) -> str:
        """name@version as spec.chart asks for it (the version may be a range, "*" by default)."""
        template = (self.spec.get("chart") or {}).get("spec") or {}
        if not template:
            return ""
        return f"{template.get('chart', '')}@{template.get('version') or '*'}"

    @property
    def current_release(self) -> dict[str, Any]:
        """The newest entry of helm-controller's release history: chart, version, status."""
        history = self.status.get("history") or []
        return history[0] if history and isinstance(history[0], dict) else {}


@dataclass
class ClusterState:
    """Everything one batched read brought back: the objects, and the names of existing Secrets."""

    objects: list[FluxObject]
    secrets: set[str] = field(default_factory=set)  # namespace/name of existing Secrets

    def of_kind(self, kind: str) -> list[FluxObject]:
        return sorted((o for o in self.objects if o.kind == kind), key=lambda o: o.key)
