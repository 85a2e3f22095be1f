"""What every sealing command shares: the options, the certificate, and writing the result."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from gitopsctl.errors import InputError

if TYPE_CHECKING:
    from gitopsctl.cli.application import Application

F = TypeVar("F", bound=Callable[..., Any])


def sealing_options(function: F) -> F:
    options = [
        click.option(
            "--scope",
            type=click.Choice(["strict", "namespace-wide", "cluster-wide"]),
            default="strict",
            show_default=True,
            show_envvar=True,
            help="strict binds to name and namespace; namespace-wide to the namespace; cluster-wide to nothing.",
        ),
        click.option("--cert", show_envvar=True, help="Certificate file or URL [default: repository, then cluster]."),
        click.option("--stdout", "to_stdout", is_flag=True, help="Print the SealedSecret YAML instead of writing it."),
        click.option(
            "--merge-into",
            type=click.Path(dir_okay=False),
            help="Add or replace keys in this existing SealedSecret file; others stay untouched.",
        ),
        click.option("--force", is_flag=True, help="Replace an existing sealed secret file."),
        click.option("--dry-run", is_flag=True, help="Seal, but write nothing; say where it would go."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def sealing_certificate(app: Application, cert_option: str | None):
    from gitopsctl.sealing import sources

    if cert_option and not app.in_repository:
        # Sealing to stdout with --cert works anywhere: no repository, no pin, no cluster.
        return sources.sealing_certificate(
            cert_option=cert_option, repo_cert=None, controller=None, pinned=None, cluster="", progress=app.terminal
        )
    from gitopsctl.cli.seal.controller_option import controller_api

    repo_cert = None if cert_option else secret_store(app).certificate_path
    ask_controller = not cert_option and not (repo_cert and repo_cert.is_file())
    return sources.sealing_certificate(
        cert_option=cert_option,
        repo_cert=repo_cert,
        controller=controller_api(app, None) if ask_controller else None,
        pinned=app.config.sealed_secrets.cert_fingerprints.get(app.cluster),
        cluster=app.cluster,
        progress=app.terminal,
    )


def secret_store(app: Application):
    from gitopsctl.sealing.store import SealedSecretStore

    return SealedSecretStore(app.repo, app.config.sealed_secrets.secrets_dir, app.cluster)


def seal_and_deliver(app: Application, secrets: list[Any], options: dict[str, Any]) -> None:
    """Seal ``secrets`` and print or write them as the common options ask."""
    from gitopsctl.sealing.scope import Scope
    from gitopsctl.sealing.sealedsecret import seal
    from gitopsctl.yamlfiles import dump_all

    if options["merge_into"] and len(secrets) != 1:
        raise InputError("--merge-into takes exactly one secret", hint="seal one namespace at a time (--namespace)")
    for secret in secrets:
        secret.check_size()
    certificate = sealing_certificate(app, options["cert"])
    if app.terminal.verbosity:  # the fingerprint costs an import that sealing itself does not need
        app.terminal.debug(f"sealing with the certificate {certificate.fingerprint}")
    scope = Scope(options["scope"])
    sealed_objects = [seal(secret, certificate.public_key, scope) for secret in secrets]
    if options["to_stdout"]:
        if options["merge_into"]:  # the whole merged file, as it would be written
            from pathlib import Path

            from gitopsctl.sealing.store import merge_into_file

            app.terminal.emit_text(merge_into_file(Path(options["merge_into"]), sealed_objects[0])[1])
        else:
            app.terminal.emit_text(dump_all(sealed_objects))
        return
    from gitopsctl.files import FileChanges, repository_lock

    store = secret_store(app)
    changes = FileChanges()
    # From reading what exists to the last kustomization.yaml edit, one command at a time.
    with repository_lock(app.repo):
        if options["merge_into"]:
            from pathlib import Path

            from gitopsctl.sealing.store import Placement, merge_into_file

            target = Path(options["merge_into"])
            merged, text = merge_into_file(target, sealed_objects[0])
            placements = [Placement(merged, target)]
            changes.write(target, text)
            listing = None
        else:
            placements = store.place(sealed_objects, force=options["force"])
            listing = store.plan(placements, changes)
        if options["dry_run"]:
            for placement in placements:
                app.terminal.info(f"would write {store.relative(placement.path)} (dry run)")
            if listing:
                app.terminal.info(f"would add {_files(listing.added)} to {store.relative(listing.path)} (dry run)")
            return
        changes.apply(app.repo)
    try:
        _report(app, placements, listing, store, scope.value)
    except KeyboardInterrupt:
        from gitopsctl.errors import Interrupted

        raise Interrupted(
            f"interrupted after all {len(changes)} file(s) were written: the change is complete"
        ) from None


def _report(app: Application, placements: list[Any], listing: Any, store: Any, scope: str) -> None:
    for placement in placements:
        sealed = placement.sealed
        keys = ", ".join(sorted(sealed["spec"]["encryptedData"]))
        app.terminal.success(
            f"sealed {sealed['metadata'].get('namespace', '')}/{sealed['metadata']['name']} "
            f"({scope}; keys: {keys}) → {store.relative(placement.path)}"
        )
    if listing:
        app.terminal.info(f"  added {_files(listing.added)} to {store.relative(listing.path)}")
    app.terminal.info("next: review, then git add, commit and push; Flux applies it on the next sync")


def _files(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{len(names)} files"


def namespaces_or_default(app: Application, namespaces: tuple[str, ...], *, with_flux: bool) -> list[str]:
    if namespaces:
        return list(dict.fromkeys(namespaces))
    chosen = list(app.config.apps.namespaces)
    if with_flux:
        chosen.append(app.config.flux.namespace)
    return list(dict.fromkeys(chosen))
