"""Where sealed secrets live in the GitOps repository, and how they are written there."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitopsctl.config import pin_fingerprint
from gitopsctl.errors import InputError
from gitopsctl.files import FileChanges, repository_lock
from gitopsctl.progress import Progress
from gitopsctl.sealing.sealedsecret import identity, merge
from gitopsctl.sealing.sources import CERT_FILENAME, ControllerAPI, trusted_certificate
from gitopsctl.yamlfiles import Listing, dump_all, kustomization_listing, read_manifests, read_text, rewrite_documents

# What ext4, XFS, Btrfs and APFS take for one file name.
MAX_FILE_NAME_BYTES = 255


@dataclass(frozen=True)
class Placement:
    """Where one sealed secret goes, and what it does to the folder's kustomization.yaml."""

    sealed: dict[str, Any]
    path: Path


@dataclass(frozen=True)
class SealedSecretStore:
    """``<repo>/<secrets_dir>/<cluster>/``: one file per SealedSecret, listed in its kustomization.yaml."""

    repo: Path
    secrets_dir: str
    cluster: str

    @property
    def directory(self) -> Path:
        return self.repo / self.secrets_dir.strip("/") / self.cluster

    @property
    def certificate_path(self) -> Path:
        return self.directory / CERT_FILENAME

    def path_for(self, namespace: str, name: str) -> Path:
        """``<namespace>.<name>.yaml``: a namespace has no dots, so no two Secrets share a name
        (``a-b/c`` and ``a/b-c`` did under the old ``<namespace>-<name>.yaml``). ``_`` (never in
        a namespace) stands for a Secret sealed without one."""
        return self.directory / f"{namespace or '_'}.{name}.yaml"

    def relative(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.repo))
        except ValueError:
            return str(path)

    def place(self, sealed_objects: list[dict[str, Any]], *, force: bool) -> list[Placement]:
        """Where each sealed secret is written, refusing before any write: the same Secret twice,
        an existing one without --force, a file of that name holding another object."""
        placements: list[Placement] = []
        seen: set[tuple[str, str]] = set()
        for sealed in sealed_objects:
            name, namespace = identity(sealed, "sealed secret")
            if (namespace, name) in seen:
                raise InputError(
                    f"the input has Secret {namespace}/{name} more than once",
                    hint="keep one of them (or merge their keys) and run again",
                )
            seen.add((namespace, name))
            new = self.path_for(namespace, name)
            if len(new.name.encode()) > MAX_FILE_NAME_BYTES:
                raise InputError(
                    f"Secret {namespace}/{name[:40]}…: its file name would be {len(new.name.encode())} bytes, "
                    f"and file systems take {MAX_FILE_NAME_BYTES}",
                    hint="give the Secret a shorter name (Kubernetes allows 253 characters, file names fewer)",
                )
            path = self._existing(namespace, name)
            if path is not None and not force:
                raise InputError(
                    f"{self.relative(path)} already exists",
                    hint="pass --force to replace it, or --merge-into it to add or replace single keys",
                )
            placements.append(Placement(sealed, path or new))
        return placements

    def _existing(self, namespace: str, name: str) -> Path | None:
        """The file holding this Secret's SealedSecret: under today's name, or the old
        ``<namespace>-<name>.yaml`` when that one really is this Secret's."""
        path = self.path_for(namespace, name)
        if path.exists():
            if _holds(path, namespace, name) is False:
                raise InputError(
                    f"{self.relative(path)} holds something other than the SealedSecret {namespace}/{name}",
                    hint="move that file away; gitopsctl names its files <namespace>.<name>.yaml",
                )
            return path
        legacy = self.directory / f"{namespace or 'cluster'}-{name}.yaml"
        return legacy if legacy.is_file() and _holds(legacy, namespace, name) else None

    def plan(self, placements: list[Placement], changes: FileChanges) -> Listing | None:
        """Add the sealed files, then the folder's kustomization.yaml, to ``changes``;
        what is newly listed there (None when nothing)."""
        for placement in placements:
            changes.write(placement.path, dump_all([placement.sealed]))
        names = [p.path.name for p in placements if p.path.parent == self.directory]
        listing = kustomization_listing(self.directory, names)
        if listing is not None:
            changes.write(listing.path, listing.text)  # last: an interruption leaves no entry without its file
        return listing


def _holds(path: Path, namespace: str, name: str) -> bool | None:
    """Whether ``path`` is the SealedSecret ``namespace/name`` (None when it cannot be read as one)."""
    try:
        documents = read_manifests(path)
    except (OSError, UnicodeDecodeError, InputError):
        return None
    if len(documents) != 1 or not isinstance(documents[0], dict):
        return False
    metadata = documents[0].get("metadata")
    if documents[0].get("kind") != "SealedSecret" or not isinstance(metadata, dict):
        return False
    return metadata.get("name") == name and (metadata.get("namespace") or "") == namespace


def store_certificate(
    store: SealedSecretStore, controller: ControllerAPI, *, pinned: str | None, force: bool, progress: Progress
) -> None:
    """The controller's certificate into the repository (it is public) and its fingerprint pinned,
    so a swapped controller is noticed; --force re-pins on purpose. Shared by fetch-cert and bootstrap."""
    certificate = trusted_certificate(
        controller.certificate(),
        controller.where,
        pinned=None if force else pinned,
        cluster=store.cluster,
        progress=progress,
    )
    path = store.certificate_path
    if path.is_file() and path.read_bytes() == certificate.pem and pinned == certificate.fingerprint:
        progress.success(f"certificate unchanged ({certificate.fingerprint}) in {store.relative(path)}")
        return
    with repository_lock(store.repo):
        changes = FileChanges()
        changes.write(path, certificate.pem.decode())
        pin_fingerprint(store.repo, store.cluster, certificate.fingerprint, changes)
        changes.apply(store.repo)
    progress.success(f"wrote {store.relative(path)} and pinned {certificate.fingerprint} in gitopsctl.toml")
    progress.info("next: commit both files; the certificate is public and belongs in git")


def merge_into_file(path: Path, update: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """``update``'s keys added to (or replacing those of) the SealedSecret in ``path``: the
    merged object and the file's new text. Every other key, document and comment stays."""
    if not path.is_file():
        raise InputError(f"--merge-into {path}: no such file")
    sealed = [d for d in read_manifests(path) if isinstance(d, dict) and d.get("kind") == "SealedSecret"]
    if len(sealed) != 1:
        raise InputError(
            f"--merge-into {path}: expected one SealedSecret, found {len(sealed)}",
            hint="name the file that holds the sealed secret to extend",
        )
    merged = merge(sealed[0], update, str(path))  # identity and scope checked here

    def add_keys(document: Any) -> bool:
        if not isinstance(document, dict) or document.get("kind") != "SealedSecret":
            return False
        spec = document.setdefault("spec", {})
        if spec.get("encryptedData") is None:
            spec["encryptedData"] = {}
        spec["encryptedData"].update(update["spec"]["encryptedData"])
        return True

    text, _ = rewrite_documents(read_text(path), str(path), add_keys, in_place=True)
    return merged, text
