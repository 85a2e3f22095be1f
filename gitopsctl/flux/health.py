"""Is the cluster running what Git says? One report over every object verify reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from gitopsctl.flux import graph
from gitopsctl.flux.objects import (
    DEFAULT_COMPONENTS,
    SOURCE_KINDS,
    ClusterState,
    FluxObject,
    revision_sha,
    short_revision,
)
from gitopsctl.flux.own_repository import OwnRepository
from gitopsctl.status import Status


@dataclass(frozen=True)
class Finding:
    section: str
    subject: str
    status: Status
    detail: str
    level: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Expectations:
    flux_namespace: str = "flux-system"
    components: tuple[str, ...] = DEFAULT_COMPONENTS
    sealed_secrets: tuple[str, str] | None = ("flux-system", "sealed-secrets-controller")
    # The commit every Kustomization of the operator's own repository should have applied (its
    # branch head), when known; which GitRepository that is.
    target_sha: str = ""
    own_repository: OwnRepository = field(default_factory=OwnRepository)
    # The remote head of each other GitRepository (Kind/namespace/name → commit), where known.
    source_heads: dict[str, str] = field(default_factory=dict)
    # Those whose remote was asked and did not answer (→ why): judged by their Ready condition.
    unanswered_remotes: dict[str, str] = field(default_factory=dict)
    # The sealing key the repository pins, and those the last key backup holds (gitopsctl.toml).
    sealing_key: str = ""
    backed_up_keys: tuple[str, ...] = ()


@dataclass
class Report:
    findings: list[Finding]
    order: list[list[str]]

    @property
    def healthy(self) -> bool:
        return all(f.status in (Status.OK, Status.WARNING) for f in self.findings)

    def summary(self) -> tuple[bool, str]:
        """Healthy or not, and one line that says so (the first problem, and how many more)."""
        problems = [f for f in self.findings if f.status in (Status.FAILED, Status.WAITING)]
        if not problems:
            return True, "all healthy and in sync"
        first = problems[0]
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        return False, f"{len(problems)} not healthy: {first.subject}: {first.detail}{more}"

    def only(self, keep: Callable[[Finding], bool]) -> Report:
        return Report([f for f in self.findings if keep(f)], self.order)

    def as_dict(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "order": self.order,
            "findings": [f.as_dict() for f in self.findings],
        }


CommitsBehind = Callable[[str, str], "int | None"]
# includes(newer, older): whether commit ``newer`` has ``older`` in its history.
Includes = Callable[[str, str], bool]


def evaluate(
    state: ClusterState,
    expect: Expectations,
    *,
    commits_behind: CommitsBehind | None = None,
    includes: Includes | None = None,
) -> Report:
    """Judge ``state``; ``commits_behind(old, new)`` counts how far a source lags, and
    ``includes`` tells a revision built on top of the target (a bot's commit after the push
    being waited for) from one that lacks it, when they can."""
    findings: list[Finding] = []
    findings += _controllers(state, expect)
    findings += _sources(state, expect, commits_behind, includes)
    ordered_findings, order = _ordered(state, expect, includes)
    findings += ordered_findings
    findings += _images(state)
    findings += _sealed_secrets(state)
    findings += _key_backup(expect)
    findings += _workloads(state)
    if not state.objects:
        findings.append(Finding("cluster", "Flux", Status.FAILED, "no Flux objects found: run gitopsctl bootstrap"))
    return Report(findings, order)


def _available(deployment: FluxObject) -> tuple[bool, str]:
    condition = deployment.condition("Available")
    if deployment.observed_generation < deployment.generation:
        return False, "rollout in progress"
    if condition is None:
        return False, "not available yet"
    if condition.status != "True":
        return False, f"{condition.reason}: {condition.message}".strip(": ")
    wanted = int(deployment.spec.get("replicas", 1))
    updated = int(deployment.status.get("updatedReplicas") or 0)
    available = int(deployment.status.get("availableReplicas") or 0)
    if updated < wanted or available < wanted:
        return False, f"{available}/{wanted} replicas available, {updated} updated"
    return True, f"{available}/{wanted} replicas available"


def _controllers(state: ClusterState, expect: Expectations) -> Iterable[Finding]:
    deployments = {d.key: d for d in state.of_kind("Deployment")}
    wanted = [(f"{expect.flux_namespace}/{name}", name) for name in expect.components]
    if expect.sealed_secrets:
        wanted.append(("/".join(expect.sealed_secrets), f"{expect.sealed_secrets[1]} (Sealed Secrets)"))
    for key, label in wanted:
        deployment = deployments.get(key)
        if deployment is None:
            yield Finding("controllers", label, Status.FAILED, f"Deployment {key} not found")
            continue
        ready, detail = _available(deployment)
        yield Finding("controllers", label, Status.OK if ready else Status.WAITING, detail)


def _sources(
    state: ClusterState, expect: Expectations, commits_behind: CommitsBehind | None, includes: Includes | None
) -> Iterable[Finding]:
    for kind in SOURCE_KINDS:
        for source in state.of_kind(kind):
            status, detail = _source_status(source, expect, commits_behind, includes)
            yield Finding("sync", f"{kind} {source.key}", status, detail)


def _source_status(
    source: FluxObject, expect: Expectations, commits_behind: CommitsBehind | None, includes: Includes | None
) -> tuple[Status, str]:
    if source.suspended:
        return Status.FAILED, "suspended: new revisions are not fetched"
    if source.kind == "HelmRepository" and source.spec.get("type") == "oci":
        # source-controller leaves an OCI HelmRepository alone; its HelmCharts pull from it.
        return Status.OK, "OCI registry: charts are pulled by their HelmCharts"
    ready = source.condition("Ready")
    if ready is None:
        return Status.WAITING, "not reconciled yet"
    if ready.status != "True":
        return (Status.WAITING if ready.status == "Unknown" else Status.FAILED), f"{ready.reason}: {ready.message}"
    artifact = source.artifact_revision
    if source.kind != "GitRepository":
        return Status.OK, f"ready at {short_revision(artifact)}" if artifact else "ready"
    if expect.own_repository.holds_source(source):
        return _against_branch_head(revision_sha(artifact), expect, commits_behind, includes)
    head = expect.source_heads.get(source.reference, "")
    at = revision_sha(artifact)
    if head and at != head:
        return Status.WAITING, f"behind its remote: has {at[:8]}, {_ref_name(source)} is at {head[:8]}"
    if head:
        return Status.OK, f"in sync with {_ref_name(source)} at {at[:8]}"
    unanswered = expect.unanswered_remotes.get(source.reference)
    return Status.OK, f"ready at {at[:8]}" + (f" (its remote did not answer: {unanswered})" if unanswered else "")


def _ref_name(source: FluxObject) -> str:
    reference = source.spec.get("ref") or {}
    for key, label in (("branch", "branch"), ("tag", "tag"), ("name", "ref"), ("semver", "semver")):
        if reference.get(key):
            return f"{label} {reference[key]}"
    return "branch master"  # source-controller's default when no ref is given


def _against_branch_head(
    artifact: str, expect: Expectations, commits_behind: CommitsBehind | None, includes: Includes | None
) -> tuple[Status, str]:
    target = expect.target_sha
    if target and artifact != target and includes and includes(artifact, target):
        return Status.OK, f"at {artifact[:8]}, which includes {target[:8]} and newer commits"
    if target and artifact != target:
        count = commits_behind(artifact, target) if commits_behind else None
        by = f" by {count} commit{'s' if count != 1 else ''}" if count is not None else ""
        return Status.WAITING, f"behind{by}: has {artifact[:8]}, the branch head is {target[:8]}"
    where = "in sync with the branch head" if target else "ready"
    return Status.OK, f"{where} at {artifact[:8]}"


def _ordered(
    state: ClusterState, expect: Expectations, includes: Includes | None
) -> tuple[list[Finding], list[list[str]]]:
    """Kustomizations and HelmReleases in the order Flux reconciles them: each after what it
    depends on, a HelmRelease after the Kustomization that applies it. Kustomizations are keyed
    namespace/name (as they always were), HelmReleases HelmRelease/namespace/name."""
    nodes: dict[str, FluxObject] = {k.key: k for k in state.of_kind("Kustomization")}
    releases = {f"HelmRelease/{r.key}": r for r in state.of_kind("HelmRelease")}
    nodes.update(releases)
    sources = {source.reference: source for kind in SOURCE_KINDS for source in state.of_kind(kind)}
    judged = _Judged(nodes, sources, expect, includes)
    # The order also puts a HelmRelease after the Kustomization that applies it.
    dependencies = {key: list(deps) for key, deps in judged.depends_on.items()}
    for key, kustomization in nodes.items():
        if kustomization.kind != "Kustomization":
            continue
        for namespace, name, group, kind in kustomization.inventory():
            applied = f"HelmRelease/{namespace}/{name}"
            if (group, kind) == ("helm.toolkit.fluxcd.io", "HelmRelease") and applied in releases:
                dependencies[applied].append(key)
    findings: list[Finding] = []
    try:
        order = graph.levels(dependencies)
    except graph.DependencyCycle as cycle:
        findings.append(Finding("kustomizations", "dependsOn", Status.FAILED, f"dependency cycle: {cycle}"))
        order = [sorted(nodes)]
    for depth, level in enumerate(order):
        for key in level:
            node = nodes[key]
            status, detail = judged.status(key, node)
            findings.append(Finding("kustomizations", f"{node.kind} {node.key}", status, detail, level=depth))
    return findings, order


def _dependency_keys(node: FluxObject) -> list[str]:
    """spec.dependsOn as graph keys: Kustomizations depend on Kustomizations, HelmReleases on HelmReleases."""
    prefix = "HelmRelease/" if node.kind == "HelmRelease" else ""
    return [prefix + key for key in node.dependencies()]


@dataclass
class _Judged:
    nodes: dict[str, FluxObject]
    sources: dict[str, FluxObject]
    expect: Expectations
    includes: Includes | None

    def __post_init__(self) -> None:
        # spec.dependsOn alone (not "applied by"): what DependencyNotReady is about.
        self.depends_on = {key: _dependency_keys(node) for key, node in self.nodes.items()}
        # What each node cannot be ready without: its dependsOn, and for a Kustomization the
        # HelmReleases its health waits for.
        self.waits_on = {
            key: deps + (_waited_for(self.nodes[key], self.nodes) if self.nodes[key].kind == "Kustomization" else [])
            for key, deps in self.depends_on.items()
        }

    def status(self, key: str, node: FluxObject) -> tuple[Status, str]:
        blocked = self._blocked(node, key)
        if blocked is not None:
            return blocked
        if node.kind == "HelmRelease":
            return self._helm_release(node, key)
        return self._kustomization(node)

    def _blocked(self, node: FluxObject, key: str) -> tuple[Status, str] | None:
        """What stops a Kustomization or a HelmRelease whatever its kind: suspended, a missing
        dependency, stalled, not reconciled, or waiting for a dependency."""
        if node.suspended:
            what = "Git changes are not applied" if node.kind == "Kustomization" else "chart changes are not released"
            return Status.FAILED, f"suspended: {what} (flux resume {node.kind.lower()} {node.name} -n {node.namespace})"
        missing = [d for d in self.depends_on[key] if d not in self.nodes]
        if missing:
            return Status.FAILED, f"depends on {', '.join(missing)}, which does not exist"
        stalled = node.stalled
        ready = node.condition("Ready")
        if stalled and node.kind == "HelmRelease" and ready is not None and ready.status == "False":
            # helm-controller stalls once retries are spent; the cause stays in Ready's message.
            detail = f"{ready.reason}: {ready.message} (stalled: {stalled.message or stalled.reason})"
            return Status.FAILED, detail + self._needed_by(key)
        if stalled:
            return Status.FAILED, f"stalled: {stalled.reason}: {stalled.message}"
        if ready is None:
            return Status.WAITING, "not reconciled yet"
        if ready.status == "False" and ready.reason == "DependencyNotReady":
            blocker = graph.root_blocker(key, self.depends_on, lambda k: self.nodes[k].ready)
            return Status.FAILED, f"DependencyNotReady: blocked by {blocker or 'a dependency'}"
        return None

    def _kustomization(self, kustomization: FluxObject) -> tuple[Status, str]:
        ready = kustomization.condition("Ready")
        assert ready is not None  # _blocked answered for a missing one
        applied = revision_sha(kustomization.last_applied_revision)
        attempted = revision_sha(kustomization.last_attempted_revision)
        if ready.status == "False":
            return Status.FAILED, f"{ready.reason}: {ready.message}" + _revisions(applied, attempted)
        if ready.status != "True" or kustomization.observed_generation < kustomization.generation:
            return Status.WAITING, f"{ready.reason or 'Progressing'}: {ready.message}".rstrip(": ")
        healthy = kustomization.condition("Healthy")
        if healthy is not None and healthy.status == "False":
            return Status.FAILED, f"health checks failing: {healthy.reason}: {healthy.message}"
        source = self.sources.get(kustomization.source_key)
        own = source is None or self.expect.own_repository.holds_source(source)
        source_revision = revision_sha(source.artifact_revision) if source else ""
        # The operator's repository is judged against its branch head; any other source against
        # the revision it has fetched (an OCI artifact, an application repository's commit).
        wanted = (self.expect.target_sha if own else "") or source_revision
        if wanted and applied != wanted:
            if own and self.expect.target_sha and applied and self.includes and self.includes(applied, wanted):
                return Status.OK, f"applied {applied[:8]}, which includes {wanted[:8]}"
            return (
                Status.WAITING,
                f"applied {short_revision(applied) or 'nothing'}, waiting for {short_revision(wanted)}",
            )
        return Status.OK, f"applied {short_revision(applied)}"

    def _helm_release(self, release: FluxObject, key: str) -> tuple[Status, str]:
        ready = release.condition("Ready")
        assert ready is not None  # _blocked answered for a missing one
        chart = self.sources.get(release.chart_source_key)
        if ready.status == "False" and ready.reason == "SourceNotReady" and not _failed(chart):
            # The chart is still being fetched or built (a new release, a new version): not a failure.
            return Status.WAITING, f"{ready.reason}: {ready.message}"
        if ready.status == "False":
            detail = f"{ready.reason}: {ready.message}"
            remediated = release.condition("Remediated")
            if remediated is not None and remediated.status == "True":
                detail += f" (remediated: {remediated.message or remediated.reason})"
            return Status.FAILED, detail + self._needed_by(key)
        if ready.status != "True" or release.observed_generation < release.generation:
            return Status.WAITING, f"{ready.reason or 'Progressing'}: {ready.message}".rstrip(": ")
        current = release.current_release
        running = f"{current.get('chartName', '?')}@{current.get('chartVersion', '?')}"
        available = chart.artifact_revision if chart is not None and chart.kind == "HelmChart" else ""
        if available and current and available != current.get("chartVersion"):
            return Status.WAITING, f"runs {running}, {available} is fetched and not released yet"
        wanted = release.wanted_chart
        asked = f", wanted {wanted}" if wanted and wanted != running else ""
        return (
            Status.OK,
            f"{running} {current.get('status', 'released')} (release {current.get('version', '?')}){asked}",
        )

    def _needed_by(self, key: str) -> str:
        """What cannot become ready while ``key`` fails: HelmReleases that depend on it, the
        Kustomizations that wait for it (health checks, wait: true), and theirs, transitively."""
        dependents: list[str] = []
        frontier = [key]
        while frontier:
            current = frontier.pop()
            for candidate, deps in sorted(self.waits_on.items()):
                if current in deps and candidate not in dependents and candidate != key:
                    dependents.append(candidate)
                    frontier.append(candidate)
        if not dependents:
            return ""
        names = [f"{self.nodes[d].kind} {self.nodes[d].key}" for d in dependents]
        return f"; needed by {', '.join(names)}"


def _failed(source: FluxObject | None) -> bool:
    ready = source.condition("Ready") if source is not None else None
    return ready is not None and ready.status == "False"


def _waited_for(kustomization: FluxObject, nodes: dict[str, FluxObject]) -> list[str]:
    """The HelmReleases a Kustomization's health depends on: those its healthChecks name, and,
    with wait: true, every one it applies."""
    keys = []
    for check in kustomization.spec.get("healthChecks") or []:
        if check.get("kind") == "HelmRelease":
            keys.append(f"HelmRelease/{check.get('namespace') or kustomization.namespace}/{check.get('name')}")
    if kustomization.spec.get("wait"):
        for namespace, name, group, kind in kustomization.inventory():
            if (group, kind) == ("helm.toolkit.fluxcd.io", "HelmRelease"):
                keys.append(f"HelmRelease/{namespace}/{name}")
    return [key for key in keys if key in nodes]


def _revisions(applied: str, attempted: str) -> str:
    if attempted and attempted != applied:
        return f" (applied {applied[:8] or 'nothing'}, attempted {attempted[:8]})"
    return ""


# What the image controllers' failures mean to an operator, told by the words of their
# messages (image-reflector-controller v1.2 and the registry client it uses): the fix to add.
REPOSITORY_FIXES = (
    (
        ("401 unauthorized", "unauthorized: authentication required", "unauthorized"),
        "the registry refused the credentials; reseal them: gitopsctl seal harbor-creds",
    ),
    (
        ("connection refused", "no such host", "i/o timeout", "no route to host", "network is unreachable"),
        "the registry cannot be reached: is it up, and is the image's host (registry.host) right?",
    ),
    (
        ("server gave http response to https client",),
        "the registry speaks plain HTTP: set spec.insecure: true (registry.insecure in gitopsctl.toml)",
    ),
)
POLICY_FIXES = (
    (
        ("version list argument cannot be empty", "unable to determine latest version"),
        "no tag in the registry matches the policy's spec.filterTags: check its pattern against the tags CI pushes",
    ),
)

AUTOMATION_FIXES = (
    (
        ("read only", "read-only", "write access", "permission denied", "403"),
        "the key Flux pushes with may not write to the repository: give the deploy key write access "
        "(flux bootstrap --read-write-key, which gitopsctl bootstrap passes)",
    ),
)


def _with_fix(reason: str, message: str, fixes: tuple[tuple[tuple[str, ...], str], ...]) -> str:
    lowered = message.lower()
    for words, fix in fixes:
        if any(word in lowered for word in words):
            return f"{reason}: {message} ({fix})"
    return f"{reason}: {message}"


def _images(state: ClusterState) -> Iterable[Finding]:
    for repository in state.of_kind("ImageRepository"):
        ready = repository.condition("Ready")
        scan = repository.status.get("lastScanResult") or {}
        subject = f"ImageRepository {repository.key}"
        if ready is not None and ready.status == "False":
            yield Finding("images", subject, Status.FAILED, _with_fix(ready.reason, ready.message, REPOSITORY_FIXES))
        elif scan:
            yield Finding(
                "images",
                subject,
                Status.OK,
                f"{scan.get('tagCount', 0)} tags, last scan {scan.get('scanTime', '?')}",
            )
        else:
            yield Finding("images", subject, Status.WAITING, "not scanned yet")
    held = any(automation.suspended for automation in state.of_kind("ImageUpdateAutomation"))
    for policy in state.of_kind("ImagePolicy"):
        latest = policy.status.get("latestRef") or {}
        image, _, tag = str(policy.status.get("latestImage") or "").rpartition(":")
        image, tag = latest.get("name") or image, latest.get("tag") or tag
        ready = policy.condition("Ready")
        subject = f"ImagePolicy {policy.key}"
        if ready is not None and ready.status == "False":
            yield Finding("images", subject, Status.FAILED, _with_fix(ready.reason, ready.message, POLICY_FIXES))
        elif not tag:
            yield Finding("images", subject, Status.WAITING, "no tag selected yet")
        else:
            yield _deployed_against_latest(state, subject, image, tag, held=held)
    for automation in state.of_kind("ImageUpdateAutomation"):
        subject = f"ImageUpdateAutomation {automation.key}"
        commit = str(automation.status.get("lastPushCommit") or "")
        pushed = f"last push {commit[:8]} at {automation.status.get('lastPushTime', '?')}" if commit else "no push yet"
        if automation.suspended:
            yield Finding(
                "images",
                subject,
                Status.WARNING,
                f"suspended ({pushed}): resume with gitopsctl images resume {automation.name}",
            )
            continue
        ready = automation.condition("Ready")
        if ready is not None and ready.status == "False":
            yield Finding("images", subject, Status.FAILED, _with_fix(ready.reason, ready.message, AUTOMATION_FIXES))
        else:
            yield Finding("images", subject, Status.OK, pushed)


def _deployed_against_latest(state: ClusterState, subject: str, image: str, tag: str, *, held: bool) -> Finding:
    """What the workloads run of ``image`` next to the tag the policy selects. Behind it while
    the automation is suspended is a rollback's hold: a warning that says how to end it."""
    running: dict[str, list[str]] = {}
    for workload in (*state.of_kind("Deployment"), *state.of_kind("Job")):
        for reference in _image_references(workload.spec):
            name, _, running_tag = reference.rpartition(":")
            if name == image and running_tag:
                running.setdefault(running_tag, []).append(f"{workload.kind} {workload.key}")
    behind = [f"{', '.join(workloads)} runs {old}" for old, workloads in sorted(running.items()) if old != tag]
    if not behind:
        current = f", running in {', '.join(running[tag])}" if tag in running else ""
        return Finding("images", subject, Status.OK, f"latest tag {tag}{current}")
    if held:
        return Finding(
            "images",
            subject,
            Status.WARNING,
            f"latest tag {tag}; {'; '.join(behind)} while image automation is suspended "
            "(gitopsctl images resume ends the hold)",
        )
    return Finding(
        "images", subject, Status.OK, f"latest tag {tag}; {'; '.join(behind)} until the automation's bump is applied"
    )


def _image_references(spec: dict[str, Any]) -> Iterable[str]:
    """Image references in a workload's pod template: container images, and env values that
    name an image (a deploy Job hands its image to a script that way)."""
    pod = ((spec.get("template") or {}).get("spec")) or {}
    for container in (*(pod.get("containers") or []), *(pod.get("initContainers") or [])):
        if not isinstance(container, dict):
            continue
        if isinstance(container.get("image"), str):
            yield container["image"]
        for variable in container.get("env") or []:
            if isinstance(variable, dict) and isinstance(variable.get("value"), str) and ":" in variable["value"]:
                yield variable["value"]


def _key_backup(expect: Expectations) -> Iterable[Finding]:
    """The key the repository seals with (its pin) must be in a backup, or losing the cluster
    loses every SealedSecret sealed since: a warning, from gitopsctl.toml alone."""
    if expect.sealing_key and expect.sealing_key not in expect.backed_up_keys:
        yield Finding(
            "secrets",
            "sealing key",
            Status.WARNING,
            f"{expect.sealing_key[:19]}… (the one the repository seals with) is in no backup: "
            "gitopsctl keys backup --to FILE",
        )


def _sealed_secrets(state: ClusterState) -> Iterable[Finding]:
    for sealed in state.of_kind("SealedSecret"):
        subject = f"SealedSecret {sealed.key}"
        synced = sealed.condition("Synced")
        if synced is not None and synced.status == "False":
            yield Finding("secrets", subject, Status.FAILED, f"not unsealed: {synced.message or synced.reason}")
        elif sealed.key not in state.secrets:
            yield Finding("secrets", subject, Status.WAITING, "the Secret it should produce does not exist yet")
        else:
            yield Finding("secrets", subject, Status.OK, "Secret present")


def _workloads(state: ClusterState) -> Iterable[Finding]:
    deployments = {d.key: d for d in state.of_kind("Deployment")}
    jobs = {j.key: j for j in state.of_kind("Job")}
    for kustomization in state.of_kind("Kustomization"):
        for check in kustomization.spec.get("healthChecks") or []:
            if check.get("kind") != "Deployment":
                continue
            key = f"{check.get('namespace') or kustomization.namespace}/{check.get('name')}"
            deployment = deployments.get(key)
            if deployment is None:
                yield Finding("workloads", f"Deployment {key}", Status.FAILED, "not found")
                continue
            ready, detail = _available(deployment)
            yield Finding("workloads", f"Deployment {key}", Status.OK if ready else Status.WAITING, detail)
        for namespace, name, group, kind in kustomization.inventory():
            if (group, kind) == ("batch", "Job"):
                yield _job(jobs.get(f"{namespace}/{name}"), f"{namespace}/{name}")


def _job(job: FluxObject | None, key: str) -> Finding:
    subject = f"Job {key}"
    if job is None:
        return Finding("workloads", subject, Status.FAILED, "not found (force: true recreates it at the next sync)")
    for kind in ("Complete", "Failed"):
        condition = job.condition(kind)
        if condition is not None and condition.status == "True":
            if kind == "Complete":
                return Finding(
                    "workloads", subject, Status.OK, f"last run succeeded at {job.status.get('completionTime', '?')}"
                )
            return Finding(
                "workloads", subject, Status.FAILED, f"last run failed: {condition.reason}: {condition.message}"
            )
    return Finding("workloads", subject, Status.WAITING, f"running ({job.status.get('active', 0)} active)")
