"""gitopsctl seal vm-ssh-key: the SSH key the backend deploy Job uses to reach the VM."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from gitopsctl.cli.common import pass_app
from gitopsctl.cli.seal.common import namespaces_or_default, seal_and_deliver, sealing_options

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.command("vm-ssh-key", short_help="Seal an SSH private key (kubernetes.io/ssh-auth).")
@click.option(
    "--key-file",
    required=True,
    type=click.Path(dir_okay=False),
    show_envvar=True,
    help="The private key file.",
)
@click.option(
    "--known-hosts",
    type=click.Path(dir_okay=False),
    show_envvar=True,
    help="known_hosts for the VM, stored as the known_hosts key.",
)
@click.option("--name", default="vm-ssh-key", show_default=True, show_envvar=True, help="Secret name.")
@click.option("-n", "--namespace", show_envvar=True, help="Namespace [default: the first of apps.namespaces].")
@sealing_options
@pass_app
def command(
    app: Application, key_file: str, known_hosts: str | None, name: str, namespace: str | None, **options: Any
) -> None:
    """Seal the deploy Job's SSH key (and known_hosts) as a kubernetes.io/ssh-auth Secret."""
    from gitopsctl.errors import InputError
    from gitopsctl.redaction import register_secret
    from gitopsctl.sealing.secret import SSH_AUTH, Secret, read_file_bytes

    key = read_file_bytes(key_file, "--key-file")
    register_secret(key)
    if b"PRIVATE KEY-----" not in key:
        raise InputError(
            f"--key-file {key_file}: not a PEM or OpenSSH private key",
            hint="pass the private key (e.g. ~/.ssh/id_ed25519), not the .pub file",
        )
    data = {"ssh-privatekey": key}
    if known_hosts:
        data["known_hosts"] = read_file_bytes(known_hosts, "--known-hosts")
    chosen = namespace or namespaces_or_default(app, (), with_flux=False)[0]
    seal_and_deliver(app, [Secret(name=name, namespace=chosen, type=SSH_AUTH, data=data)], options)
