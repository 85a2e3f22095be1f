"""gitopsctl keys …: the Sealed Secrets controller's private keys, backed up and brought back."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gitopsctl.cli.common import (
    output_option,
    pass_app,
    passphrase_stdin_option,
    read_passphrase,
    timeout_option,
)

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.group(short_help="The controller's sealing keys: list, back up, restore.")
def keys() -> None:
    """The Sealed Secrets controller's private keys. Every SealedSecret in Git opens only with
    the key that sealed it, and the keys live in the cluster: back them up, and a rebuilt cluster
    opens the same SealedSecrets (keys restore, or bootstrap --restore-keys)."""


@keys.command("list", short_help="The controller's keys, which one is pinned, which are backed up.")
@output_option
@pass_app
def list_(app: Application, output: str) -> None:
    """The keys (fingerprint, created, active or compromised), the one the repository pins, the
    ones the last backup holds, and when the controller makes its next key. No private key is read."""
    import datetime as dt

    from gitopsctl.sealing.keys import list_keys, renew_period

    settings = app.config.sealed_secrets
    found = list_keys(app.kube, settings.controller_namespace)
    if not found and output != "json":
        app.terminal.warning(
            f"no sealing keys in {settings.controller_namespace}: is Sealed Secrets installed there and started?"
        )
        return
    pinned = settings.cert_fingerprints.get(app.cluster, "")
    backed_up = set(settings.key_backups.get(app.cluster, []))
    period = renew_period(app.kube, settings.controller_namespace, settings.controller_name)
    renewal = found[-1].created_at + period if found and period else None
    rows: list[dict[str, Any]] = [
        {
            "name": key.name,
            "fingerprint": key.fingerprint,
            "created": key.created,
            "state": key.state,
            "pinned": key.fingerprint == pinned,
            "backed_up": key.fingerprint in backed_up,
        }
        for key in found
    ]
    if output == "json":
        app.terminal.emit_json({"keys": rows, "next_renewal": renewal.isoformat() if renewal else None})
        return
    app.terminal.table(
        ["NAME", "FINGERPRINT", "CREATED", "STATE", "PINNED", "BACKED UP"],
        [
            [r["name"], r["fingerprint"][:23] + "…", r["created"], r["state"], _yes(r["pinned"]), _yes(r["backed_up"])]
            for r in rows
        ],
    )
    if period is None:
        app.terminal.info(
            f"next key: unknown (no Deployment {settings.controller_name} in {settings.controller_namespace})"
        )
    elif not period:
        app.terminal.info("next key: never (--key-renew-period 0)")
    elif renewal:
        due = "overdue: at the controller's next start" if renewal < dt.datetime.now(dt.UTC) else f"{renewal:%Y-%m-%d}"
        app.terminal.info(f"next key: {due} (--key-renew-period {period})")
    unbacked = [r["name"] for r in rows if not r["backed_up"]]
    if unbacked:
        app.terminal.warning(f"not in a backup: {', '.join(unbacked)}: gitopsctl keys backup --to FILE")


def _yes(value: bool) -> str:
    return "yes" if value else "-"


@keys.command(short_help="Write every key, encrypted with a passphrase, to a file outside the repository.")
@click.option("--to", "target", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The backup file.")
@click.option("--force", is_flag=True, help="Replace an existing backup file.")
@passphrase_stdin_option
@pass_app
def backup(app: Application, target: Path, force: bool, passphrase_stdin: bool) -> None:
    """Back up the controller's keys to FILE: certificates in the clear, private keys as
    encrypted PKCS#8 (openssl opens it: openssl storeutl -keys -passin env:VAR FILE), mode 0600,
    refused inside a Git work tree. The fingerprints (not the keys) are recorded in
    gitopsctl.toml, so keys list and verify can tell an unbacked-up key."""
    from gitopsctl.config import record_key_backup
    from gitopsctl.files import FileChanges, repository_lock
    from gitopsctl.sealing.keys import check_private_target, read_keys, write_backup, write_private_file

    settings = app.config.sealed_secrets
    check_private_target(target, force=force)
    passphrase = read_passphrase(passphrase_stdin, confirm=True)
    with app.terminal.step(f"reading the keys in {settings.controller_namespace}"):
        found = read_keys(app.kube, settings.controller_namespace)
    data = write_backup(found, passphrase, app.cluster)
    write_private_file(target, data, force=force)
    app.terminal.success(f"backed up {len(found)} key(s) to {target}")
    if app.in_repository:
        with repository_lock(app.repo):
            changes = FileChanges()
            record_key_backup(app.repo, app.cluster, [k.fingerprint for k in found], changes)
            changes.apply(app.repo)
        app.terminal.info("recorded their fingerprints in gitopsctl.toml; keep the file and its passphrase apart")


@keys.command(short_help="Put backed-up keys back into the cluster and restart the controller.")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore keys that match nothing this repository pins.")
@passphrase_stdin_option
@timeout_option("2m")
@pass_app
def restore(app: Application, source: Path, force: bool, passphrase_stdin: bool, timeout: float) -> None:
    """Restore the keys in SOURCE as the controller keeps them (labelled TLS Secrets in its
    namespace) and restart it so it loads them. A backup whose keys match nothing the repository
    pins is refused (another cluster's?) unless --force."""
    from gitopsctl.errors import PrerequisiteError
    from gitopsctl.sealing.keys import (
        check_belongs,
        controller_present,
        read_backup_file,
        restart_controller,
        restore_keys,
    )

    settings = app.config.sealed_secrets
    passphrase = read_passphrase(passphrase_stdin, confirm=False)
    cluster, found = read_backup_file(source, passphrase)
    check_belongs(found, settings.cert_fingerprints.get(app.cluster, ""), cluster, app.cluster, force=force)
    if not controller_present(app.kube, settings.controller_namespace, settings.controller_name):
        raise PrerequisiteError(
            f"no Sealed Secrets controller {settings.controller_name} in {settings.controller_namespace}: "
            "nothing was restored",
            hint=f"on a new cluster run gitopsctl bootstrap --restore-keys {source}, which installs it with the keys",
        )
    with app.terminal.step(f"restoring {len(found)} key(s) into {settings.controller_namespace}"):
        restore_keys(app.kube, settings.controller_namespace, found)
    with app.terminal.step(f"restarting {settings.controller_name} so it loads them"):
        restart_controller(app.kube, settings.controller_namespace, settings.controller_name, timeout)
    app.terminal.success("the controller holds the restored keys: the SealedSecrets in Git open again")
