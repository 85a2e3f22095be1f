"""gitopsctl bootstrap: from an empty cluster to a healthy GitOps setup, safely and resumably."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from gitopsctl.cli.common import pass_app, passphrase_stdin_option, read_passphrase, timeout_option

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application
    from gitopsctl.sealing.keys import SealingKey


@click.command(short_help="Install Flux (with image automation) and Sealed Secrets; resumable.")
@click.option("--owner", show_envvar=True, help="GitHub user or organisation [default: GITHUB_USER, github.owner].")
@click.option("--repository", show_envvar=True, help="GitHub repository [default: github.repository].")
@click.option("--branch", show_envvar=True, help="Branch Flux syncs [default: github.branch].")
@click.option(
    "--personal/--organization",
    default=None,
    show_envvar=True,
    help="The owner is a user (personal) or an organisation [default: github.personal].",
)
@click.option("--flux-version", show_envvar=True, help="Pin the Flux version (e.g. v2.9.4) [default: the CLI's].")
@click.option(
    "--controller-url",
    show_envvar=True,
    help="Reach the Sealed Secrets controller here for its certificate instead of through the API server.",
)
@click.option(
    "--restore-keys",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Put the sealing keys of this backup (gitopsctl keys backup) in place before Sealed Secrets starts.",
)
@passphrase_stdin_option
@click.option("--dry-run", is_flag=True, help="Print the plan with every command (redacted); run nothing.")
@timeout_option("5m")
@pass_app
def bootstrap(
    app: Application,
    owner: str | None,
    repository: str | None,
    branch: str | None,
    personal: bool | None,
    flux_version: str | None,
    controller_url: str | None,
    restore_keys: Path | None,
    passphrase_stdin: bool,
    dry_run: bool,
    timeout: float,
) -> None:
    """Check prerequisites, run flux bootstrap github with the image automation controllers
    and a read-write deploy key, install Sealed Secrets with Helm into the Flux namespace,
    store and pin its certificate, verify, and list the secrets still to seal.

    Re-running is safe: finished steps are detected from the cluster and the repository.
    With --restore-keys FILE, a rebuilt cluster gets the sealing keys of the old one before
    the controller starts, so the SealedSecrets already in Git open again.
    """
    import os

    from gitopsctl.bootstrap.plan import BootstrapSettings
    from gitopsctl.bootstrap.steps import BootstrapFlow, PrerequisitesMissing
    from gitopsctl.cli.seal.common import secret_store
    from gitopsctl.cli.seal.controller_option import controller_api
    from gitopsctl.git import Git
    from gitopsctl.sealing.keys import check_belongs, read_backup_file

    restored: list[SealingKey] = []
    if restore_keys is not None:  # read and checked before anything changes
        made_of, restored = read_backup_file(restore_keys, read_passphrase(passphrase_stdin, confirm=False))
        pinned = app.config.sealed_secrets.cert_fingerprints.get(app.cluster, "")
        check_belongs(restored, pinned, made_of, app.cluster, force=False)
    flow = BootstrapFlow(
        settings=BootstrapSettings.from_config(
            app.config,
            app.cluster_path,
            owner=owner or os.environ.get("GITHUB_USER"),
            repository=repository,
            branch=branch,
            personal=personal,
            flux_version=flux_version,
            timeout=timeout,
        ),
        kube=app.kube,
        runner=app.runner,
        git=Git(app.runner, app.repo),
        config=app.config,
        repo=app.repo,
        cluster_path=app.cluster_path,
        prerequisites_checks=app.prerequisites(),
        controller=controller_api(app, controller_url),
        store=secret_store(app),
        progress=app.terminal,
        restored_keys=restored,
    )
    if dry_run:
        flow.print_plan()
        return
    try:
        flow.run()
    except PrerequisitesMissing as missing:
        from gitopsctl.cli.checks_view import show_checks

        show_checks(app.terminal, missing.checks)
        raise
    finally:
        app.terminal.summary()
