"""The repository-only half of verify."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitopsctl.errors import Exit, ExitCode

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


def verify_offline(app: Application, output: str, flux_version: str) -> None:
    from gitopsctl.flux.offline import check_repository

    app.cluster_dir()
    report = check_repository(app.repo, app.cluster_path, app.runner, app.config, flux_version)
    terminal = app.terminal
    if output == "json":
        terminal.emit_json(report.as_dict())
    else:
        terminal.info("Reconciliation order")
        for depth, level in enumerate(report.order, start=1):
            terminal.info(f"  {depth}. {', '.join(level)}")
        if report.flux_version:
            terminal.info(f"API versions checked against {report.flux_version}")
        for note in report.notes:
            terminal.note(note)
        for warning in report.warnings:
            terminal.warning(warning)
        for problem in report.problems:
            terminal.failure(problem)
        if report.ok:
            terminal.success(f"{app.cluster_path}: the repository is consistent")
        else:
            terminal.failure(f"{len(report.problems)} problem(s) in the repository")
    if not report.ok:
        raise Exit(ExitCode.UNHEALTHY)
