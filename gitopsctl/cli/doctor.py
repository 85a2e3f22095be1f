"""gitopsctl doctor: are the tools, the GitHub token and the cluster ready for bootstrap?"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gitopsctl.cli.common import output_option, pass_app
from gitopsctl.errors import Exit, ExitCode

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.command(short_help="Check the prerequisites of bootstrap.")
@output_option
@pass_app
def doctor(app: Application, output: str) -> None:
    """Check tools, GitHub token, owner and cluster; every check runs. In a GitOps
    repository, flux must be at least the release its manifests' API versions need.

    Exits 3 when a required check fails.
    """
    checks = app.prerequisites().run()
    if output == "json":
        app.terminal.emit_json({"checks": [c.as_dict() for c in checks], "ok": not any(c.blocking for c in checks)})
    else:
        from gitopsctl.cli.checks_view import show_checks

        show_checks(app.terminal, checks)
    if any(check.blocking for check in checks):
        raise Exit(ExitCode.PREREQUISITES)
