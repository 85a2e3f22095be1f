"""gitopsctl bootstrap: from an empty cluster to a healthy GitOps setup, safely and resumably."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gitopsctl.cli.common import pass_app, timeout_option

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


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
    dry_run: bool,
    timeout: float,
) -> None:
    """Check prerequisites, run flux bootstrap github with the image automation controllers
    and a read-write deploy key, install Sealed Secrets with Helm into the Flux namespace,
    store and pin its certificate, verify, and list the secrets still to seal.

    Re-running is safe: finished steps are detected from the cluster and the repository.
    """
    import os

    from gitopsctl.bootstrap.plan import BootstrapSettings
    from gitopsctl.bootstrap.steps import BootstrapFlow, PrerequisitesMissing
    from gitopsctl.cli.seal.common import secret_store
    from gitopsctl.cli.seal.controller_option import controller_api
    from gitopsctl.git import Git

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
