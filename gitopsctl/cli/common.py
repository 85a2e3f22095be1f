"""Options and helpers shared by several commands."""

from __future__ import annotations

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
