"""gitopsctl seal harbor-creds: registry credentials for image pulls and image scans."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from gitopsctl.cli.common import namespaces_option, pass_app, secret_from_stdin
from gitopsctl.cli.seal.common import namespaces_or_default, seal_and_deliver, sealing_options

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


@click.command("harbor-creds", short_help="Seal registry credentials (dockerconfigjson).")
@click.option("--username", required=True, show_envvar=True, help="Registry user, e.g. robot$project+ci (quoted).")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin instead of prompting.")
@click.option("--registry", show_envvar=True, help="host[:port] as in image references [default: registry.host].")
@namespaces_option("Namespace to seal for; repeatable [default: apps.namespaces and flux-system].")
@click.option("--name", default="harbor-credentials", show_default=True, show_envvar=True, help="Secret name.")
@click.option(
    "--no-check",
    is_flag=True,
    show_envvar=True,
    help="Seal without logging in to the registry first (an offline laptop).",
)
@sealing_options
@pass_app
def harbor_creds(
    app: Application,
    username: str,
    password_stdin: bool,
    registry: str | None,
    namespaces: tuple[str, ...],
    name: str,
    no_check: bool,
    **options: Any,
) -> None:
    """Seal a kubernetes.io/dockerconfigjson Secret once per namespace that needs it.

    The password is prompted for (hidden, twice) or read with --password-stdin; it never
    appears in a command line, a file other than the sealed output, or a log. The registry is
    asked first, as docker login does (over plain HTTP when registry.insecure is true), and
    credentials it rejects are not sealed.
    """
    from gitopsctl.errors import InputError
    from gitopsctl.redaction import register_secret
    from gitopsctl.sealing.secret import DOCKER_CONFIG_JSON, Secret, docker_config_json

    if password_stdin:
        password = secret_from_stdin("--password-stdin", "the password")
    else:
        password = click.prompt("Registry password", hide_input=True, confirmation_prompt=True, err=True)
    if not password:
        raise InputError("the registry password is empty", hint="pipe it to --password-stdin or type it at the prompt")
    register_secret(password)
    host = registry or app.config.registry.host
    config_json = docker_config_json(host, username, password)
    if not no_check:
        from gitopsctl.registry import check_login

        with app.terminal.step(f"logging in to {host}"):
            answer = check_login(host, username, password, insecure=app.config.registry.insecure)
        if answer.auth == "none":
            app.terminal.warning(f"{host} asks for no credentials: they were not checked")
    secrets = [
        Secret(name=name, namespace=namespace, type=DOCKER_CONFIG_JSON, data={".dockerconfigjson": config_json})
        for namespace in namespaces_or_default(app, namespaces, with_flux=True)
    ]
    seal_and_deliver(app, secrets, options)
