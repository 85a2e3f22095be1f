"""verify --offline: what can be checked in the repository alone, before anything is pushed.

Every check runs on what Flux builds (flux/build.py), not on the files as written. Findings come
in three kinds: a problem (✗, something Flux will fail on or that will not work), a warning (⚠,
worth a look: a secret that must come from the cluster, a build that needs the network) and a
note (◎, information: SOPS-encrypted, a source this repository does not hold).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitopsctl.config import Config
from gitopsctl.flux import graph
from gitopsctl.flux.api_versions import NEWEST_KNOWN, Version, pinned_flux, unserved
from gitopsctl.flux.build import Build, Builder, ClusterBuild, Document, as_mapping
from gitopsctl.flux.objects import FluxObject
from gitopsctl.runner import Runner
from gitopsctl.sealing.scope import Scope
from gitopsctl.versions import format_version, parse_version
from gitopsctl.yamlfiles import KUSTOMIZATION_NAMES

IMAGE_POLICY_MARKER = re.compile(r'#\s*\{\s*"\$imagepolicy"\s*:\s*"([^"]+)"\s*\}')
KNOWN_HOSTS_OPTION = re.compile(r"UserKnownHostsFile=[\"']?([^\s\"']+)")
POD_OWNERS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}
# Secrets that flux bootstrap creates in the cluster itself; they are not kept in Git.
BOOTSTRAP_SECRETS = {"flux-system/flux-system"}
# What a SOPS-encrypted value looks like, in a manifest or in a generator's file.
SOPS_VALUE = "ENC[AES256_GCM,"


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
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    order: list[list[str]] = field(default_factory=list)
    missing_secrets: list[MissingSecret] = field(default_factory=list)
    flux_version: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "order": self.order,
            "problems": self.problems,
            "warnings": self.warnings,
            "notes": self.notes,
            "flux_version": self.flux_version,
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


def check_repository(
    repo: Path, cluster_path: str, runner: Runner, config: Config, flux_version: str = ""
) -> OfflineReport:
    """Build what Flux builds from ``cluster_path`` and check it; ``flux_version`` (a flag) wins
    over the release the repository pins, which wins over flux.version and the newest known."""
    report = OfflineReport()
    cluster = Builder.for_config(runner, repo, config).build_cluster(repo / cluster_path)
    root = cluster.root
    if root is not None and root.error and not root.key:
        report.problems.append(f"{cluster_path}: {root.error}")
        return report
    kustomizations = cluster.kustomizations
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
    for key in sorted(cluster.builds):
        _check_build(report, repo, key, cluster.builds[key])
    partial = any(b.not_checked or b.error for b in cluster.builds.values())
    documents = cluster.documents
    _check_image_policies(report, repo, cluster, partial)
    _check_secrets(report, repo, cluster)
    _check_known_hosts(report, documents)
    _check_api_versions(report, repo, documents, _target_flux(report, repo / cluster_path, flux_version, config))
    return report


def _check_build(report: OfflineReport, repo: Path, key: str, build: Build) -> None:
    where = f"Kustomization {key}"
    if build.not_checked:
        report.notes.append(f"{where}: not checked: {build.not_checked}")
        return
    if build.error:
        if build.remote:
            report.warnings.append(f"{where}: not checked: {build.error}; check it where the network is reachable")
        else:
            report.problems.append(f"{where}: {build.error}")
        return
    for candidate, listing in build.unlisted_sealed:
        report.problems.append(
            f"{_shown(repo, candidate)}: a SealedSecret that {listing.name} does not list, so Flux never "
            f"applies it; add {candidate.name} to its resources (or delete the file)"
        )
    if build.unresolved_variables:
        report.notes.append(
            f"{where}: some postBuild variables come from objects not in Git; they were left unsubstituted"
        )
    _check_health_targets(report, key, build)


def _target_flux(report: OfflineReport, cluster_dir: Path, flag: str, config: Config) -> Version:
    """The Flux release API versions are checked against, said once as a note."""
    if flag and (version := parse_version(flag)):
        report.flux_version = f"Flux {format_version(version)} (--flux-version)"
        return version
    pinned = pinned_flux(cluster_dir)
    if pinned is not None:
        report.flux_version = f"Flux {format_version(pinned[0])} (pinned in {Path(pinned[1]).name})"
        return pinned[0]
    if config.flux.version and (version := parse_version(config.flux.version)):
        report.flux_version = f"Flux {format_version(version)} (flux.version in gitopsctl.toml)"
        return version
    report.flux_version = f"Flux {format_version(NEWEST_KNOWN)} (the newest gitopsctl knows; --flux-version to choose)"
    return NEWEST_KNOWN


def _shown(repo: Path, path: Path) -> str:
    """A path as the operator knows it: relative to the repository when it is inside."""
    relative = os.path.relpath(path, repo.resolve())  # build paths are absolute and normalised already
    return str(path) if relative.startswith("..") else Path(relative).as_posix()


def _check_health_targets(report: OfflineReport, key: str, build: Build) -> None:
    present = {(d.kind, d.namespace(), d.name) for d in build.documents}
    kustomization = build.kustomization
    for check in kustomization.spec.get("healthChecks") or []:
        target = (
            str(check.get("kind")),
            str(check.get("namespace") or kustomization.namespace("flux-system")),
            str(check.get("name")),
        )
        if target not in present:
            report.problems.append(
                f"Kustomization {key}: health check {target[0]} {target[1]}/{target[2]} is not in what it applies"
            )


def _check_image_policies(report: OfflineReport, repo: Path, cluster: ClusterBuild, partial: bool) -> None:
    """Markers are comments, which a build drops: they are read in the files of the closure,
    kustomization files included (an ``images:`` newTag can carry one)."""
    policies = {f"{d.namespace('flux-system')}:{d.name}" for d in cluster.documents if d.kind == "ImagePolicy"}
    for path in sorted(cluster.closure):
        if path.suffix not in (".yaml", ".yml") and path.name not in KUSTOMIZATION_NAMES:
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "$imagepolicy" not in text:
            continue
        for policy in sorted({":".join(m.split(":")[:2]) for m in IMAGE_POLICY_MARKER.findall(text)}):
            if policy in policies:
                continue
            message = f"{_shown(repo, path)}: image policy marker names {policy}, which is not in the repository"
            if partial:
                report.warnings.append(f"{message} (nor in what was checked; it may be in a source not checked)")
            else:
                report.problems.append(message)


def _pod_spec(document: Document) -> dict[str, Any] | None:
    spec = document.object.get("spec") or {}
    if document.kind in POD_OWNERS:
        return (spec.get("template") or {}).get("spec") or {}
    if document.kind == "CronJob":
        return (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec") or {}
    return None


def _secret_references(document: Document) -> set[str]:
    """The Secrets ``document`` needs to exist, by name in its namespace."""
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
                if reference and not reference.get("optional"):
                    names.add(str(reference.get("name")))
            for source in container.get("envFrom") or []:
                if source.get("secretRef") and not source["secretRef"].get("optional"):
                    names.add(str(source["secretRef"].get("name")))
    spec = document.spec
    if document.kind in {"ImageRepository", "GitRepository", "HelmRepository", "OCIRepository", "Bucket"}:
        reference = spec.get("secretRef")
        if isinstance(reference, dict):
            names.add(str(reference.get("name")))
    if document.kind == "HelmRelease":
        names.update(
            str(v.get("name"))
            for v in spec.get("valuesFrom") or []
            if isinstance(v, dict) and v.get("kind") == "Secret" and not v.get("optional")
        )
    if document.is_flux_kustomization:
        decryption = as_mapping(spec.get("decryption"))
        if isinstance(decryption.get("secretRef"), dict):
            names.add(str(decryption["secretRef"].get("name")))
        post_build = as_mapping(spec.get("postBuild"))
        names.update(
            str(v.get("name"))
            for v in post_build.get("substituteFrom") or []
            if isinstance(v, dict) and v.get("kind") == "Secret" and not v.get("optional")
        )
    return {name for name in names if name and name != "None" and "${" not in name}


def _check_secrets(report: OfflineReport, repo: Path, cluster: ClusterBuild) -> None:
    """Which Secrets Git provides (sealed, SOPS-encrypted, generated, or produced by an
    ExternalSecret) and which must come from the cluster; only a readable Secret with data in Git
    is a problem."""
    provided: set[str] = set(BOOTSTRAP_SECRETS)
    for build in cluster.each():
        decrypts = str(as_mapping(build.kustomization.spec.get("decryption")).get("provider", "")) == "sops"
        for document in build.documents:
            if document.kind not in _SECRET_KINDS and not document.object.get("sops"):
                continue
            where = f"{_shown(repo, document.path)}: {document.kind} {document.namespace()}/{document.name}"
            if document.kind == "SealedSecret":
                template = as_mapping(as_mapping(document.spec.get("template")).get("metadata"))
                provided.add(
                    f"{template.get('namespace') or document.namespace()}/{template.get('name') or document.name}"
                )
                _check_sealed_consistency(report, repo, document)
            elif document.kind == "ExternalSecret":
                target = str(as_mapping(document.spec.get("target")).get("name") or document.name)
                provided.add(f"{document.namespace()}/{target}")
                report.notes.append(
                    f"{where}: Secret {target} is created in the cluster by External Secrets, not kept in Git"
                )
            elif document.object.get("sops") or _sops_generated(document):
                if document.kind == "Secret":
                    provided.add(f"{document.namespace()}/{document.name}")
                if decrypts:
                    report.notes.append(f"{where} is SOPS-encrypted; {build.label} decrypts it")
                else:
                    report.problems.append(
                        f"{where} is SOPS-encrypted, but {build.label} has no spec.decryption, so Flux "
                        "cannot apply it: add decryption: {provider: sops, secretRef: {name: sops-age}} to it"
                    )
            elif document.kind == "Secret":
                provided.add(f"{document.namespace()}/{document.name}")
                if document.object.get("data") or document.object.get("stringData"):
                    report.problems.append(f"{where} is plain text in Git; seal it with gitopsctl seal file")
    for document in cluster.documents:
        default_namespace = (
            "flux-system" if document.kind.startswith(("Image", "Git", "Helm", "OCI", "Bucket")) else "default"
        )
        if document.is_flux_kustomization:
            default_namespace = "flux-system"
        for name in sorted(_secret_references(document)):
            key = f"{document.namespace(default_namespace)}/{name}"
            if key in provided or any(f"{m.namespace}/{m.name}" == key for m in report.missing_secrets):
                continue
            namespace, _, secret_name = key.partition("/")
            report.missing_secrets.append(
                MissingSecret(
                    namespace, secret_name, f"{document.kind} {document.namespace(default_namespace)}/{document.name}"
                )
            )
    for missing in report.missing_secrets:
        report.warnings.append(
            f"{missing.referenced_by} needs Secret {missing.namespace}/{missing.name}, which is not in Git: "
            f"create it in the cluster, or seal it: {missing.seal_command}"
        )


_SECRET_KINDS = frozenset({"SealedSecret", "ExternalSecret", "Secret", "ConfigMap"})


def _sops_generated(document: Document) -> bool:
    """A Secret or ConfigMap a kustomize generator made from SOPS-encrypted files (Flux decrypts
    those before the build); only the presence of the marker is looked for, nothing is kept."""
    if document.kind not in ("Secret", "ConfigMap") or document.path.name not in KUSTOMIZATION_NAMES:
        return False
    values: list[str] = [str(v) for v in (document.object.get("stringData") or {}).values()]
    for value in (document.object.get("data") or {}).values():
        if document.kind == "ConfigMap":
            values.append(str(value))
            continue
        try:
            values.append(base64.b64decode(str(value)).decode("utf-8", errors="replace"))
        except (binascii.Error, ValueError):
            continue
    return any(SOPS_VALUE in value for value in values)


def _check_sealed_consistency(report: OfflineReport, repo: Path, document: Document) -> None:
    metadata = document.object.get("metadata") or {}
    template = ((document.object.get("spec") or {}).get("template") or {}).get("metadata") or {}
    where = f"{_shown(repo, document.path)}: SealedSecret {document.namespace()}/{document.name}"
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


def _check_api_versions(report: OfflineReport, repo: Path, documents: list[Document], flux: Version) -> None:
    seen: set[tuple[str, str, str]] = set()
    for document in documents:
        if "fluxcd.io/" not in document.api_version:
            continue
        problem = unserved(document.api_version, document.kind, flux)
        if problem and (document.kind, document.namespace(), document.name) not in seen:
            seen.add((document.kind, document.namespace(), document.name))
            report.problems.append(
                f"{_shown(repo, document.path)}: {document.kind} {document.namespace()}/{document.name}: {problem}"
            )
