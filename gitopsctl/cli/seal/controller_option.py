"""Choosing how to reach the Sealed Secrets controller."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application


F = TypeVar("F", bound=Callable[..., Any])


def controller_url_option(function: F) -> F:
    return click.option(
        "--controller-url",
        show_envvar=True,
        help="Talk to the controller at this URL (e.g. a port-forward) instead of through the API server.",
    )(function)


def controller_api(app: Application, url: str | None):
    from gitopsctl.sealing.controller import DirectController, ProxiedController
    from gitopsctl.sealing.sources import Controller

    if url:
        return DirectController(url)
    settings = app.config.sealed_secrets
    controller = Controller(settings.controller_name, settings.controller_namespace)
    return ProxiedController(app.kube, controller, warn=app.terminal.warning)
