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
    help="known_hosts for the VM, stored as the known_hosts key (this or --scan is required).",
)
@click.option(
    "--scan",
    metavar="HOST[:PORT]",
    show_envvar=True,
    help="Read the VM's host keys with ssh-keyscan and show their fingerprints to confirm.",
)
@click.option("--yes", is_flag=True, show_envvar=True, help="Accept the scanned host keys without asking.")
@click.option("--name", default="vm-ssh-key", show_default=True, show_envvar=True, help="Secret name.")
@click.option("-n", "--namespace", show_envvar=True, help="Namespace [default: the first of apps.namespaces].")
@sealing_options
@pass_app
def vm_ssh_key(
    app: Application,
    key_file: str,
    known_hosts: str | None,
    scan: str | None,
    yes: bool,
    name: str,
    namespace: str | None,
    **options: Any,
) -> None:
    """Seal the deploy Job's SSH key and the VM's host keys as a kubernetes.io/ssh-auth Secret.

    The Job checks the VM's host key (UserKnownHostsFile), so known_hosts is required: from
    --known-hosts FILE, or --scan HOST[:PORT] with the fingerprints confirmed (or --yes). The
    key must have no passphrase: a Job cannot type one.
    """
    from gitopsctl.errors import InputError
    from gitopsctl.redaction import register_secret
    from gitopsctl.sealing import ssh
    from gitopsctl.sealing.secret import SSH_AUTH, Secret, read_file_bytes

    if known_hosts and scan:
        raise InputError("--known-hosts and --scan both give the host keys", hint="pass one of them")
    if not known_hosts and not scan:
        raise InputError(
            "the deploy Job checks the VM's host key (UserKnownHostsFile), so the secret needs known_hosts",
            hint="pass --known-hosts FILE, or --scan HOST[:PORT] to read the host keys from the VM",
        )
    key = read_file_bytes(key_file, "--key-file")
    register_secret(key)
    ssh.check_private_key(key, key_file)
    if known_hosts:
        # Checked, then sealed byte for byte (comments and hashed host names kept).
        known = read_file_bytes(known_hosts, "--known-hosts")
        ssh.parse_known_hosts(known.decode("utf-8", errors="replace"), known_hosts)
    else:
        host_keys = ssh.scan(app.runner, scan or "")
        confirm_host_keys(app, host_keys, yes=yes)
        known = "".join(host_key.line() + "\n" for host_key in host_keys).encode()
    data = {"ssh-privatekey": key, "known_hosts": known}
    chosen = namespace or namespaces_or_default(app, (), with_flux=False)[0]
    seal_and_deliver(app, [Secret(name=name, namespace=chosen, type=SSH_AUTH, data=data)], options)


def confirm_host_keys(app: Application, host_keys: list[Any], *, yes: bool) -> None:
    """Trust on first use, made explicit: the operator compares the fingerprints with the VM's."""
    import sys

    from gitopsctl.errors import InputError

    app.terminal.info("The host offers these keys:")
    for host_key in host_keys:
        app.terminal.info(f"  {host_key.fingerprint} {host_key.key_type} ({host_key.hosts})")
    compare = "compare them with 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' on the VM"
    if yes:
        return
    if not (sys.stdin.isatty() and app.terminal.interactive):
        raise InputError("the scanned host keys are not confirmed", hint=f"{compare}, then pass --yes")
    if not click.confirm(f"Are these the VM's keys? ({compare})", err=True):
        raise InputError("the scanned host keys were not accepted; nothing was sealed")
