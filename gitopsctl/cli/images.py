"""gitopsctl images …: image automation around rollbacks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gitopsctl.cli.common import pass_app

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.group(short_help="Image automation: end the hold a rollback put on it.")
def images() -> None:
    """Image automation (Flux's ImageUpdateAutomation) around rollbacks."""


@images.command(short_help="Resume image automation that a rollback suspended.")
@click.argument("names", nargs=-1)
@pass_app
def resume(app: Application, names: tuple[str, ...]) -> None:
    """Resume the ImageUpdateAutomations NAMES (default: all) wherever a rollback held them:
    a `suspend: true` pinned in Git (--pin-in-git) is removed in a commit pushed without force,
    and the objects suspended in the cluster are resumed at once.

    Run it once a fixed image is tagged: the automation then writes the newest tag, which is
    the image the rollback removed if nothing newer was pushed.
    """
    from gitopsctl.git import Git
    from gitopsctl.rollback.resume import ResumeAutomation

    ResumeAutomation(Git(app.runner, app.repo), app.kube, app.config, app.repo, app.terminal).run(names)
