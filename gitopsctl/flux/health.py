"""Is the cluster running what Git says? One report over every object verify reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from gitopsctl.flux import graph
from gitopsctl.flux.objects import DEFAULT_COMPONENTS, ClusterState, FluxObject, revision_sha
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
    # The commit every Kustomization should have applied (the branch head), when known.
    target_sha: str = ""
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
    kustomization_findings, order = _kustomizations(state, expect, includes)
    findings += kustomization_findings
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
    for source in state.of_kind("GitRepository"):
        subject = f"GitRepository {source.key}"
        if source.suspended:
            yield Finding("sync", subject, Status.FAILED, "suspended: new commits are not fetched")
            continue
        ready = source.condition("Ready")
        artifact = revision_sha(source.artifact_revision)
        if ready is None:
            yield Finding("sync", subject, Status.WAITING, "not reconciled yet")
        elif ready.status != "True":
            status = Status.WAITING if ready.status == "Unknown" else Status.FAILED
            yield Finding("sync", subject, status, f"{ready.reason}: {ready.message}")
        elif expect.target_sha and artifact != expect.target_sha and includes and includes(artifact, expect.target_sha):
            yield Finding(
                "sync",
                subject,
                Status.OK,
                f"at {artifact[:8]}, which includes {expect.target_sha[:8]} and newer commits",
            )
        elif expect.target_sha and artifact != expect.target_sha:
            count = commits_behind(artifact, expect.target_sha) if commits_behind else None
            by = f" by {count} commit{'s' if count != 1 else ''}" if count is not None else ""
            yield Finding(
                "sync",
                subject,
                Status.WAITING,
                f"behind{by}: has {artifact[:8]}, the branch head is {expect.target_sha[:8]}",
            )
        else:
            where = "in sync with the branch head" if expect.target_sha else "ready"
            yield Finding("sync", subject, Status.OK, f"{where} at {artifact[:8]}")


def _kustomizations(
    state: ClusterState, expect: Expectations, includes: Includes | None
) -> tuple[list[Finding], list[list[str]]]:
    kustomizations = {k.key: k for k in state.of_kind("Kustomization")}
    sources = {f"GitRepository/{s.key}": s for s in state.of_kind("GitRepository")}
    dependencies = {key: k.dependencies() for key, k in kustomizations.items()}
    findings: list[Finding] = []
    try:
        order = graph.levels(dependencies)
    except graph.DependencyCycle as cycle:
        findings.append(Finding("kustomizations", "dependsOn", Status.FAILED, f"dependency cycle: {cycle}"))
        order = [sorted(kustomizations)]
    for depth, level in enumerate(order):
        for key in level:
            status, detail = _kustomization_status(
                kustomizations[key], kustomizations, dependencies, sources, expect, includes
            )
            findings.append(Finding("kustomizations", f"Kustomization {key}", status, detail, level=depth))
    return findings, order


def _kustomization_status(
    kustomization: FluxObject,
    everything: dict[str, FluxObject],
    dependencies: dict[str, list[str]],
    sources: dict[str, FluxObject],
    expect: Expectations,
    includes: Includes | None,
) -> tuple[Status, str]:
    if kustomization.suspended:
        return (
            Status.FAILED,
            f"suspended: Git changes are not applied (flux resume kustomization {kustomization.name})",
        )
    missing = [d for d in kustomization.dependencies() if d not in everything]
    if missing:
        return Status.FAILED, f"depends on {', '.join(missing)}, which does not exist"
    stalled = kustomization.stalled
    if stalled:
        return Status.FAILED, f"stalled: {stalled.reason}: {stalled.message}"
    ready = kustomization.condition("Ready")
    applied = revision_sha(kustomization.last_applied_revision)
    attempted = revision_sha(kustomization.last_attempted_revision)
    if ready is None:
        return Status.WAITING, "not reconciled yet"
    if ready.status == "False" and ready.reason == "DependencyNotReady":
        blocker = graph.root_blocker(kustomization.key, dependencies, lambda key: everything[key].ready)
        return Status.FAILED, f"DependencyNotReady: blocked by {blocker or 'a dependency'}"
    if ready.status == "False":
        return Status.FAILED, f"{ready.reason}: {ready.message}" + _revisions(applied, attempted)
    if ready.status != "True" or kustomization.observed_generation < kustomization.generation:
        return Status.WAITING, f"{ready.reason or 'Progressing'}: {ready.message}".rstrip(": ")
    healthy = kustomization.condition("Healthy")
    if healthy is not None and healthy.status == "False":
        return Status.FAILED, f"health checks failing: {healthy.reason}: {healthy.message}"
    source = sources.get(kustomization.source_key)
    source_sha = revision_sha(source.artifact_revision) if source else ""
    wanted = expect.target_sha or source_sha
    if wanted and applied != wanted:
        if expect.target_sha and applied and includes and includes(applied, wanted):
            return Status.OK, f"applied {applied[:8]}, which includes {wanted[:8]}"
        return Status.WAITING, f"applied {applied[:8] or 'nothing'}, waiting for {wanted[:8]}"
    return Status.OK, f"applied {applied[:8]}"


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
