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

    Values never leave the controller in plaintext; each file is rewritten atomically.
    """
    from collections import defaultdict
    from pathlib import Path

    from gitopsctl.cli.seal.verify import iter_sealed
    from gitopsctl.files import write_atomically
    from gitopsctl.yamlout import dump_all

    api = controller_api(app, controller_url)
    by_file: dict[Path, list[dict]] = defaultdict(list)
    for path, sealed in iter_sealed(app, paths):
        by_file[path].append(api.rotate(sealed))
    for path, documents in by_file.items():
        if dry_run:
            app.terminal.info(f"would rewrite {path} ({len(documents)} sealed secret(s))")
            continue
        write_atomically(path, dump_all(documents))
        app.terminal.success(f"re-encrypted {path} ({len(documents)} sealed secret(s))")
    if not by_file:
        app.terminal.warning("no SealedSecrets found")
