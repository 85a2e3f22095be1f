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
    request_sync(app)
    if wait:
        from gitopsctl.cli.verify import run_verification

        report = run_verification(app, wait=True, timeout=timeout, output="text")
        if not report.healthy:
            raise Exit(ExitCode.UNHEALTHY)


def request_sync(app: Application) -> None:
    from gitopsctl.flux.cluster import read_state
    from gitopsctl.flux.reconcile import request_reconciliation

    with app.terminal.step("requesting reconciliation"):
        result = request_reconciliation(app.kube, read_state(app.kube))
    if not result.requested:
        app.terminal.warning("no GitRepository or Kustomization found: is Flux bootstrapped?")
    for skipped in result.skipped_suspended:
        app.terminal.warning(f"{skipped} is suspended and was not asked to reconcile")
    app.terminal.info(f"  asked {len(result.requested)} object(s) to reconcile now")
