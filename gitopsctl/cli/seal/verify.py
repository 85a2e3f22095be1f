"""gitopsctl seal verify: can the controller open every SealedSecret in the repository?"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gitopsctl.cli.common import output_option, pass_app
from gitopsctl.cli.seal.controller_option import controller_api, controller_url_option
from gitopsctl.errors import Exit, ExitCode

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.command("verify", short_help="Ask the controller whether it can decrypt each SealedSecret.")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@controller_url_option
@output_option
@pass_app
def verify(app: Application, paths: tuple[str, ...], controller_url: str | None, output: str) -> None:
    """Ask the controller (/v1/verify) about every SealedSecret in PATHS [default: the repository].

    Exits 4 when any cannot be decrypted.
    """
    from gitopsctl.sealing.controller import CannotDecrypt
    from gitopsctl.sealing.discovery import files_holding_sealed_secrets, sealed_secrets_in

    api = controller_api(app, controller_url)
    results: list[dict[str, str | bool]] = []
    everything = (
        (path, sealed)
        for path in files_holding_sealed_secrets(paths or (str(app.repo),))
        for sealed in sealed_secrets_in(path)
    )
    for path, sealed in everything:
        metadata = sealed.get("metadata") or {}
        where = f"{metadata.get('namespace', '')}/{metadata.get('name', '?')}"
        try:
            api.verify(sealed)
            results.append({"file": str(path), "secret": where, "ok": True, "detail": "decrypts"})
        except CannotDecrypt as error:
            results.append({"file": str(path), "secret": where, "ok": False, "detail": str(error)})
    failed = [r for r in results if not r["ok"]]
    if output == "json":
        app.terminal.emit_json({"results": results, "ok": not failed})
    else:
        from gitopsctl.cli.terminal import glyph
        from gitopsctl.status import Status

        rows = [
            [glyph(Status.OK if r["ok"] else Status.FAILED), str(r["secret"]), str(r["file"]), str(r["detail"])]
            for r in results
        ]
        app.terminal.table(["", "SEALEDSECRET", "FILE", "RESULT"], rows)
        if failed:
            app.terminal.failure(
                f"{len(failed)} of {len(results)} cannot be decrypted by {api.where}; "
                "re-seal them with the current certificate"
            )
        else:
            app.terminal.success(f"{api.where} can decrypt all {len(results)} sealed secret(s)")
    if failed:
        raise Exit(ExitCode.UNHEALTHY)
