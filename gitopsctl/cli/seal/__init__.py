"""gitopsctl seal …: seal secrets into the GitOps repository, natively."""

from __future__ import annotations

import click

from gitopsctl.cli.loader import LazyGroup

SUBCOMMANDS = {
    "harbor-creds": "gitopsctl.cli.seal.harbor_creds:harbor_creds",
    "vm-ssh-key": "gitopsctl.cli.seal.vm_ssh_key:vm_ssh_key",
    "generic": "gitopsctl.cli.seal.generic:generic",
    "file": "gitopsctl.cli.seal.file:seal_file",
    "fetch-cert": "gitopsctl.cli.seal.fetch_cert:fetch_cert",
    "verify": "gitopsctl.cli.seal.verify:verify",
    "reencrypt": "gitopsctl.cli.seal.reencrypt:reencrypt",
}


@click.group(
    cls=LazyGroup, lazy_commands=SUBCOMMANDS, short_help="Seal secrets into the repository (no kubeseal needed)."
)
def seal() -> None:
    """Seal secrets with the controller's certificate and write them into the GitOps repository.

    Files land in <sealed_secrets.secrets_dir>/<cluster>/<namespace>.<name>.yaml and are
    listed in that folder's kustomization.yaml, all of a command's files or none. Certificates come from --cert, the
    repository (seal fetch-cert), or the controller through the API server.
    """
