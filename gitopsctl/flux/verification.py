"""verify's engine: read the cluster, judge it against Git, and wait for it event by event.

Shared by verify, sync --wait, rollback's wait and bootstrap's verify step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from gitopsctl.config import Config
from gitopsctl.errors import ToolFailed
from gitopsctl.flux.cluster import change_feed, read_state, wait_for_change
from gitopsctl.flux.health import CommitsBehind, Expectations, Finding, Includes, Report, evaluate
from gitopsctl.flux.objects import KIND_RESOURCES, FluxObject
from gitopsctl.flux.own_repository import OwnRepository
from gitopsctl.flux.remote_heads import remote_heads
from gitopsctl.git import NETWORK_TIMEOUT, Git
from gitopsctl.kube import Kube
from gitopsctl.progress import Progress
from gitopsctl.status import Status


@dataclass
class Verifier:
    kube: Kube
    expect: Expectations
    commits_behind: CommitsBehind | None = None
    includes: Includes | None = None
    focus: Callable[[Finding], bool] | None = None
    # Asks the remotes of the application GitRepositories where their refs point (once).
    ask_remotes: Callable[[list[FluxObject]], tuple[dict[str, str], dict[str, str]]] | None = None
    # Kinds found without a CRD at the first read, not asked for again at each change.
    unserved: set[str] = field(default_factory=set)
    # Whether the last read found SealedSecrets: the next one lists Secrets at the same time.
    sealed_secrets_seen: bool = False

    def check(self) -> Report:
        state = read_state(self.kube, self.unserved, sealed_secrets_expected=self.sealed_secrets_seen)
        self.sealed_secrets_seen = bool(state.of_kind("SealedSecret"))
        if self.ask_remotes is not None:
            others = [s for s in state.of_kind("GitRepository") if not self.expect.own_repository.holds_source(s)]
            self.expect.source_heads, self.expect.unanswered_remotes = self.ask_remotes(others)
            self.ask_remotes = None
        report = evaluate(
            state,
            self.expect,
            commits_behind=self.commits_behind,
            includes=self.includes,
        )
        return report.only(self.focus) if self.focus else report

    def wait(self, timeout: float, on_report: Callable[[Report], None]) -> Report:
        """Re-judge on every change until healthy or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        # Watch first, then read: a change between the two is still seen.
        with change_feed(self.kube) as feed:
            report = self.check()
            on_report(report)
            while not report.healthy:
                # What is unsettled is watched too (an ImagePolicy not scanned yet, a HelmRelease
                # upgrading): were it not, its settling would end the wait only by luck.
                if not feed.watch(_unsettled_kinds(report)) and not wait_for_change(feed.events, deadline):
                    break
                report = self.check()
                on_report(report)
        return report


def _unsettled_kinds(report: Report) -> list[str]:
    """The resources of the objects a report finds waiting or failing ("Kind namespace/name")."""
    kinds = {f.subject.partition(" ")[0] for f in report.findings if f.status in (Status.WAITING, Status.FAILED)}
    return sorted(KIND_RESOURCES[kind] for kind in kinds if kind in KIND_RESOURCES)


def expectations(config: Config, target_sha: str, cluster: str = "", remote_url: str = "") -> Expectations:
    """What verify expects of the cluster; ``remote_url`` is where the clone pushes (its own
    repository, whatever URL the GitRepository spells it with)."""
    cluster = cluster or config.cluster.name
    github = config.github
    own = [remote_url, f"https://{github.hostname}/{github.owner}/{github.repository}" if github.owner else ""]
    return Expectations(
        flux_namespace=config.flux.namespace,
        own_repository=OwnRepository.at(own, config.flux.namespace),
        components=(*config.flux.components, *config.flux.components_extra),
        sealed_secrets=(config.sealed_secrets.controller_namespace, config.sealed_secrets.controller_name),
        target_sha=target_sha,
        sealing_key=config.sealed_secrets.cert_fingerprints.get(cluster, ""),
        backed_up_keys=tuple(config.sealed_secrets.key_backups.get(cluster, [])),
    )


@dataclass
class History:
    """Whether a revision the cluster reached is built on the one being waited for: image
    automation may push on top of a revert or a sync before Flux applies it, and then the
    cluster runs a newer commit that includes it, which is success, not "behind".

    A revision this clone has not seen is fetched once per judgement run (a bot's commit);
    answers are remembered, so a long wait spawns git only when a new revision appears.
    """

    git: Git
    remote: str
    branch: str

    def __post_init__(self) -> None:
        self.answers: dict[tuple[str, str], bool] = {}
        self.fetched = False

    def includes(self, newer: str, older: str) -> bool:
        key = (newer, older)
        if key not in self.answers:
            if not self.git.has_commit(newer) and not self.fetched:
                self.fetched = True
                try:
                    self.git.run("fetch", "--quiet", self.remote, self.branch, timeout=NETWORK_TIMEOUT)
                except ToolFailed:
                    return False  # asked again at the next change, without fetching
            if not self.git.has_commit(newer):
                return False
            self.answers[key] = self.git.is_ancestor(older, newer)
        return self.answers[key]


def branch_head(git: Git | None, remote: str, branch: str, progress: Progress) -> str:
    """The remote branch head Flux should have applied ("" outside a repository or without the remote)."""
    if git is None:
        return ""
    try:
        return git.remote_head(remote, branch)
    except ToolFailed:
        if git.remote_url(remote) is not None:
            raise
    progress.warning(
        f"the repository has no remote '{remote}': the cluster is not compared with a branch head "
        f"(git remote add {remote} URL && git push -u {remote} {branch}, or set github.remote in gitopsctl.toml)"
    )
    return ""


def judge(
    kube: Kube,
    config: Config,
    git: Git | None,
    progress: Progress,
    *,
    wait: bool,
    timeout: float,
    target_sha: str | None = None,
    focus: Callable[[Finding], bool] | None = None,
    show: bool = False,
    cluster: str = "",
    ask_other_remotes: bool = True,
) -> tuple[str, Report]:
    """The commit the cluster should run (the branch head unless given) and the judgement,
    waited for when ``wait`` (each new problem said as it shows); with ``show``, the report and
    its closing line follow, as verify shows them. ``ask_other_remotes``: whether the other
    GitRepositories' remotes are asked where their refs point (a wait for one's own push does
    not need them, and an unreachable one would hold its first judgement up to 10 s)."""
    branch = config.github.branch
    head = target_sha if target_sha is not None else branch_head(git, config.github.remote, branch, progress)
    commits_behind = git.commits_between if git is not None else None
    includes = History(git, config.github.remote, branch).includes if git is not None else None
    expect = expectations(config, head, cluster, git.remote_url(config.github.remote) or "" if git else "")
    verifier = Verifier(
        kube,
        expect,
        focus=focus,
        commits_behind=commits_behind,
        includes=includes,
        ask_remotes=partial(remote_heads, git) if git is not None and ask_other_remotes else None,
    )
    if head:
        progress.action(f"verifying cluster against {branch}@{head[:8]}")
    last = ""

    def on_report(report: Report) -> None:
        nonlocal last
        healthy, text = report.summary()
        if not healthy and text != last:
            progress.waiting(text)
            last = text

    report = verifier.wait(timeout, on_report) if wait else verifier.check()
    if show:
        progress.report(report)
        announce(report, progress, waited=wait)
    return head, report


def announce(report: Report, progress: Progress, *, waited: bool) -> None:
    """The closing line: healthy, or the first problem (after a wait: that it timed out)."""
    healthy, text = report.summary()
    if healthy:
        progress.success(text)
    elif waited:
        progress.failure(f"timed out: {text}")
    else:
        progress.failure(text)
