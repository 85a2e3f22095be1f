"""gitopsctl seal generic: any Secret, built like `kubectl create secret generic`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from gitopsctl.cli.common import pass_app
from gitopsctl.cli.seal.common import seal_and_deliver, sealing_options

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.command("generic", short_help="Seal a Secret from literals, files or an env file.")
@click.argument("name")
@click.option("-n", "--namespace", required=True, show_envvar=True, help="The Secret's namespace.")
@click.option(
    "--from-literal",
    "literals",
    multiple=True,
    metavar="KEY=VALUE",
    # A secret value: no GITOPSCTL_SEAL_GENERIC_LITERALS twin, which would add it to every seal.
    allow_from_autoenv=False,
    help="A value on the command line: it lands in your shell history; prefer --from-file.",
)
@click.option(
    "--from-file",
    "files",
    multiple=True,
    metavar="[KEY=]PATH",
    help="A file's bytes; the key defaults to the file name. '-' reads stdin.",
)
@click.option("--from-env-file", "env_files", multiple=True, metavar="PATH", help="KEY=VALUE lines.")
@click.option("--type", "secret_type", show_envvar=True, help="The Secret type [default: none, i.e. Opaque].")
@sealing_options
@pass_app
def generic(
    app: Application,
    name: str,
    namespace: str,
    literals: tuple[str, ...],
    files: tuple[str, ...],
    env_files: tuple[str, ...],
    secret_type: str | None,
    **options: Any,
) -> None:
    """Seal a Secret NAME built from --from-literal, --from-file and --from-env-file."""
    from gitopsctl.sealing.secret import Secret

    data = collect_data(literals, files, env_files)
    seal_and_deliver(app, [Secret(name=name, namespace=namespace, type=secret_type, data=data)], options)


def collect_data(literals: tuple[str, ...], files: tuple[str, ...], env_files: tuple[str, ...]) -> dict[str, bytes]:
    import os
    import sys

    from gitopsctl.errors import InputError
    from gitopsctl.redaction import register_secret
    from gitopsctl.sealing.secret import parse_env_file, read_file_bytes

    data: dict[str, bytes] = {}
    stdin_read_by = ""

    def add(key: str, value: bytes, origin: str) -> None:
        if key in data:
            raise InputError(f"key '{key}' is given twice ({origin})", hint="each key may appear once")
        register_secret(value)
        data[key] = value

    for literal in literals:
        key, separator, value = literal.partition("=")
        if not separator or not key:
            raise InputError("--from-literal takes KEY=VALUE", hint="e.g. --from-literal password=…")
        add(key, value.encode(), "--from-literal")
    for item in files:
        key, separator, path = item.partition("=")
        if not separator:
            key, path = os.path.basename(item), item
        if path == "-":
            if stdin_read_by:
                raise InputError(
                    f"--from-file {item} and --from-file {stdin_read_by} both read stdin, which can be read once",
                    hint="give all but one of them a file",
                )
            stdin_read_by = item
            add(key if separator else "stdin", sys.stdin.buffer.read(), "--from-file -")
        else:
            add(key, read_file_bytes(path, "--from-file"), f"--from-file {path}")
    for env_file in env_files:
        try:
            env_text = read_file_bytes(env_file, "--from-env-file").decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(
                f"--from-env-file {env_file}: not UTF-8 text",
                hint="save it as UTF-8, or seal binary values with --from-file KEY=PATH",
            ) from None
        for env_key, env_value in parse_env_file(env_text, env_file).items():
            add(env_key, env_value, f"--from-env-file {env_file}")
    if not data:
        raise InputError("no values to seal", hint="pass --from-literal, --from-file or --from-env-file")
    return data
