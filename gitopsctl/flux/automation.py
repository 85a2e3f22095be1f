"""Image automation during a rollback: who it commits as, and holding it back.

Reverting an image bump is undone by the ImageUpdateAutomation at its next run (it writes
the newest tag back), so the rollback suspends it first: in the cluster, or in Git.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from gitopsctl.errors import InputError
from gitopsctl.files import FileChanges
from gitopsctl.flux.objects import IMAGE_UPDATE_AUTOMATION, FluxObject
from gitopsctl.kube import Kube
from gitopsctl.yamlfiles import load_yaml_documents, read_text, round_trip, yaml_files

# A document whose top-level kind is ImageUpdateAutomation. Only such files are parsed: the CRD
# in flux bootstrap's gotk-components.yaml names the kind indented, and parsing that file (a
# megabyte with the image controllers) cost a rollback half a second before its first step.
_DECLARES_AUTOMATION = re.compile(r"^kind:\s*['\"]?ImageUpdateAutomation['\"]?\s*(?:#.*)?$", re.MULTILINE)


@dataclass(frozen=True)
class AutomationManifest:
    path: Path
    name: str
    namespace: str
    author_name: str
    author_email: str
    suspend_declared: bool | None


def automation_manifests(repo: Path) -> tuple[list[AutomationManifest], list[InputError]]:
    """The ImageUpdateAutomations in the repository, and the files that mention one but cannot
    be read (each as the error that says why): the caller decides whether those may be skipped."""
    found = []
    unreadable = []
    for path in yaml_files(repo):
        text = path.read_text(encoding="utf-8", errors="replace")
        if not _DECLARES_AUTOMATION.search(text):
            continue
        try:
            documents = load_yaml_documents(text, str(path.relative_to(repo)))
        except InputError as error:
            unreadable.append(error)
            continue
        for document in documents:
            if not isinstance(document, dict) or document.get("kind") != "ImageUpdateAutomation":
                continue
            metadata = document.get("metadata") or {}
            spec = document.get("spec") or {}
            author = ((spec.get("git") or {}).get("commit") or {}).get("author") or {}
            found.append(
                AutomationManifest(
                    path,
                    str(metadata.get("name", "")),
                    str(metadata.get("namespace", "flux-system")),
                    str(author.get("name", "")),
                    str(author.get("email", "")),
                    spec.get("suspend") if "suspend" in spec else None,
                )
            )
    return found, unreadable


def suspend_in_cluster(kube: Kube, namespace: str, known: list[FluxObject] | None = None) -> list[str]:
    """Suspend every running ImageUpdateAutomation in ``namespace`` (as ``known`` lists them, when
    they were read already); the names suspended now."""
    items = _automations(kube, namespace) if known is None else [o.raw for o in known if o.namespace == namespace]
    suspended = []
    for item in items:
        if (item.get("spec") or {}).get("suspend"):
            continue
        name = item["metadata"]["name"]
        kube.merge_patch(IMAGE_UPDATE_AUTOMATION, name, namespace, {"spec": {"suspend": True}})
        suspended.append(name)
    return suspended


def suspended_in_cluster(kube: Kube, namespace: str) -> list[str]:
    """The ImageUpdateAutomations in ``namespace`` that are suspended now."""
    return [
        item["metadata"]["name"] for item in _automations(kube, namespace) if (item.get("spec") or {}).get("suspend")
    ]


def _automations(kube: Kube, namespace: str) -> list[dict]:
    items: list[dict] = json.loads(kube.kubectl(["get", IMAGE_UPDATE_AUTOMATION, "-n", namespace, "-o", "json"]))[
        "items"
    ]
    return items


def resume_in_cluster(kube: Kube, namespace: str, names: list[str]) -> None:
    for name in names:
        kube.merge_patch(IMAGE_UPDATE_AUTOMATION, name, namespace, {"spec": {"suspend": False}})


def suspend_in_git(manifests: list[AutomationManifest], repo: Path) -> list[Path]:
    """Set spec.suspend: true in each manifest, keeping comments and layout: all or none."""
    return _rewrite_suspend(manifests, repo, suspend=True)


def unpin_in_git(manifests: list[AutomationManifest], repo: Path) -> list[Path]:
    """Remove spec.suspend: true from each manifest (a pin a rollback wrote), keeping comments
    and layout: all or none."""
    return _rewrite_suspend(manifests, repo, suspend=False)


def _rewrite_suspend(manifests: list[AutomationManifest], repo: Path, *, suspend: bool) -> list[Path]:
    changes = FileChanges()
    for path in dict.fromkeys(manifest.path for manifest in manifests):
        names = {manifest.name for manifest in manifests if manifest.path == path}
        yaml = round_trip()
        documents = list(yaml.load_all(read_text(path)))
        touched = False
        for document in documents:
            if not (
                document
                and document.get("kind") == "ImageUpdateAutomation"
                and document["metadata"].get("name") in names
                and bool(document["spec"].get("suspend")) is not suspend
            ):
                continue
            if suspend:
                document["spec"]["suspend"] = True
            else:
                del document["spec"]["suspend"]
            touched = True
        if touched:
            buffer = io.StringIO()
            yaml.dump_all(documents, buffer)
            changes.write(path, buffer.getvalue())
    changes.apply(repo)
    return changes.paths
