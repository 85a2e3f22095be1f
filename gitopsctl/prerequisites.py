"""The prerequisite checks `doctor` reports and `bootstrap` runs before touching anything.

Every check runs, whatever the others found, so the operator sees all problems at once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gitopsctl.config import Config
from gitopsctl.errors import GitopsctlError, ToolFailed
from gitopsctl.flux.api_versions import FluxRequirement, required_flux
from gitopsctl.github import check_token
from gitopsctl.kube import Kube
from gitopsctl.registry import http_registry_setup, probe
from gitopsctl.runner import Runner
from gitopsctl.sealing.sources import Controller, proxy_failure, proxy_problem
from gitopsctl.status import Status
from gitopsctl.versions import format_version, minimum_kubernetes_for_flux, parse_version


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    required: bool = True
    advice: tuple[str, ...] = ()  # lines to show below the checks (what to configure elsewhere)

    @property
    def blocking(self) -> bool:
        return self.required and self.status == Status.FAILED

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class ToolSpec:
    program: str
    args: tuple[str, ...]
    minimum: tuple[int, int, int]
    required: bool = True
    extract: Callable[[str], str] = lambda output: output


def _kubectl_client_version(output: str) -> str:
    return str(json.loads(output).get("clientVersion", {}).get("gitVersion", ""))


TOOLS = (
    ToolSpec("flux", ("version", "--client"), (2, 0, 0)),
    ToolSpec("helm", ("version", "--short"), (3, 8, 0)),
    ToolSpec("kubectl", ("version", "--client", "-o", "json"), (1, 28, 0), extract=_kubectl_client_version),
    ToolSpec("git", ("--version",), (2, 25, 0)),
    ToolSpec("kubeseal", ("--version",), (0, 20, 0), required=False),
)


@dataclass
class Prerequisites:
    runner: Runner
    kube: Kube
    config: Config
    environ: dict[str, str] | None = None
    repo: Path | None = None  # the GitOps repository, whose API versions may need a newer flux
    flux_requirement: FluxRequirement | None = field(default=None, init=False)  # found by run()

    def run(self) -> list[Check]:
        environ = self.environ if self.environ is not None else dict(os.environ)
        # Walks the repository: done when the checks run, not when they are only planned.
        self.flux_requirement = required_flux(self.repo) if self.repo else None
        checks = [self._tool(spec) for spec in TOOLS]
        flux_version = self._versions.get("flux")
        checks.append(self._owner(environ))
        checks.append(self._token(environ))
        cluster = self._cluster(flux_version)
        checks.append(cluster)
        checks.append(self._flux_check_pre(flux_version))
        checks.append(self._sealed_secrets_api(reachable=cluster.status == Status.OK))
        if self.repo is not None:  # the registry is the repository's: outside one there is none to ask
            checks.append(self._registry())
        return checks

    def __post_init__(self) -> None:
        self._versions: dict[str, tuple[int, int, int]] = {}

    @property
    def versions(self) -> dict[str, tuple[int, int, int]]:
        """The version of every tool found, after run()."""
        return dict(self._versions)

    def _tool(self, spec: ToolSpec) -> Check:
        name = spec.program
        requirement = self.flux_requirement if name == "flux" else None
        if requirement is not None and requirement.version <= spec.minimum:
            requirement = None
        minimum = requirement.version if requirement else spec.minimum
        try:
            output = spec.extract(self.runner.run(spec.program, spec.args, timeout=20).stdout)
        except GitopsctlError as error:
            status = Status.FAILED if spec.required else Status.WARNING
            return Check(name, status, str(error), spec.required)
        except (ValueError, KeyError):
            return Check(name, Status.FAILED, f"cannot read the version from '{spec.program} {' '.join(spec.args)}'")
        version = parse_version(output)
        if version is None:
            return Check(name, Status.FAILED, f"cannot read the version from {output.strip()!r}", spec.required)
        self._versions[name] = version
        if version < minimum:
            needed = str(requirement) if requirement else f"the minimum {format_version(minimum)}"
            return Check(
                name,
                Status.FAILED if spec.required else Status.WARNING,
                f"{format_version(version)} is older than {needed}; upgrade it",
                spec.required,
            )
        if requirement:
            note = f" (for {requirement.api_version} {requirement.kind} in {requirement.path})"
        else:
            note = "" if spec.required else " (optional: gitopsctl seals natively)"
        return Check(name, Status.OK, f"{format_version(version)} >= {format_version(minimum)}{note}", spec.required)

    def _owner(self, environ: dict[str, str]) -> Check:
        owner = environ.get("GITHUB_USER") or self.config.github.owner
        if not owner:
            return Check("github owner", Status.FAILED, "unknown: set GITHUB_USER or github.owner in gitopsctl.toml")
        repository = self.config.github.repository or "(github.repository not set)"
        return Check("github owner", Status.OK, f"{owner}/{repository}")

    def _token(self, environ: dict[str, str]) -> Check:
        token = environ.get("GITHUB_TOKEN", "")
        if not token:
            return Check(
                "GITHUB_TOKEN", Status.FAILED, "not set: export a GitHub personal access token as GITHUB_TOKEN"
            )
        github = self.config.github
        owner = environ.get("GITHUB_USER") or github.owner
        result = check_token(github.api_url, token, owner, github.repository, ca_file=self.config.github_ca_file)
        status = Status.FAILED if not result.ok else Status.WARNING if result.warning else Status.OK
        return Check("GITHUB_TOKEN", status, result.detail)

    def _cluster(self, flux_version: tuple[int, int, int] | None) -> Check:
        try:
            server = self.kube.server_version()
        except GitopsctlError as error:
            return Check("cluster", Status.FAILED, str(error))
        version = parse_version(server)
        if version is None:
            return Check("cluster", Status.FAILED, f"cannot read the server version {server!r}")
        if flux_version is None:
            return Check("cluster", Status.OK, f"Kubernetes {server} (flux missing: minimum not checked)")
        minimum = minimum_kubernetes_for_flux(flux_version)
        if version < minimum:
            return Check(
                "cluster",
                Status.FAILED,
                f"Kubernetes {server} is older than {format_version(minimum)}, the minimum of "
                f"flux {format_version(flux_version)}; upgrade the cluster or use an older flux",
            )
        return Check("cluster", Status.OK, f"Kubernetes {server} >= {format_version(minimum)}")

    def _sealed_secrets_api(self, *, reachable: bool) -> Check:
        """Can the API server's service proxy reach the controller, as seal fetch-cert/verify need?"""
        name = "sealed secrets API"
        if not reachable:
            return Check(name, Status.SKIPPED, "the cluster is not reachable", required=False)
        settings = self.config.sealed_secrets
        controller = Controller(settings.controller_name, settings.controller_namespace)
        where = f"{controller.namespace}/{controller.name}"
        try:
            self.kube.get_raw(controller.proxy_path("v1/cert.pem"))
        except GitopsctlError as error:
            if isinstance(error, ToolFailed) and "(NotFound)" in error.stderr:
                return Check(
                    name, Status.SKIPPED, f"{where} is not installed yet (bootstrap installs it)", required=False
                )
            failure = proxy_failure(self.kube, error)
            if failure is None:
                return Check(name, Status.WARNING, str(error), required=False)
            detail = (
                f"{proxy_problem(controller, failure)}; seal fetch-cert falls back to the key Secret, seal verify "
                "and reencrypt need the NetworkPolicy of the example or --controller-url"
            )
            return Check(name, Status.WARNING, detail, required=False)
        return Check(name, Status.OK, f"the API server reaches {where}", required=False)

    def _registry(self) -> Check:
        registry = self.config.registry
        try:
            answer = probe(registry.host, insecure=registry.insecure)
        except GitopsctlError as error:
            return Check("registry", Status.WARNING, str(error), required=False)
        detail = f"{registry.host} answers as a Docker registry ({answer.auth} auth)"
        if not registry.insecure:
            return Check("registry", Status.OK, detail, required=False)
        advice = tuple(http_registry_setup(registry.host))
        return Check("registry", Status.OK, f"{detail} over plain HTTP: see below", required=False, advice=advice)

    def _flux_check_pre(self, flux_version: tuple[int, int, int] | None) -> Check:
        if flux_version is None:
            return Check("flux check --pre", Status.SKIPPED, "flux is missing", required=False)
        try:
            self.runner.run("flux", ["check", "--pre", *self.kube.global_flags()], timeout=60)
        except GitopsctlError as error:
            return Check("flux check --pre", Status.FAILED, str(error))
        return Check("flux check --pre", Status.OK, "prerequisites checks passed")
