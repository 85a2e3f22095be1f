"""gitopsctl history: the recent commits that change what the cluster runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from gitopsctl.cli.common import output_option, pass_app

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.command(short_help="Recent commits that change what the cluster runs, to pick one to roll back.")
@click.option("-n", "--max-count", "count", default=20, show_default=True, show_envvar=True, type=click.IntRange(1))
@output_option
@pass_app
def history(app: Application, count: int, output: str) -> None:
    """List recent commits touching the cluster folder or any file Flux builds from (bases and
    patches included), marking image automation bumps, earlier rollbacks, and the commit the
    cluster has applied."""
    from gitopsctl.flux.automation import automation_manifests
    from gitopsctl.git import COMMIT_FORMAT, Git, parse_commits
    from gitopsctl.rollback.revert import TRAILER

    paths = cluster_paths(app)
    git = Git(app.runner, app.repo)
    commits = parse_commits(git.run("log", f"-n{count}", f"--format={COMMIT_FORMAT}", "--", *paths))
    manifests, unreadable = automation_manifests(app.repo)
    for problem in unreadable:
        app.terminal.warning(f"{problem.message}: image automation commits may not be marked")
    bots = {a for m in manifests for a in (m.author_name, m.author_email) if a}
    applied = applied_commit(app)
    rows: list[dict[str, Any]] = []
    for commit in commits:
        marks = []
        if commit.author_name in bots or commit.author_email in bots:
            marks.append("image-bump")
        rolled = [line.split(":", 1)[1].strip() for line in commit.body.splitlines() if line.startswith(TRAILER)]
        if rolled:
            marks.append(f"rollback-of {rolled[0][:8]}")
        if applied and commit.sha == applied:
            marks.append("applied")
        rows.append(
            {
                "sha": commit.sha,
                "date": commit.date,
                "author": commit.author_name,
                "subject": commit.subject,
                "marks": marks,
            }
        )
    if output == "json":
        app.terminal.emit_json({"applied": applied, "commits": rows})
        return
    app.terminal.table(
        ["SHA", "DATE", "AUTHOR", "SUBJECT", ""],
        [[r["sha"][:8], r["date"][:19], r["author"], r["subject"][:60], " ".join(r["marks"])] for r in rows],
    )
    if not applied:
        app.terminal.info("(the applied commit is unknown: the cluster could not be asked)")


def cluster_paths(app: Application) -> list[str]:
    """The cluster folder and every file that contributes to what its Kustomizations apply (bases,
    components, patches, generator files, values), as Flux builds them; a folder counts whole."""
    from gitopsctl.flux.build import Builder

    cluster = Builder.for_config(app.runner, app.repo, app.config).build_cluster(app.cluster_dir())
    return sorted({app.cluster_path, *cluster.applied_by(app.repo)})


def applied_commit(app: Application) -> str:
    from gitopsctl.errors import GitopsctlError
    from gitopsctl.flux.objects import KUSTOMIZATION, FluxObject, revision_sha

    try:
        items = app.kube.get_all([KUSTOMIZATION], namespace=app.config.flux.namespace)
    except GitopsctlError:
        return ""
    for item in items:
        kustomization = FluxObject.from_json(item)
        if kustomization.name == "flux-system":
            return revision_sha(kustomization.last_applied_revision)
    return ""
