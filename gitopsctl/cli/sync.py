"""gitopsctl sync: apply my push now, instead of waiting for the intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gitopsctl.cli.common import pass_app, timeout_option
from gitopsctl.errors import Exit, ExitCode

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.command(short_help="Ask Flux to reconcile now; --wait until healthy.")
@click.option("--wait", is_flag=True, show_envvar=True, help="Watch until healthy at the branch head.")
@timeout_option("5m")
@pass_app
def sync(app: Application, wait: bool, timeout: float) -> None:
    """Request reconciliation of every GitRepository and Kustomization (their sources first),
    then with --wait show the same live view and exit code as verify --wait."""
    from gitopsctl.flux.reconcile import request_sync

    request_sync(app.kube, app.terminal)
    if not wait:
        return
    from gitopsctl.flux.verification import judge

    _, report = judge(app.kube, app.config, app.git, app.terminal, wait=True, timeout=timeout, show=True)
    if not report.healthy:
        raise Exit(ExitCode.UNHEALTHY)
