"""What bootstrap runs, as data: the flux and helm command lines, and what the cluster already has.

Kept apart from the terminal so the plan can be printed (--dry-run), tested, and compared
with the cluster to resume a bootstrap that stopped half-way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from gitopsctl.config import Config
from gitopsctl.durations import format_duration
from gitopsctl.errors import InputError
from gitopsctl.flux.objects import (
    DEFAULT_COMPONENTS,
    DEPLOYMENT,
    GIT_REPOSITORY,
    KUSTOMIZATION,
    FluxObject,
    repository_path,
    revision_sha,
)
from gitopsctl.git import ssh_push_url
from gitopsctl.kube import Kube
from gitopsctl.versions import parse_version

HELM_REPO_ALIAS = "sealed-secrets"
# flux install labels its namespace (and every component) with the Flux version it installed.
FLUX_VERSION_LABEL = "app.kubernetes.io/version"


def keep_the_keys_advice() -> str:
    """How to move or reinstall Flux without losing the Sealed Secrets controller's keys.

    A plain `flux uninstall` deletes the Flux namespace, and with it the controller and its
    private keys when (as here) it lives there: every SealedSecret in Git becomes undecryptable.
    """
    return (
        "back up the sealing keys first (gitopsctl keys backup --to FILE, outside the repository), "
        "then flux uninstall --keep-namespace and gitopsctl bootstrap --restore-keys FILE"
    )


@dataclass(frozen=True)
class BootstrapSettings:
    owner: str
    repository: str
    branch: str
    remote: str
    personal: bool
    hostname: str
    ssh_hostname: str
    ca_file: str
    path: str
    components: tuple[str, ...]
    components_extra: tuple[str, ...]
    flux_version: str
    flux_namespace: str
    release: str
    chart_repo: str
    chart_name: str
    chart_version: str
    controller_name: str
    controller_namespace: str
    timeout: float

    @classmethod
    def from_config(
        cls,
        config: Config,
        path: str,
        *,
        owner: str | None = None,
        repository: str | None = None,
        branch: str | None = None,
        personal: bool | None = None,
        flux_version: str | None = None,
        timeout: float = 300.0,
    ) -> BootstrapSettings:
        """gitopsctl.toml's settings, each overridden by the value given (a flag's, say)."""
        github = config.github
        chosen_owner = owner or github.owner
        chosen_repository = repository or github.repository
        if not chosen_owner or not chosen_repository:
            raise InputError(
                "the GitHub owner and repository are not known",
                hint="pass --owner and --repository or set github.owner and github.repository in gitopsctl.toml",
            )
        sealed = config.sealed_secrets
        return cls(
            owner=chosen_owner,
            repository=chosen_repository,
            branch=branch or github.branch,
            remote=github.remote,
            personal=github.personal if personal is None else personal,
            hostname=github.hostname,
            ssh_hostname=github.ssh_hostname,
            ca_file=config.github_ca_file,
            path=path,
            components=tuple(config.flux.components),
            components_extra=tuple(config.flux.components_extra),
            flux_version=flux_version or config.flux.version,
            flux_namespace=config.flux.namespace,
            release=sealed.release_name,
            chart_repo=sealed.chart_repo,
            chart_name=sealed.chart_name,
            chart_version=sealed.chart_version,
            controller_name=sealed.controller_name,
            controller_namespace=sealed.controller_namespace,
            timeout=timeout,
        )

    @property
    def sync_path(self) -> str:
        relative = repository_path(self.path)
        return "./" if relative == "." else f"./{relative}"

    @property
    def push_url(self) -> str:
        """Where the operator's clone pushes: the repository flux bootstrap syncs."""
        return ssh_push_url(self.ssh_hostname or self.hostname, self.owner, self.repository)

    @property
    def repository_url(self) -> str:
        """The URL the cluster syncs from, as flux bootstrap writes it."""
        return f"ssh://git@{self.ssh_hostname or self.hostname}/{self.owner}/{self.repository}"


def flux_bootstrap_args(settings: BootstrapSettings, kube_flags: list[str]) -> list[str]:
    """`flux bootstrap github …`; the token goes in GITHUB_TOKEN, never here."""
    args = [
        "bootstrap",
        "github",
        f"--owner={settings.owner}",
        f"--repository={settings.repository}",
        f"--branch={settings.branch}",
        f"--path={settings.path}",
        f"--hostname={settings.hostname}",
        # Image automation pushes tag bumps: the deploy key must be able to write.
        "--read-write-key",
        f"--timeout={format_duration(settings.timeout)}",
    ]
    if settings.components != DEFAULT_COMPONENTS:
        args.append(f"--components={','.join(settings.components)}")
    if settings.components_extra:
        args.append(f"--components-extra={','.join(settings.components_extra)}")
    if settings.personal:
        args.append("--personal")
    if settings.flux_version:
        args.append(f"--version={settings.flux_version}")
    if settings.flux_namespace != "flux-system":
        args.append(f"--namespace={settings.flux_namespace}")
    if settings.ssh_hostname:
        args.append(f"--ssh-hostname={settings.ssh_hostname}")
    if settings.ca_file:
        args.append(f"--ca-file={settings.ca_file}")
    return [*args, *kube_flags]


def helm_commands(settings: BootstrapSettings, helm_flags: list[str]) -> list[list[str]]:
    chart = f"{HELM_REPO_ALIAS}/{settings.chart_name}"
    return [
        ["repo", "add", HELM_REPO_ALIAS, settings.chart_repo, "--force-update"],
        ["repo", "update", HELM_REPO_ALIAS],
        [
            "upgrade",
            "--install",
            settings.release,
            chart,
            f"--namespace={settings.controller_namespace}",
            f"--version={settings.chart_version}",
            # kubeseal and gitopsctl find the controller's Service by this name.
            f"--set-string=fullnameOverride={settings.controller_name}",
            "--wait",
            f"--timeout={format_duration(settings.timeout)}",
            *helm_flags,
        ],
    ]


@dataclass
class ExistingFlux:
    path: str
    url: str
    branch: str
    applied: str
    ready: bool
    version: str = ""  # as the namespace label says it, e.g. v2.9.5; "" when unlabelled
    missing_controllers: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)

    def older_than(self, wanted: tuple[int, int, int]) -> bool:
        installed = parse_version(self.version)
        return installed is not None and installed < wanted


def existing_flux(kube: Kube, settings: BootstrapSettings) -> ExistingFlux | None:
    """Flux as a previous bootstrap left it, and how it differs from ``settings``.

    None when Flux was never bootstrapped here: no sync objects, or not even the Flux CRDs.
    """
    items = kube.get_all(["namespaces", KUSTOMIZATION, GIT_REPOSITORY, DEPLOYMENT], namespace=settings.flux_namespace)
    objects = {(i["kind"], i["metadata"]["name"]): FluxObject.from_json(i) for i in items}
    kustomization = objects.get(("Kustomization", "flux-system"))
    source = objects.get(("GitRepository", "flux-system"))
    if kustomization is None or source is None:
        return None
    namespace = objects.get(("Namespace", settings.flux_namespace))
    labels: dict[str, str] = {}
    if namespace is not None:
        labels = (namespace.raw.get("metadata") or {}).get("labels") or {}
    found = ExistingFlux(
        path=str(kustomization.spec.get("path", "")),
        url=str(source.spec.get("url", "")),
        branch=str((source.spec.get("ref") or {}).get("branch", "")),
        applied=revision_sha(kustomization.last_applied_revision),
        ready=kustomization.ready and source.ready,
        version=str(labels.get(FLUX_VERSION_LABEL, "")),
        missing_controllers=[
            c for c in (*settings.components, *settings.components_extra) if ("Deployment", c) not in objects
        ],
    )
    if found.path.rstrip("/") != settings.sync_path:
        found.differences.append(f"path: the cluster syncs {found.path}, this bootstrap wants {settings.sync_path}")
    if found.url.removesuffix(".git") != settings.repository_url:
        found.differences.append(
            f"repository: the cluster syncs {found.url}, this bootstrap wants {settings.repository_url}"
        )
    if found.branch != settings.branch:
        found.differences.append(f"branch: the cluster syncs {found.branch}, this bootstrap wants {settings.branch}")
    return found


def installed_chart_version(runner_output: str, release: str) -> str:
    """The chart version of ``release`` in `helm list -o json` output ("" when absent)."""
    for entry in json.loads(runner_output or "[]"):
        if entry.get("name") == release and entry.get("status") == "deployed":
            chart = str(entry.get("chart", ""))
            return chart.rpartition("-")[2]
    return ""


def warning_events(kube: Kube, namespace: str, limit: int = 5) -> list[str]:
    """The latest warning events of ``namespace``, newest last."""
    output = kube.kubectl(["get", "events", "-n", namespace, "--field-selector=type=Warning", "-o", "json"])
    events = sorted(
        json.loads(output).get("items", []), key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or ""
    )
    return [
        f"{(e.get('involvedObject') or {}).get('kind', '')}/{(e.get('involvedObject') or {}).get('name', '')}: "
        f"{e.get('reason', '')}: {e.get('message', '')}"
        for e in events[-limit:]
    ]
