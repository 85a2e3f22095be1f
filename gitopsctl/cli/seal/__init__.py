"""gitopsctl seal …: seal secrets into the GitOps repository, natively."""

from __future__ import annotations

import importlib

import click

SUBCOMMANDS: dict[str, str] = {
    "harbor-creds": "gitopsctl.cli.seal.harbor_creds",
    "vm-ssh-key": "gitopsctl.cli.seal.vm_ssh_key",
    "generic": "gitopsctl.cli.seal.generic",
    "file": "gitopsctl.cli.seal.file",
    "fetch-cert": "gitopsctl.cli.seal.fetch_cert",
    "verify": "gitopsctl.cli.seal.verify",
    "reencrypt": "gitopsctl.cli.seal.reencrypt",
}


class SealGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = SUBCOMMANDS.get(cmd_name)
        if module is None:
            return None
        command: click.Command = importlib.import_module(module).command
        return command


@click.group(cls=SealGroup, short_help="Seal secrets into the repository (no kubeseal needed).")
def seal() -> None:
    """Seal secrets with the controller's certificate and write them into the GitOps repository.

    Files land in <sealed_secrets.secrets_dir>/<cluster>/<namespace>-<name>.yaml and are
    listed in that folder's kustomization.yaml. Certificates come from --cert, the
    repository (seal fetch-cert), or the controller through the API server.
    """
