"""gitopsctl seal reencrypt: re-seal with the controller's newest key after key renewal."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gitopsctl.cli.common import pass_app
from gitopsctl.cli.seal.controller_option import controller_api, controller_url_option

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.command("reencrypt", short_help="Re-encrypt SealedSecrets with the controller's newest key.")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@controller_url_option
@click.option("--dry-run", is_flag=True, help="Ask the controller, but write nothing.")
@pass_app
def reencrypt(app: Application, paths: tuple[str, ...], controller_url: str | None, dry_run: bool) -> None:
    """Re-encrypt every SealedSecret in PATHS [default: the repository] with /v1/rotate.

    Values never leave the controller in plaintext; each file is rewritten atomically, and
    only its SealedSecrets change: other documents and comments in it stay as they were.
    """
    import contextlib
    from pathlib import Path

    from gitopsctl.files import FileChanges, repository_lock
    from gitopsctl.sealing.controller import checked_rotation
    from gitopsctl.sealing.discovery import files_holding_sealed_secrets
    from gitopsctl.yamlfiles import read_text, rewrite_documents

    api = controller_api(app, controller_url)
    # Read, rotate and rewrite each file while no other gitopsctl command writes the repository.
    with repository_lock(app.repo) if app.in_repository else contextlib.nullcontext():
        planned: list[tuple[Path, str, int]] = []
        for path in files_holding_sealed_secrets(paths or (str(app.repo),)):

            def rotate(document: object) -> object | None:
                if isinstance(document, dict) and document.get("kind") == "SealedSecret":
                    return checked_rotation(document, api.rotate(document))
                return None

            text, count = rewrite_documents(read_text(path), str(path), rotate)
            if count:
                planned.append((path, text, count))
        changes = FileChanges()
        for path, text, count in planned:
            if dry_run:
                app.terminal.info(f"would rewrite {path} ({count} sealed secret(s))")
            changes.write(path, text)
        if not dry_run:
            changes.apply(app.repo if app.in_repository else None)
            for path, _, count in planned:
                app.terminal.success(f"re-encrypted {path} ({count} sealed secret(s))")
    if not planned:
        app.terminal.warning("no SealedSecrets found")
