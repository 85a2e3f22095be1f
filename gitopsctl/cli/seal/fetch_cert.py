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
    store_certificate(app, controller_api(app, controller_url), force=force)


def store_certificate(app: Application, api, *, force: bool) -> None:
    """Shared with bootstrap, which stores the certificate of the controller it installed."""
    from gitopsctl.config import pin_fingerprint
    from gitopsctl.files import write_atomically
    from gitopsctl.sealing.certificate import load_certificate
    from gitopsctl.sealing.sources import check_pin

    certificate = load_certificate(api.certificate(), source=api.where)
    pinned = app.config.sealed_secrets.cert_fingerprints.get(app.cluster)
    if not force:
        check_pin(certificate, pinned, api.where, app.cluster)
    store = secret_store(app)
    path = store.certificate_path
    if path.is_file() and path.read_bytes() == certificate.pem and pinned == certificate.fingerprint:
        app.terminal.success(f"certificate unchanged ({certificate.fingerprint}) in {store.relative(path)}")
        return
    write_atomically(path, certificate.pem.decode())
    pin_fingerprint(app.repo, app.cluster, certificate.fingerprint)
    app.terminal.success(f"wrote {store.relative(path)} and pinned {certificate.fingerprint} in gitopsctl.toml")
    if certificate.expires_soon():
        app.terminal.warning(f"the certificate expires on {certificate.not_after:%Y-%m-%d}")
    app.terminal.info("next: commit both files; the certificate is public and belongs in git")
