"""gitopsctl verify: is the cluster running what Git says, in dependency order?"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gitopsctl.cli.common import output_option, pass_app, timeout_option
from gitopsctl.errors import Exit, ExitCode

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.command(short_help="Check the cluster runs what Git says (or --offline: the repo alone).")
@click.option("--wait", is_flag=True, show_envvar=True, help="Keep watching until healthy or --timeout.")
@timeout_option("5m")
@click.option("--offline", is_flag=True, help="Check the repository alone: no cluster needed.")
@output_option
@pass_app
def verify(app: Application, wait: bool, timeout: float, offline: bool, output: str) -> None:
    """Report controllers, sync, Kustomizations in dependency order, image automation,
    sealed secrets and workloads. Exits 0 only when all is healthy and in sync, else 4.
    """
    if offline:
        from gitopsctl.cli.verify_offline import verify_offline

        verify_offline(app, output)
        return
    report = run_verification(app, wait=wait, timeout=timeout, output=output)
    if not report.healthy:
        raise Exit(ExitCode.UNHEALTHY)


def expectations(app: Application, target_sha: str):
    from gitopsctl.flux.health import Expectations

    config = app.config
    return Expectations(
        flux_namespace=config.flux.namespace,
        components=(*config.flux.components, *config.flux.components_extra),
        sealed_secrets=(config.sealed_secrets.controller_namespace, config.sealed_secrets.controller_name),
        target_sha=target_sha,
    )


def branch_head(app: Application) -> str:
    """The remote branch head Flux should have applied ("" outside a repository or without origin)."""
    from gitopsctl.errors import ToolFailed
    from gitopsctl.git import Git

    if not app.in_repository:
        return ""
    git = Git(app.runner, app.repo)
    try:
        return git.remote_head("origin", app.config.github.branch)
    except ToolFailed:
        if git.remote_url("origin") is not None:
            raise
    app.terminal.warning(
        "the repository has no remote 'origin': the cluster is not compared with a branch head "
        f"(git remote add origin URL && git push -u origin {app.config.github.branch})"
    )
    return ""


def commits_counter(app: Application):
    """Counts commits between two SHAs in the operator's clone (None when it lacks them)."""
    from gitopsctl.git import Git

    if not app.in_repository:
        return None
    git = Git(app.runner, app.repo)
    return git.commits_between


def run_verification(
    app: Application, *, wait: bool, timeout: float, output: str, target_sha: str | None = None, focus=None
):
    """Shared by verify, sync and rollback: judge (and optionally wait), then show the result."""
    from gitopsctl.cli.health_view import render_report
    from gitopsctl.flux.verification import Verifier

    head = target_sha if target_sha is not None else branch_head(app)
    verifier = Verifier(app.kube, expectations(app, head), focus=focus, commits_behind=commits_counter(app))
    terminal = app.terminal
    if head:
        terminal.action(f"verifying cluster against {app.config.github.branch}@{head[:8]}")
    if wait:
        last = [""]

        def progress(report) -> None:
            healthy, text = report.summary()
            if not healthy and text != last[0]:
                terminal.waiting(text)
                last[0] = text

        report = verifier.wait(timeout, progress)
    else:
        report = verifier.check()
    if output == "json":
        terminal.emit_json({"target": head, **report.as_dict()})
    else:
        for line in render_report(report):
            terminal.info(line)
    healthy, text = report.summary()
    if healthy:
        terminal.success(text)
    elif wait:
        terminal.failure(f"timed out: {text}")
    else:
        terminal.failure(text)
    return report
