"""The steps of bootstrap, each a line of progress, each skipped when already done.

They take the cluster, the repository and a progress reporter explicitly (kind's actions
take their context the same way), so bootstrap runs from Python as well as from the CLI.
"""

from __future__ import annotations

import os
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path

from gitopsctl.bootstrap.first_sync import FirstSync
from gitopsctl.bootstrap.plan import (
    BootstrapSettings,
    existing_flux,
    flux_bootstrap_args,
    helm_commands,
    installed_chart_version,
    keep_the_keys_advice,
    warning_events,
)
from gitopsctl.config import Config
from gitopsctl.errors import (
    ExitCode,
    GitopsctlError,
    Interrupted,
    OperationFailed,
    PrerequisiteError,
    ToolFailed,
    UnhealthyError,
)
from gitopsctl.flux.cluster import read_state
from gitopsctl.flux.health import Expectations, evaluate
from gitopsctl.flux.offline import check_repository
from gitopsctl.flux.verification import judge
from gitopsctl.git import Git, Pull
from gitopsctl.kube import Kube
from gitopsctl.prerequisites import Check, Prerequisites
from gitopsctl.progress import Progress
from gitopsctl.redaction import MASK
from gitopsctl.runner import Runner
from gitopsctl.sealing.keys import SealingKey, restart_controller, restore_keys
from gitopsctl.sealing.sources import ControllerAPI, ControllerNotStarted
from gitopsctl.sealing.store import SealedSecretStore, store_certificate
from gitopsctl.status import Status
from gitopsctl.versions import format_version, parse_version

FLUX_MARGIN = 120.0  # flux enforces --timeout itself; ours only catches a hung process
CONTROLLER_START_POLL_SECONDS = 1.0


class PrerequisitesMissing(PrerequisiteError):
    """Bootstrap stopped before changing anything; ``checks`` says what is missing."""

    def __init__(self, checks: list[Check]) -> None:
        super().__init__(
            "prerequisites are missing; nothing was changed",
            hint="fix the failed checks above (gitopsctl doctor) and run again",
        )
        self.checks = checks


@dataclass
class BootstrapFlow:
    settings: BootstrapSettings
    kube: Kube
    runner: Runner
    git: Git
    config: Config
    repo: Path
    cluster_path: str
    prerequisites_checks: Prerequisites
    controller: ControllerAPI
    store: SealedSecretStore
    progress: Progress
    current: str = ""
    flux_cli_version: tuple[int, int, int] | None = None
    pulled: Pull | None = None
    # The old cluster's sealing keys (bootstrap --restore-keys), decrypted, in memory only.
    restored_keys: list[SealingKey] = field(default_factory=list)

    def check_repository(self) -> None:
        """The clone must be able to pull what flux bootstrap pushes, and push what we write."""
        self.git.require_published(self.settings.remote, self.settings.branch, suggested_url=self.settings.push_url)

    def print_plan(self) -> None:
        self.check_repository()
        terminal = self.progress
        kube = self.kube
        terminal.info("Plan (nothing is run):")
        lines = [
            "prerequisites: the checks of gitopsctl doctor",
            f"check {self.settings.path} on {self.settings.remote}/{self.settings.branch} as flux bootstrap's first "
            "sync applies it: it builds, and every namespace, CRD and controller it needs will be there",
            f"GITHUB_TOKEN={MASK} flux " + shlex.join(flux_bootstrap_args(self.settings, kube.global_flags())),
            f"git pull --ff-only {self.settings.remote} {self.settings.branch} (the commits flux bootstrap pushed)",
            *(
                [f"restore {len(self.restored_keys)} sealing key(s) into {self.settings.controller_namespace}"]
                if self.restored_keys
                else []
            ),
            *("helm " + shlex.join(c) for c in helm_commands(self.settings, kube.helm_flags())),
            "store the controller's certificate in the repository and pin it (gitopsctl seal fetch-cert)",
            "verify: the controllers are ready and flux-system applied the branch head",
            "list the gitopsctl seal commands for the secrets the repository still needs",
        ]
        for number, line in enumerate(lines, start=1):
            terminal.info(f"  {number}. {line}")

    def run(self) -> None:
        try:
            self.check_repository()
            self._step("prerequisites", self.prerequisites)
            self._step("flux", self.flux)
            self._step("pull", self.pull)
            self._step("sealed secrets", self.sealed_secrets)
            self._step("certificate", self.certificate)
            self._step("verify", self.verify)
            self.next_steps()
        except KeyboardInterrupt:
            # Raised, not printed: the command's summary comes first and this is the last word.
            raise Interrupted(
                f"interrupted during the {self.current} step; run gitopsctl bootstrap again to resume"
            ) from None

    def _step(self, name: str, action) -> None:
        self.current = name
        try:
            action()
        except GitopsctlError as error:
            if isinstance(error, PrerequisiteError) or error.exit_code != ExitCode.FAILED:
                raise
            raise OperationFailed(
                f"bootstrap stopped at the {name} step: {error}",
                hint="fix the cause and run gitopsctl bootstrap again to resume",
            ) from None

    # -- 1 ---------------------------------------------------------------------------------
    def prerequisites(self) -> None:
        with self.progress.step("checking prerequisites"):
            checks = self.prerequisites_checks.run()
        self.flux_cli_version = self.prerequisites_checks.versions.get("flux")
        if any(check.blocking for check in checks):
            raise PrerequisitesMissing(checks)

    # -- 2 ---------------------------------------------------------------------------------
    def flux(self) -> None:
        terminal = self.progress
        found = existing_flux(self.kube, self.settings)
        if found is not None and found.differences:
            raise OperationFailed(
                "Flux is already bootstrapped with other settings: " + "; ".join(found.differences),
                hint="bootstrap with the same --cluster/--repository/--branch, or move the cluster on purpose: "
                + keep_the_keys_advice(),
            )
        # flux bootstrap is idempotent: run again, it completes a half-install and upgrades an old one.
        wanted = parse_version(self.settings.flux_version) or self.flux_cli_version
        if found is not None and found.missing_controllers:
            terminal.warning(
                f"Flux is half-installed (no {', '.join(found.missing_controllers)}): flux bootstrap completes it"
            )
        elif found is not None and wanted is not None and found.older_than(wanted):
            terminal.action(
                f"Flux {found.version} is installed: flux bootstrap upgrades it to {format_version(wanted)}"
            )
        elif found is not None and found.ready:
            terminal.success(f"Flux is already bootstrapped with these settings (applied {found.applied[:8]})")
            return
        with terminal.step(f"checking what the first sync applies ({self.settings.path})"):
            FirstSync.of(self.settings).check(self.git, self.kube)
        token = os.environ.get("GITHUB_TOKEN", "")
        args = flux_bootstrap_args(self.settings, self.kube.global_flags())
        with terminal.step("bootstrapping Flux (flux bootstrap github)"):
            try:
                result = self.runner.run(
                    "flux", args, secret_env={"GITHUB_TOKEN": token}, timeout=self.settings.timeout + FLUX_MARGIN
                )
            except ToolFailed as error:
                self._explain_flux_failure(error)
                raise
        for line in result.stderr.splitlines():
            terminal.debug(f"  flux: {line}")

    def pull(self) -> None:
        """flux bootstrap pushed its manifests to the branch: bring them here before anything is
        committed on top, so the operator's next push is not rejected."""
        terminal = self.progress
        self.pulled = self.git.fast_forward(self.settings.remote, self.settings.branch)
        tracking = f"{self.settings.remote}/{self.settings.branch}"
        if self.pulled is Pull.FAST_FORWARDED:
            terminal.success(f"pulled the commits flux bootstrap pushed to {tracking}")
        elif self.pulled is not Pull.UP_TO_DATE:
            terminal.warning(f"{tracking} was not pulled: {self.pulled.value}")

    def _explain_flux_failure(self, error: ToolFailed) -> None:
        terminal = self.progress
        for line in error.stderr.splitlines():
            if line.startswith("✗"):
                terminal.info(f"  flux: {line}")
        try:
            report = evaluate(read_state(self.kube), Expectations(sealed_secrets=None))
            events = warning_events(self.kube, self.settings.flux_namespace)
        except GitopsctlError:
            return
        not_ready = report.only(
            lambda f: f.section in ("sync", "kustomizations") and f.status in (Status.FAILED, Status.WAITING)
        )
        if not_ready.findings:
            terminal.info("Not ready:")
            terminal.report(not_ready, first_title=False)
        if events:
            terminal.info(f"Latest warning events in {self.settings.flux_namespace}:")
            for event in events:
                terminal.info(f"  {event}")

    # -- 3 ---------------------------------------------------------------------------------
    def sealed_secrets(self) -> None:
        terminal = self.progress
        runner = self.runner
        kube = self.kube
        add, update, install = helm_commands(self.settings, kube.helm_flags())
        listing = runner.run(
            "helm", ["list", "-n", self.settings.controller_namespace, "-o", "json", *kube.helm_flags()], timeout=60
        ).stdout
        current = installed_chart_version(listing, self.settings.release)
        if self.restored_keys:
            # Before the chart, so a new controller starts with them; a running one restarts to load them.
            with terminal.step(f"restoring {len(self.restored_keys)} sealing key(s)"):
                restore_keys(kube, self.settings.controller_namespace, self.restored_keys)
                if current:
                    restart_controller(
                        kube, self.settings.controller_namespace, self.settings.controller_name, self.settings.timeout
                    )
        if current == self.settings.chart_version:
            terminal.success(f"Sealed Secrets chart {current} is already installed")
            return
        verb = (
            f"upgrading Sealed Secrets {current} → {self.settings.chart_version}"
            if current
            else f"installing Sealed Secrets {self.settings.chart_version} (helm)"
        )
        with terminal.step(verb):
            runner.run("helm", add, timeout=120)
            runner.run("helm", update, timeout=120)
            runner.run("helm", install, timeout=self.settings.timeout + FLUX_MARGIN)

    # -- 4 ---------------------------------------------------------------------------------
    def certificate(self) -> None:
        pinned = self.config.sealed_secrets.cert_fingerprints.get(self.store.cluster)
        # Restored keys older than the controller's renewal period make it start a new key at
        # once: its certificate is then new, and the pin (one of the restored keys) moves to it.
        renewed = bool(pinned) and pinned in {key.fingerprint for key in self.restored_keys}
        # A controller installed a moment ago may still be making its first key: wait for it,
        # boundedly, rather than fail the step it will pass in a few seconds.
        deadline = time.monotonic() + self.settings.timeout
        said = False
        with self.progress.step("storing the sealing certificate"):
            while True:
                try:
                    store_certificate(self.store, self.controller, pinned=pinned, force=renewed, progress=self.progress)
                    return
                except ControllerNotStarted:
                    if time.monotonic() > deadline:
                        raise
                    if not said:
                        self.progress.waiting("the Sealed Secrets controller has not made its first key yet")
                        said = True
                    time.sleep(CONTROLLER_START_POLL_SECONDS)

    # -- 5 ---------------------------------------------------------------------------------
    def verify(self) -> None:
        # Flux itself: its controllers, its own source and what that applies. The repository's
        # other sources (charts, OCI artifacts, application repositories) are verify's to judge.
        own = {f"{kind} {self.settings.flux_namespace}/flux-system" for kind in ("GitRepository", "Kustomization")}

        def essentials(finding) -> bool:
            return finding.section == "controllers" or finding.subject in own

        _, report = judge(
            self.kube,
            self.config,
            self.git,
            self.progress,
            wait=True,
            timeout=self.settings.timeout,
            focus=essentials,
            show=True,
            ask_other_remotes=False,
        )
        if not report.healthy:
            raise UnhealthyError("Flux did not become ready in time", hint="gitopsctl verify shows what is missing")

    # -- 6 ---------------------------------------------------------------------------------
    def next_steps(self) -> None:
        terminal = self.progress
        terminal.success("bootstrap complete")
        push = self._push_commands()
        if not (self.repo / self.cluster_path).is_dir():
            return
        report = check_repository(self.repo, self.cluster_path, self.runner, self.config)
        if not report.missing_secrets:
            terminal.info(f"Next: commit and push the certificate and gitopsctl.toml ({push})")
            return
        terminal.info("Next: seal the secrets the repository references but does not hold:")
        for missing in report.missing_secrets:
            terminal.info(f"  {missing.seal_command}")
        terminal.info(f"then commit and push them ({push})")

    def _push_commands(self) -> str:
        """The exact git commands that publish what bootstrap wrote, given how the pull went."""
        branch, remote = self.settings.branch, self.settings.remote
        commit = "git add -A && git commit -m 'Add the sealing certificate and secrets'"
        if self.pulled is Pull.DIVERGED:
            return f"{commit} && git pull --rebase {remote} {branch} && git push"
        if self.pulled is Pull.BLOCKED:
            return f"git stash && git pull --ff-only {remote} {branch} && git stash pop && {commit} && git push"
        return f"{commit} && git push"
