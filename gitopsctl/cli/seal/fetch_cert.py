"""gitopsctl seal fetch-cert: store the controller's certificate in the repository and pin it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gitopsctl.cli.common import pass_app
from gitopsctl.cli.seal.common import secret_store
from gitopsctl.cli.seal.controller_option import controller_api, controller_url_option

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.command("fetch-cert", short_help="Fetch the controller's certificate into the repo and pin it.")
@controller_url_option
@click.option("--force", is_flag=True, help="Accept a certificate that differs from the pinned one (re-pin).")
@pass_app
def fetch_cert(app: Application, controller_url: str | None, force: bool) -> None:
    """Fetch the sealing certificate, write it into the repository (it is public) and pin
    its SHA-256 fingerprint in gitopsctl.toml, so a swapped controller is noticed."""
    from gitopsctl.sealing.store import store_certificate

    store = secret_store(app)
    pinned = app.config.sealed_secrets.cert_fingerprints.get(app.cluster)
    store_certificate(store, controller_api(app, controller_url), pinned=pinned, force=force, progress=app.terminal)
