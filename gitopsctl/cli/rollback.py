"""gitopsctl rollback SHA: revert in Git, keep the audit trail, and make the rollback stick."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gitopsctl.cli.common import pass_app, timeout_option
from gitopsctl.errors import Exit, ExitCode, Interrupted
from gitopsctl.signals import interrupts_deferred

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.command(short_help="Revert a commit in Git (never a force-push) and wait until applied.")
@click.argument("sha")
@click.option("--reason", default="", show_envvar=True, help="Why; recorded in the revert commit.")
@click.option("--dry-run", is_flag=True, help="Show what would be undone; change nothing.")
@click.option("--no-push", is_flag=True, help="Make the revert commit locally only.")
@click.option("--no-wait", is_flag=True, help="Push and request reconciliation, but do not wait.")
@click.option("--keep-automation", is_flag=True, help="Do not suspend image automation (it may re-bump).")
@click.option("--pin-in-git", is_flag=True, help="Suspend image automation in Git, so it survives reconciliation.")
@timeout_option("5m")
@pass_app
def rollback(
    app: Application,
    sha: str,
    reason: str,
    dry_run: bool,
    no_push: bool,
    no_wait: bool,
    keep_automation: bool,
    pin_in_git: bool,
    timeout: float,
) -> None:
    """Revert SHA with git revert, push without force, ask Flux to reconcile, and wait
    until every Kustomization has applied the revert and is healthy (exit 4 if not in time).

    A reverted image bump would be written back by image automation at its next run, so
    the automation is suspended first (in the cluster, or in Git with --pin-in-git).
    """
    from gitopsctl.git import Git
    from gitopsctl.rollback.steps import RollbackFlow

    flow = RollbackFlow(
        git=Git(app.runner, app.repo),
        kube=app.kube,
        config=app.config,
        repo=app.repo,
        progress=app.terminal,
        reason=reason,
        keep_automation=keep_automation,
        pin_in_git=pin_in_git,
        cluster_dir=app.cluster_dir(must_exist=False),
    )
    try:
        target = flow.preflight(sha, dry_run=dry_run)
        flow.show(target)
        if dry_run:
            flow.show_plan(target, no_push=no_push)
            return
    except KeyboardInterrupt:
        raise Interrupted("interrupted before anything changed: nothing was pushed") from None
    # From here an interruption is the flow's to report: it knows what was pushed.
    try:
        pushed = flow.execute(target, push=not no_push)
    except BaseException:
        with interrupts_deferred(deliver=False):  # the command is ending with its own message
            app.terminal.summary()
        raise
    try:
        app.terminal.summary()
        if pushed is None or no_wait:
            return
        report = flow.wait(pushed, timeout)
    except KeyboardInterrupt:
        if pushed is None:
            raise Interrupted("interrupted after the revert commit was made (locally, --no-push)") from None
        raise flow.interrupted_after_the_push(pushed) from None
    if not report.healthy:
        raise Exit(ExitCode.UNHEALTHY)
