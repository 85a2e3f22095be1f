"""Where sealed secrets live in the GitOps repository, and how they are written there."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitopsctl.config import pin_fingerprint
from gitopsctl.errors import InputError
from gitopsctl.files import repository_lock, write_atomically
from gitopsctl.progress import Progress
from gitopsctl.sealing.sealedsecret import identity, merge
from gitopsctl.sealing.sources import CERT_FILENAME, ControllerAPI, trusted_certificate
from gitopsctl.yamlfiles import dump_all, ensure_resource, load_yaml_documents


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
        return self.directory / f"{namespace or 'cluster'}-{name}.yaml"

    def relative(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.repo))
        except ValueError:
            return str(path)

    def check_writable(self, sealed: dict[str, Any], *, force: bool) -> Path:
        name, namespace = identity(sealed, "sealed secret")
        path = self.path_for(namespace, name)
        if path.exists() and not force:
            raise InputError(
                f"{self.relative(path)} already exists",
                hint="pass --force to replace it, or --merge-into it to add or replace single keys",
            )
        return path

    def write(self, sealed: dict[str, Any], path: Path) -> bool:
        """Write ``sealed`` to ``path``; True when kustomization.yaml gained the file."""
        write_atomically(path, dump_all([sealed]))
        if path.parent == self.directory:
            return ensure_resource(self.directory, path.name)
        return False


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
        write_atomically(path, certificate.pem.decode())
        pin_fingerprint(store.repo, store.cluster, certificate.fingerprint)
    progress.success(f"wrote {store.relative(path)} and pinned {certificate.fingerprint} in gitopsctl.toml")
    progress.info("next: commit both files; the certificate is public and belongs in git")


def merge_into_file(path: Path, update: dict[str, Any]) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"--merge-into {path}: no such file")
    documents = load_yaml_documents(path.read_text(encoding="utf-8"), str(path))
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise InputError(f"--merge-into {path}: expected exactly one SealedSecret")
    return merge(documents[0], update, str(path))
