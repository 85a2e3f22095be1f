"""The command-line interface: a thin layer over the domain modules.

Commands are imported only when invoked (or listed by --help), keeping start-up fast.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from gitopsctl import __version__
from gitopsctl.cli.common import DURATION
from gitopsctl.cli.loader import LazyGroup
from gitopsctl.errors import Exit, ExitCode, GitopsctlError

# One module (or package) per command, as in pypa/hatch; listed in --help in this order.
COMMANDS = {
    "bootstrap": "gitopsctl.cli.bootstrap:bootstrap",
    "doctor": "gitopsctl.cli.doctor:doctor",
    "history": "gitopsctl.cli.history:history",
    "images": "gitopsctl.cli.images:images",
    "keys": "gitopsctl.cli.keys:keys",
    "init": "gitopsctl.cli.init:init",
    "rollback": "gitopsctl.cli.rollback:rollback",
    "seal": "gitopsctl.cli.seal:seal",
    "sync": "gitopsctl.cli.sync:sync",
    "unseal": "gitopsctl.cli.unseal:unseal",
    "verify": "gitopsctl.cli.verify:verify",
}


class RootGroup(LazyGroup):
    """The top-level group: where every error becomes one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exit as done:
            ctx.exit(done.exit_code)
        except GitopsctlError as error:
            _terminal(ctx).failure(str(error))
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            _terminal(ctx).failure("interrupted")
            ctx.exit(ExitCode.INTERRUPTED)
        except click.exceptions.Abort as abort:
            if isinstance(abort.__context__, KeyboardInterrupt):  # Ctrl-C at a prompt
                _terminal(ctx).failure("interrupted")
                ctx.exit(ExitCode.INTERRUPTED)
            raise
        except (click.exceptions.ClickException, click.exceptions.Exit):
            raise
        except OSError as error:  # a path the operator named or a file system that refused: not a bug
            from gitopsctl.redaction import redact

            where = f"{error.filename}: " if error.filename else ""
            _terminal(ctx).failure(redact(f"{where}{error.strerror or error}: check the path and its permissions"))
            ctx.exit(ExitCode.FAILED)
        except Exception as error:  # the last line of defence: one redacted line
            _report_bug(ctx, error)
            ctx.exit(ExitCode.FAILED)


def _report_bug(ctx: click.Context, error: Exception) -> None:
    """An unexpected error: one redacted line, and the redacted traceback with -vv."""
    import traceback

    from gitopsctl.redaction import redact

    terminal = _terminal(ctx)
    terminal.failure(f"unexpected error: {type(error).__name__}: {redact(str(error))}")
    if terminal.verbosity >= 2:
        terminal.info(redact("".join(traceback.format_exception(error))))
    else:
        terminal.info("this is a bug in gitopsctl: please report it with the output of -vv")


def _terminal(ctx: click.Context):
    from gitopsctl.cli.terminal import Terminal

    return getattr(ctx.obj, "terminal", None) or Terminal()


@click.group(
    cls=RootGroup,
    lazy_commands=COMMANDS,
    context_settings={"auto_envvar_prefix": "GITOPSCTL", "help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "--version", prog_name="gitopsctl")
@click.option("-v", "--verbose", count=True, show_envvar=True, help="Show each external command (redacted).")
@click.option("-q", "--quiet", is_flag=True, show_envvar=True, help="Print only errors and requested data.")
@click.option("--no-color", is_flag=True, show_envvar=True, help="No colours or spinners (NO_COLOR is honoured).")
@click.option(
    "--repo",
    type=click.Path(file_okay=False),
    show_envvar=True,
    help="The GitOps repository [default: the git top level of the current directory].",
)
@click.option(
    "--cluster",
    show_envvar=True,
    help="The cluster's folder under the clusters directory [default: from gitopsctl.toml, or production].",
)
@click.option(
    "--clusters-dir",
    show_envvar=True,
    help="The folder holding the cluster folders [default: cluster.clusters_dir in gitopsctl.toml, "
    "else flux/clusters or clusters, whichever has the cluster].",
)
@click.option(
    "--context",
    "kube_context",
    envvar="GITOPSCTL_CONTEXT",
    show_envvar=True,
    help="kubeconfig context for kubectl, helm and flux.",
)
@click.option(
    "--kubeconfig",
    type=click.Path(dir_okay=False),
    show_envvar=True,
    help="kubeconfig for kubectl, helm and flux.",
)
@click.option(
    "--request-timeout",
    type=DURATION,
    default="15s",
    show_default=True,
    show_envvar=True,
    help="How long one API server request may take before the cluster counts as unreachable.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    verbose: int,
    quiet: bool,
    no_color: bool,
    repo: str | None,
    cluster: str | None,
    clusters_dir: str | None,
    kube_context: str | None,
    kubeconfig: str | None,
    request_timeout: float,
) -> None:
    """Bootstrap, seal, verify and roll back a Flux GitOps cluster.

    Exit codes: 0 ok, 1 operation failed, 2 usage or input error, 3 prerequisites missing,
    4 unhealthy or timed out, 130 interrupted.
    """
    import os

    from gitopsctl.cli.application import Application
    from gitopsctl.cli.terminal import Terminal

    color = not no_color and not os.environ.get("NO_COLOR")
    terminal = Terminal(verbosity=verbose, quiet=quiet, color=color)
    ctx.obj = Application(
        terminal=terminal,
        repo=repo,
        cluster=cluster,
        clusters_dir=clusters_dir,
        context=kube_context,
        kubeconfig=kubeconfig,
        request_timeout=f"{request_timeout:g}s",  # kubectl's spelling
    )


def main() -> None:
    try:
        cli.main(prog_name="gitopsctl")
    except KeyboardInterrupt:
        sys.stderr.write("✗ interrupted\n")
        _exit_now(ExitCode.INTERRUPTED)
    except SystemExit as exit:
        if exit.code == ExitCode.INTERRUPTED:
            _exit_now(ExitCode.INTERRUPTED)
        raise


def _exit_now(code: int) -> None:
    """Leave at once after Ctrl-C, once the command has restored what it must and said so.

    A child interrupted while it was being started leaves sh's watcher and timeout threads
    behind, and a normal exit would wait for them (up to the child's timeout).
    """
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
