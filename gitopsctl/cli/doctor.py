"""gitopsctl doctor: are the tools, the GitHub token and the cluster ready for bootstrap?"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gitopsctl.cli.common import output_option, pass_app
from gitopsctl.errors import ExitCode

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application

_GLYPH = {"ok": "✔", "warning": "⚠", "failed": "✗", "skipped": "-"}


@click.command(short_help="Check the prerequisites of bootstrap.")
@output_option
@pass_app
def doctor(app: Application, output: str) -> None:
    """Check tools, GitHub token, owner and cluster; every check runs.

    Exits 3 when a required check fails.
    """
    checks = run_prerequisites(app)
    if output == "json":
        app.terminal.emit_json({"checks": [c.as_dict() for c in checks], "ok": not any(c.blocking for c in checks)})
    else:
        show_checks(app, checks)
    if any(check.blocking for check in checks):
        raise click.exceptions.Exit(ExitCode.PREREQUISITES)


def run_prerequisites(app: Application):
    from gitopsctl.prerequisites import Prerequisites

    return Prerequisites(app.runner, app.kube, app.config).run()


def show_checks(app: Application, checks) -> None:
    rows = [[_GLYPH[c.status], c.name, c.detail] for c in checks]
    app.terminal.table(["", "CHECK", "RESULT"], rows)
    failed = [c.name for c in checks if c.blocking]
    if failed:
        app.terminal.failure(f"{len(failed)} required check(s) failed: {', '.join(failed)}")
    else:
        app.terminal.success("all prerequisites are met")
