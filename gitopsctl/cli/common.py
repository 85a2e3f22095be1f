"""Options and helpers shared by several commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    pass


F = TypeVar("F", bound=Callable[..., Any])

# The Application is ctx.obj; pass_obj avoids importing it (and its imports) for --help.
pass_app = click.pass_obj


def output_option(function: F) -> F:
    """--output text|json for read-only commands: JSON goes alone to stdout."""
    return click.option(
        "-o",
        "--output",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        show_envvar=True,
        help="json writes exactly one JSON document to stdout.",
    )(function)


def namespaces_option(help: str) -> Callable[[F], F]:
    """-n/--namespace, repeatable, as the tuple ``namespaces``."""
    return click.option("-n", "--namespace", "namespaces", multiple=True, show_envvar=True, help=help)


def timeout_option(default: str = "5m") -> Callable[[F], F]:
    def decorate(function: F) -> F:
        return click.option(
            "--timeout",
            type=DURATION,
            default=default,
            show_default=True,
            show_envvar=True,
            help="How long to wait, e.g. 90s, 5m, 1h.",
        )(function)

    return decorate


class Duration(click.ParamType):
    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, int | float):
            return float(value)
        from gitopsctl.durations import parse_duration

        try:
            return parse_duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = Duration()


# The passphrase of a key backup: a prompt, stdin or this variable, never a flag (argv is public).
PASSPHRASE_ENV = "GITOPSCTL_KEYS_PASSPHRASE"
passphrase_stdin_option = click.option(
    "--passphrase-stdin", is_flag=True, help=f"Read the passphrase from stdin [default: {PASSPHRASE_ENV}, or a prompt]."
)


def secret_from_stdin(flag: str, what: str) -> str:
    """One secret piped to ``flag``, without its line ending; bytes that are not UTF-8 are
    refused without being echoed (they are the secret)."""
    from gitopsctl.errors import InputError

    try:
        return sys.stdin.buffer.read().decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise InputError(f"{flag}: {what} is not UTF-8 text", hint="pipe it as UTF-8") from None


def read_passphrase(from_stdin: bool, *, confirm: bool) -> str:
    """From stdin, the environment, or a hidden prompt: never from a flag, which is argv."""
    from gitopsctl.errors import InputError
    from gitopsctl.redaction import register_secret

    if from_stdin:
        passphrase = secret_from_stdin("--passphrase-stdin", "the passphrase")
    elif os.environ.get(PASSPHRASE_ENV):
        passphrase = os.environ[PASSPHRASE_ENV]
    else:
        passphrase = click.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm, err=True)
    if len(passphrase) < 8:
        raise InputError(
            "the passphrase is shorter than 8 characters",
            hint=f"use a long one: it is all that protects the keys (--passphrase-stdin or {PASSPHRASE_ENV})",
        )
    register_secret(passphrase)
    return passphrase
