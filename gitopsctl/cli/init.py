"""gitopsctl init: a new GitOps repository in the reference layout, with the operator's values."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gitopsctl.cli.common import namespaces_option, pass_app

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.command(short_help="Write a new GitOps repository in the reference layout.")
@click.argument("directory", type=click.Path(file_okay=False), default=".")
@click.option("--owner", show_envvar=True, help="GitHub user or organisation [default: GITHUB_USER; prompted].")
@click.option("--repository", show_envvar=True, help="GitHub repository [default: the folder's name; prompted].")
@click.option("--branch", default="main", show_default=True, show_envvar=True, help="Branch Flux syncs.")
@click.option(
    "--personal/--organization", default=True, show_default=True, show_envvar=True, help="The owner is a user."
)
@click.option("--hostname", default="github.com", show_default=True, show_envvar=True, help="GitHub (Enterprise) host.")
@click.option(
    "--ssh-hostname",
    default="",
    show_envvar=True,
    help="GitHub Enterprise: HOST[:PORT] of git over SSH, if not --hostname.",
)
@click.option(
    "--ca-file",
    default="",
    type=click.Path(dir_okay=False),
    show_envvar=True,
    help="GitHub Enterprise: the CA bundle that signed the host's certificate.",
)
@click.option(
    "--registry", default="192.168.0.40:5000", show_default=True, show_envvar=True, help="Image registry HOST[:PORT]."
)
@click.option(
    "--insecure-registry/--tls-registry",
    default=True,
    show_default=True,
    show_envvar=True,
    help="The registry speaks plain HTTP.",
)
@click.option(
    "--image-project", default="homelab", show_default=True, show_envvar=True, help="Registry project of the images."
)
@namespaces_option("App namespace; repeat for more (the first runs the apps) [default: default].")
@click.option("--vm-host", default="192.168.0.50", show_default=True, show_envvar=True, help="Backend VM address.")
@click.option("--vm-user", default="deploy", show_default=True, show_envvar=True, help="SSH user on the backend VM.")
@click.option(
    "--ingress-host", default="homelab.lan", show_default=True, show_envvar=True, help="Host name the ingress serves."
)
@click.option("--force", is_flag=True, help="Write into a folder that is not empty (files of the same name replaced).")
@pass_app
def init(
    app: Application,
    directory: str,
    owner: str | None,
    repository: str | None,
    branch: str,
    personal: bool,
    hostname: str,
    ssh_hostname: str,
    ca_file: str,
    registry: str,
    insecure_registry: bool,
    image_project: str,
    namespaces: tuple[str, ...],
    vm_host: str,
    vm_user: str,
    ingress_host: str,
    force: bool,
) -> None:
    """Write the five Flux Kustomizations in dependency order, the apps, image automation, the
    sealed-secrets folder and gitopsctl.toml into DIRECTORY (created if missing), with no pinned
    certificate and no sealed files; make it a git repository with origin set if it is not one.

    The cluster folder is named by the global --cluster (default production).
    """
    import os
    from pathlib import Path

    from gitopsctl.errors import InputError
    from gitopsctl.git import Git
    from gitopsctl.scaffold import Layout, conflicts, initialise_git, render, write

    target = Path(directory).resolve()
    owner = owner or os.environ.get("GITHUB_USER") or _ask(app, "GitHub owner (user or organisation)", "--owner")
    repository = repository or _ask(app, "GitHub repository", "--repository", default=target.name)
    layout = Layout(
        owner=owner,
        repository=repository,
        branch=branch,
        personal=personal,
        hostname=hostname,
        ssh_hostname=ssh_hostname,
        ca_file=str(Path(ca_file).resolve()) if ca_file else "",
        cluster=app.cluster_choice or "production",
        registry=registry,
        insecure=insecure_registry,
        image_project=image_project,
        namespaces=namespaces or ("default",),
        vm_host=vm_host,
        vm_user=vm_user,
        ingress_host=ingress_host,
    )
    files = render(layout)
    present = conflicts(target, files)
    if present and not force:
        raise InputError(
            f"{target} is not empty ({', '.join(present[:3])}{', …' if len(present) > 3 else ''})",
            hint="name a new or empty folder, or pass --force to write the layout into it",
        )
    write(target, files)
    terminal = app.terminal
    terminal.success(
        f"wrote {len(files)} files to {target}: cluster {layout.cluster}, apps in {layout.namespaces[0]}, "
        f"images from {layout.registry}/{layout.image_project}"
    )
    if initialise_git(Git(app.runner, target), layout):
        terminal.success(f"initialised a git repository on {layout.branch} with origin {layout.push_url}")
    terminal.info("Next:")
    terminal.info(f"  1. create the empty repository {layout.owner}/{layout.repository} on {layout.hostname}")
    terminal.info(
        f"  2. cd {directory} && git add -A && git commit -m 'GitOps layout from gitopsctl init' "
        f"&& git push -u origin {layout.branch}"
    )
    terminal.info("  3. gitopsctl doctor, then gitopsctl bootstrap: it lists the secrets to seal")


def _ask(app: Application, question: str, option: str, default: str | None = None) -> str:
    """Prompt on a terminal; elsewhere the missing value is an input error naming the option."""
    import sys

    from gitopsctl.errors import InputError

    if not sys.stdin.isatty() or not app.terminal.interactive:
        if default:
            return default
        raise InputError(f"{option} is required", hint=f"pass {option} (or run gitopsctl init on a terminal)")
    answer: str = click.prompt(question, default=default, err=True)
    return answer.strip()
