"""gitopsctl seal file: seal existing Secret manifests (one, several, or a List)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from gitopsctl.cli.common import pass_app
from gitopsctl.cli.seal.common import seal_and_deliver, sealing_options

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.command("file", short_help="Seal Secret manifests from a file or stdin.")
@click.argument("source", metavar="SECRET.yaml")
@click.option("-n", "--namespace", show_envvar=True, help="Namespace for Secrets that do not name one.")
@sealing_options
@pass_app
def seal_file(app: Application, source: str, namespace: str | None, **options: Any) -> None:
    """Seal the Secrets in SECRET.yaml (YAML or JSON, multi-document or a List; '-' is stdin)."""
    from gitopsctl.errors import InputError
    from gitopsctl.redaction import register_secret
    from gitopsctl.sealing.secret import read_file_bytes, secrets_from_manifests
    from gitopsctl.yamlfiles import load_yaml_documents

    raw = sys.stdin.buffer.read() if source == "-" else read_file_bytes(source, "secret file")
    register_secret(raw)
    where = "stdin" if source == "-" else source
    secrets = secrets_from_manifests(load_yaml_documents(raw, where), where)
    for secret in secrets:
        if namespace and secret.namespace and secret.namespace != namespace:
            raise InputError(
                f"{where}: Secret {secret.name} is in namespace {secret.namespace}, not {namespace}",
                hint="drop --namespace or fix the manifest",
            )
        secret.namespace = secret.namespace or namespace or ""
    seal_and_deliver(app, secrets, options)
