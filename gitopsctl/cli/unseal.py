"""gitopsctl unseal: offline recovery with the controller's backed-up private keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gitopsctl.cli.common import pass_app

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.command(short_help="Decrypt SealedSecrets offline with backed-up controller keys.")
@click.argument("source", metavar="FILE")
@click.option(
    "--private-key",
    "private_keys",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="A controller key (tls.key of a sealed-secrets-key Secret); repeatable.",
)
@click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@pass_app
def unseal(app: Application, source: str, private_keys: tuple[str, ...], output: str) -> None:
    """Print the Secrets that the SealedSecrets in FILE ('-' for stdin) decrypt to.

    What kubeseal --recovery-unseal does, for disaster recovery: the output holds plaintext,
    so send it straight to kubectl apply, not to a file in the repository.
    """
    import sys

    from gitopsctl.sealing.sealedsecret import load_private_keys
    from gitopsctl.sealing.sealedsecret import unseal as open_sealed
    from gitopsctl.sealing.secret import read_file_bytes
    from gitopsctl.yamlfiles import dump_all, load_yaml_documents

    keys = load_private_keys([(path, read_file_bytes(path, "--private-key")) for path in private_keys])
    raw = sys.stdin.buffer.read() if source == "-" else read_file_bytes(source, "sealed secret file")
    where = "stdin" if source == "-" else source
    documents = [d for d in load_yaml_documents(raw, where) if isinstance(d, dict)]
    items: list[dict[str, object]] = []
    for document in documents:
        inner = document.get("items") if document.get("kind") == "List" else [document]
        items.extend(open_sealed(item, keys, where) for item in inner or [])
    # Plaintext output is the point of this command: it is data, so it goes to stdout only.
    if output == "json":
        app.terminal.emit_json(items[0] if len(items) == 1 else {"apiVersion": "v1", "kind": "List", "items": items})
    else:
        app.terminal.emit_text(dump_all(items))
