"""verify --offline: what can be checked in the repository alone, before anything is pushed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitopsctl.flux import graph
from gitopsctl.flux.objects import FluxObject, repository_path
from gitopsctl.sealing.scope import Scope
from gitopsctl.yamlfiles import (
    KUSTOMIZATION,
    KUSTOMIZATION_NAMES,
    kustomization_file,
    read_manifests,
    read_text,
    yaml_files,
)

IMAGE_POLICY_MARKER = re.compile(r'#\s*\{\s*"\$imagepolicy"\s*:\s*"([^"]+)"\s*\}')
KNOWN_HOSTS_OPTION = re.compile(r"UserKnownHostsFile=[\"']?([^\s\"']+)")
POD_OWNERS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}
# Secrets that flux bootstrap creates in the cluster itself; they are not kept in Git.
BOOTSTRAP_SECRETS = {"flux-system/flux-system"}


@dataclass(frozen=True)
class Document:
    path: Path
    object: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.object.get("kind", ""))

    @property
    def name(self) -> str:
        return str((self.object.get("metadata") or {}).get("name", ""))

    def namespace(self, default: str = "default") -> str:
        return str((self.object.get("metadata") or {}).get("namespace") or default)


@dataclass
class MissingSecret:
    namespace: str
    name: str
    referenced_by: str

    @property
    def seal_command(self) -> str:
        if "harbor" in self.name or "registry" in self.name:
            return f"gitopsctl seal harbor-creds --username USER -n {self.namespace} --name {self.name}"
        if "ssh" in self.name:
            return f"gitopsctl seal vm-ssh-key --key-file PATH -n {self.namespace} --name {self.name}"
        return f"gitopsctl seal generic {self.name} -n {self.namespace} --from-file KEY=PATH"


@dataclass
class OfflineReport:
    problems: list[str] = field(default_factory=list)
    order: list[list[str]] = field(default_factory=list)
    missing_secrets: list[MissingSecret] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "order": self.order,
            "problems": self.problems,
            "missing_secrets": [
                {
                    "namespace": m.namespace,
                    "name": m.name,
                    "referenced_by": m.referenced_by,
                    "seal_command": m.seal_command,
                }
                for m in self.missing_secrets
            ],
        }


def load_documents(root: Path) -> list[Document]:
    documents = []
    for path in yaml_files(root):
        if path.name == KUSTOMIZATION:
            continue
        for item in read_manifests(path):
            if isinstance(item, dict):
                documents.append(Document(path, item))
    return documents


def check_repository(repo: Path, cluster_path: str) -> OfflineReport:
    report = OfflineReport()
    cluster_dir = repo / cluster_path
    kustomizations = {
        f"{d.namespace('flux-system')}/{d.name}": d
        for d in load_documents(cluster_dir)
        if d.kind == "Kustomization" and str(d.object.get("apiVersion", "")).startswith("kustomize.toolkit")
    }
    if not kustomizations:
        report.problems.append(f"{cluster_path}: no Flux Kustomizations found")
        return report
    dependencies = {key: FluxObject.from_json(d.object).dependencies() for key, d in kustomizations.items()}
    for key, deps in dependencies.items():
        for dependency in deps:
            if dependency not in kustomizations:
                report.problems.append(f"Kustomization {key}: dependsOn {dependency}, which does not exist")
    try:
        report.order = graph.levels(dependencies)
    except graph.DependencyCycle as cycle:
        report.problems.append(f"dependency cycle: {cycle}")

    applied: list[Document] = []
    for key, document in sorted(kustomizations.items()):
        relative = repository_path(str((document.object.get("spec") or {}).get("path", "")))
        path = repo / relative
        if not path.is_dir():
            report.problems.append(f"Kustomization {key}: path ./{relative} does not exist")
            continue
        manifests = _applied_documents(path, report)
        applied.extend(manifests)
        _check_health_targets(report, key, document, manifests)
    _check_image_policies(report, applied)
    _check_secrets(report, applied)
    _check_known_hosts(report, applied)
    return report


def _applied_documents(
    directory: Path, report: OfflineReport, visiting: frozenset[Path] = frozenset()
) -> list[Document]:
    """What kustomize builds from ``directory``: the files its kustomization file lists (folders
    followed), or, without one, every manifest under it as Flux generates. A listed file that
    does not exist fails the build; a SealedSecret in a file left unlisted is never applied."""
    path = kustomization_file(directory)
    if not path.is_file():
        return [d for d in load_documents(directory) if not _is_kustomize_config(d)]
    documents: list[Document] = []
    listing = read_manifests(path)
    entries = (listing[0].get("resources") if listing and isinstance(listing[0], dict) else None) or []
    reached: set[Path] = set()
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, str) or "://" in entry or entry.startswith(("github.com/", "git@")):
            continue  # remote bases are kustomize's to fetch
        try:
            target = (directory / entry).resolve()
            target.stat()
        except OSError:  # missing, or a name no file system takes
            report.problems.append(f"{path}: resources lists {entry}, which does not exist; kustomize build fails")
            continue
        if target in visiting or target == directory.resolve():
            report.problems.append(f"{path}: resources lists {entry}, which includes itself; kustomize build fails")
        elif target.is_dir():
            documents.extend(_applied_documents(target, report, visiting | {directory.resolve()}))
            reached.update(target.rglob("*"))
        else:
            reached.add(target)
            documents.extend(Document(target, item) for item in read_manifests(target) if isinstance(item, dict))
    for candidate in sorted(directory.glob("*.y*ml")):
        if candidate.resolve() in reached or candidate.name in KUSTOMIZATION_NAMES:
            continue
        if "kind: SealedSecret" in candidate.read_text(encoding="utf-8", errors="replace"):
            report.problems.append(
                f"{candidate}: a SealedSecret that {path.name} does not list, so Flux never applies it; "
                f"add {candidate.name} to its resources (or delete the file)"
            )
    return documents


def _is_kustomize_config(document: Document) -> bool:
    return str(document.object.get("apiVersion", "")).startswith("kustomize.config.k8s.io")


def _check_health_targets(report: OfflineReport, key: str, kustomization: Document, manifests: list[Document]) -> None:
    present = {(d.kind, d.namespace(), d.name) for d in manifests}
    for check in (kustomization.object.get("spec") or {}).get("healthChecks") or []:
        target = (
            str(check.get("kind")),
            str(check.get("namespace") or kustomization.namespace("flux-system")),
            str(check.get("name")),
        )
        if target not in present:
            report.problems.append(
                f"Kustomization {key}: health check {target[0]} {target[1]}/{target[2]} is not in its path"
            )


def _check_image_policies(report: OfflineReport, manifests: list[Document]) -> None:
    policies = {f"{d.namespace('flux-system')}:{d.name}" for d in manifests if d.kind == "ImagePolicy"}
    seen: set[tuple[Path, str]] = set()
    for document in manifests:
        for marker in IMAGE_POLICY_MARKER.findall(read_text(document.path)):
            policy = ":".join(marker.split(":")[:2])
            if (document.path, policy) in seen:
                continue
            seen.add((document.path, policy))
            if policy not in policies:
                report.problems.append(
                    f"{document.path.name}: image policy marker names {policy}, which is not in the repository"
                )


def _pod_spec(document: Document) -> dict[str, Any] | None:
    spec = document.object.get("spec") or {}
    if document.kind in POD_OWNERS:
        return (spec.get("template") or {}).get("spec") or {}
    if document.kind == "CronJob":
        return (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec") or {}
    return None


def _secret_references(document: Document) -> set[str]:
    names: set[str] = set()
    pod = _pod_spec(document)
    if pod is not None:
        names.update(str(s.get("name")) for s in pod.get("imagePullSecrets") or [])
        names.update(
            str((v.get("secret") or {}).get("secretName")) for v in pod.get("volumes") or [] if v.get("secret")
        )
        for container in [*(pod.get("containers") or []), *(pod.get("initContainers") or [])]:
            for env in container.get("env") or []:
                reference = (env.get("valueFrom") or {}).get("secretKeyRef")
                if reference:
                    names.add(str(reference.get("name")))
            for source in container.get("envFrom") or []:
                if source.get("secretRef"):
                    names.add(str(source["secretRef"].get("name")))
    if document.kind in {"ImageRepository", "GitRepository", "HelmRepository", "OCIRepository"}:
        reference = (document.object.get("spec") or {}).get("secretRef")
        if reference:
            names.add(str(reference.get("name")))
    return {name for name in names if name and name != "None"}


def _check_secrets(report: OfflineReport, manifests: list[Document]) -> None:
    sealed: dict[str, Document] = {}
    for document in manifests:
        if document.kind == "SealedSecret":
            sealed[f"{document.namespace()}/{document.name}"] = document
            _check_sealed_consistency(report, document)
        elif document.kind == "Secret":
            report.problems.append(
                f"{document.path.name}: Secret {document.namespace()}/{document.name} is plain "
                "text in Git; seal it with gitopsctl seal file"
            )
    for document in manifests:
        default_namespace = "flux-system" if document.kind.startswith(("Image", "Git")) else "default"
        for name in sorted(_secret_references(document)):
            key = f"{document.namespace(default_namespace)}/{name}"
            if key in sealed or key in BOOTSTRAP_SECRETS:
                continue
            if any(m.namespace + "/" + m.name == key for m in report.missing_secrets):
                continue
            namespace, _, secret_name = key.partition("/")
            report.missing_secrets.append(
                MissingSecret(
                    namespace,
                    secret_name,
                    f"{document.kind} {document.namespace(default_namespace)}/{document.name}",
                )
            )
    for missing in report.missing_secrets:
        report.problems.append(
            f"{missing.referenced_by} needs Secret {missing.namespace}/{missing.name}, which is "
            f"not sealed in the repository: {missing.seal_command}"
        )


def _check_sealed_consistency(report: OfflineReport, document: Document) -> None:
    metadata = document.object.get("metadata") or {}
    template = ((document.object.get("spec") or {}).get("template") or {}).get("metadata") or {}
    where = f"{document.path.name}: SealedSecret {document.namespace()}/{document.name}"
    if (
        Scope.from_annotations(metadata.get("annotations")) is not Scope.from_annotations(template.get("annotations"))
        and template.get("annotations") is not None
    ):
        report.problems.append(f"{where}: scope annotations differ between metadata and spec.template")
    for field_name in ("name", "namespace"):
        if template.get(field_name) and template.get(field_name) != metadata.get(field_name):
            report.problems.append(
                f"{where}: spec.template.metadata.{field_name} is {template[field_name]!r}; "
                "a renamed sealed secret no longer decrypts, re-seal it"
            )


def _check_known_hosts(report: OfflineReport, manifests: list[Document]) -> None:
    """ssh with UserKnownHostsFile=<a file of a mounted sealed secret> needs that key sealed.

    Without it the Job fails in the cluster with "Host key verification failed", after the
    push; the SealedSecret lists its key names in clear, so this is checked here.
    """
    sealed = {f"{d.namespace()}/{d.name}": d for d in manifests if d.kind == "SealedSecret"}
    for document in manifests:
        pod = _pod_spec(document)
        if pod is None:
            continue
        volumes = {v.get("name"): v["secret"] for v in pod.get("volumes") or [] if v.get("secret")}
        for container in [*(pod.get("containers") or []), *(pod.get("initContainers") or [])]:
            words = " ".join(str(w) for w in [*(container.get("command") or []), *(container.get("args") or [])])
            for path in KNOWN_HOSTS_OPTION.findall(words):
                for mount in container.get("volumeMounts") or []:
                    volume = volumes.get(mount.get("name"))
                    directory = str(mount.get("mountPath", "")).rstrip("/") + "/"
                    if volume is None or not path.startswith(directory):
                        continue
                    key = path.removeprefix(directory)
                    key = next((str(i.get("key")) for i in volume.get("items") or [] if i.get("path") == key), key)
                    secret = f"{document.namespace()}/{volume.get('secretName')}"
                    if secret not in sealed:
                        continue  # a missing secret is reported with the seal command already
                    if key not in ((sealed[secret].object.get("spec") or {}).get("encryptedData") or {}):
                        namespace, _, name = secret.partition("/")
                        report.problems.append(
                            f"{document.kind} {document.namespace()}/{document.name} reads {path} "
                            f"(UserKnownHostsFile) from Secret {secret}, whose sealed secret has no {key} key: "
                            f"gitopsctl seal vm-ssh-key --key-file PATH -n {namespace} --name {name} "
                            "--known-hosts FILE (or --scan HOST) --force"
                        )
