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
@click.option(
    "--flux-version",
    show_envvar=True,
    help="With --offline: check API versions against this Flux release [default: the one the repository pins].",
)
@output_option
@pass_app
def verify(app: Application, wait: bool, timeout: float, offline: bool, flux_version: str | None, output: str) -> None:
    """Report controllers, sync, Kustomizations in dependency order, image automation,
    sealed secrets and workloads. Exits 0 only when all is healthy and in sync, else 4.
    """
    if offline:
        from gitopsctl.cli.verify_offline import verify_offline

        verify_offline(app, output, flux_version or "")
        return
    report = run_verification(app, wait=wait, timeout=timeout, output=output)
    if not report.healthy:
        raise Exit(ExitCode.UNHEALTHY)


def run_verification(app: Application, *, wait: bool, timeout: float, output: str):
    """Judge (and with --wait, wait), then show the report as text or one JSON document."""
    from gitopsctl.errors import GitopsctlError
    from gitopsctl.flux.verification import announce, judge

    as_json = output == "json"
    try:
        head, report = judge(
            app.kube,
            app.config,
            app.git,
            app.terminal,
            wait=wait,
            timeout=timeout,
            show=not as_json,
            cluster=app.cluster,
        )
    except GitopsctlError as error:
        if as_json:  # -o json promises one document on stdout: it says why there is no report
            app.terminal.emit_json({"healthy": False, "error": str(error)})
        raise
    if as_json:
        app.terminal.emit_json({"target": head, **report.as_dict()})
        announce(report, app.terminal, waited=wait)
    return report
