"""What flux bootstrap's first sync would apply, checked before flux changes anything.

flux bootstrap pushes its manifests and installs the controllers first, then waits until the
flux-system Kustomization has applied the cluster folder as it is on the server. Content there
that kustomize cannot build, or that the API server refuses in that one apply (an object in a
namespace only a later Kustomization creates, a kind whose CRD nothing has installed yet), fails
that wait after the repository and the cluster were changed. The folder is read from the
branch the cluster will sync (fetched, then checked out into a temporary copy that shares this
clone's objects: the operator's index and work tree are not touched) and built as
kustomize-controller builds it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gitopsctl.bootstrap.plan import BootstrapSettings
from gitopsctl.errors import InputError, ToolFailed
from gitopsctl.flux.build import Build, Builder, Document, Sources
from gitopsctl.flux.objects import IMAGE_AUTOMATION_COMPONENTS, repository_path
from gitopsctl.flux.own_repository import OwnRepository
from gitopsctl.git import Git
from gitopsctl.kube import Kube

# Which component's install brings each Flux API group's CRDs (the image group is two controllers').
_FLUX_GROUPS = {
    "source.toolkit.fluxcd.io": "source-controller",
    "kustomize.toolkit.fluxcd.io": "kustomize-controller",
    "helm.toolkit.fluxcd.io": "helm-controller",
    "notification.toolkit.fluxcd.io": "notification-controller",
}
_IMAGE_GROUP = "image.toolkit.fluxcd.io"


@dataclass(frozen=True)
class FirstSync:
    """The first sync flux bootstrap waits for: ``path`` of ``branch`` on ``remote``."""

    remote: str
    branch: str
    path: str
    flux_namespace: str
    components: tuple[str, ...]

    @classmethod
    def of(cls, settings: BootstrapSettings) -> FirstSync:
        return cls(
            settings.remote,
            settings.branch,
            settings.path,
            settings.flux_namespace,
            (*settings.components, *settings.components_extra),
        )

    def check(self, git: Git, kube: Kube) -> None:
        """Raise InputError naming every reason the first sync would fail; nothing when it would not."""
        fetched = git.fetch_branch(self.remote, self.branch)
        folder = repository_path(self.path)
        try:
            kind = git.run("cat-file", "-t", f"{fetched}:{folder}").strip()
        except ToolFailed:  # not there: flux bootstrap creates the folder
            return
        where = f"{folder} ({self.remote}/{self.branch})"
        if kind != "tree":
            self._refuse(where, [f"{folder} is a file, not a folder"])
        copy = Path(tempfile.mkdtemp(prefix="gitopsctl-first-sync-")).resolve()
        try:
            git.checkout_copy(fetched, copy)
            build = Builder(git.runner, Sources(copy, {}, OwnRepository()), cache=None).build_folder(copy / folder)
            problems = [build.error] if build.error else self._refused(build, kube, copy)
        finally:
            shutil.rmtree(copy, ignore_errors=True)
        if problems:
            self._refuse(where, problems)

    def _refuse(self, where: str, problems: list[str]) -> None:
        raise InputError(
            f"flux bootstrap would fail its first sync of {where}: {'; '.join(problems)}",
            hint=f"fix the cluster folder on {self.remote}/{self.branch}, or bootstrap another folder (--cluster); "
            "nothing was changed",
        )

    def _refused(self, build: Build, kube: Kube, copy: Path) -> list[str]:
        """What the API server would refuse in the one apply of ``build``."""
        documents = build.documents
        problems = [
            f"{_named(d, copy)} needs {component}, which is not among the components to install "
            "(flux.components and flux.components_extra in gitopsctl.toml)"
            for d, component in self._flux_controllers(documents)
            if component not in self.components
        ]
        return problems + _without_crd(documents, kube, copy) + self._without_namespace(documents, kube, copy)

    @staticmethod
    def _flux_controllers(documents: list[Document]) -> list[tuple[Document, str]]:
        """Each Flux object and the component whose install brings its CRD."""
        found = []
        for document in documents:
            group = _group(document)
            if group in _FLUX_GROUPS:
                found.append((document, _FLUX_GROUPS[group]))
            elif group == _IMAGE_GROUP:
                reflector, automation = IMAGE_AUTOMATION_COMPONENTS
                found.append((document, automation if document.kind == "ImageUpdateAutomation" else reflector))
        return found

    def _without_namespace(self, documents: list[Document], kube: Kube, copy: Path) -> list[str]:
        """Objects placed in a namespace that neither the cluster, Flux's install nor the build creates."""
        created = {d.name for d in documents if d.kind == "Namespace" and d.api_version == "v1"}
        placed = [
            d
            for d in documents
            if (d.object.get("metadata") or {}).get("namespace")
            and d.namespace() not in created | {self.flux_namespace, "default"}
        ]
        if not placed:
            return []
        existing = {item["metadata"]["name"] for item in kube.get_all(["namespaces"])}
        return [
            f"{_named(d, copy)} goes into namespace {d.namespace()}, which neither the cluster nor this folder creates"
            for d in placed
            if d.namespace() not in existing
        ]


def _without_crd(documents: list[Document], kube: Kube, copy: Path) -> list[str]:
    """Objects of a group (other than the core one and Flux's) that no CRD in the build defines
    and the cluster does not serve; the cluster is asked only when there are such objects."""
    known = {str(d.spec.get("group") or "") for d in documents if d.kind == "CustomResourceDefinition"}
    known |= {"", _IMAGE_GROUP, *_FLUX_GROUPS}
    foreign = [(d, _group(d)) for d in documents if _group(d) not in known]
    if not foreign:
        return []
    served = {group["name"] for group in json.loads(kube.get_raw("/apis")).get("groups", [])}
    return [
        f"{_named(d, copy)} is a {group} kind whose CRD neither the cluster nor this folder installs"
        for d, group in foreign
        if group not in served
    ]


def _group(document: Document) -> str:
    return document.api_version.rpartition("/")[0]


def _named(document: Document, copy: Path) -> str:
    namespace = (document.object.get("metadata") or {}).get("namespace")
    name = f"{namespace}/{document.name}" if namespace else document.name
    try:
        origin = document.path.relative_to(copy).as_posix()
    except ValueError:
        origin = document.path.name
    return f"{document.kind} {name} ({origin})"
