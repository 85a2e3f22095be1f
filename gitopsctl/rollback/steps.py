"""The steps of gitopsctl rollback, each shown as it runs, with Ctrl-C handled at every stage.

They take git, the cluster, the configuration and a progress reporter explicitly, so a
rollback runs from Python as well as from the CLI.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from pathlib import Path

from gitopsctl.background import in_background
from gitopsctl.config import Config
from gitopsctl.errors import GitopsctlError, InputError, Interrupted
from gitopsctl.flux.automation import automation_manifests, resume_in_cluster, suspend_in_cluster, suspend_in_git
from gitopsctl.flux.build import Builder, applying
from gitopsctl.flux.cluster import read_state
from gitopsctl.flux.objects import ClusterState
from gitopsctl.flux.reconcile import request_sync
from gitopsctl.flux.verification import judge
from gitopsctl.git import Git
from gitopsctl.kube import Kube
from gitopsctl.progress import Progress
from gitopsctl.rollback.revert import RevertConflict, Rollback, Target, lock_files
from gitopsctl.signals import interrupts_deferred


@dataclass
class RollbackFlow:
    git: Git
    kube: Kube
    config: Config
    repo: Path
    progress: Progress
    reason: str
    keep_automation: bool
    pin_in_git: bool
    suspended: list[str] = field(default_factory=list)
    # git's lock files when preflight found the clone clean: any others after an interruption
    # are this command's children's.
    locks_before: set[Path] = field(default_factory=set)
    # The cluster folder, to say which Kustomizations a revert changes (None: not said).
    cluster_dir: Path | None = None
    # Each repository file Flux builds from, and the Kustomizations it goes into; None when unknown.
    applied_by: dict[str, list[str]] | None = None
    # The cluster as preflight read it (not for dry runs).
    reading: Future[ClusterState] | None = None

    def __post_init__(self) -> None:
        self.manifests, self.unreadable_automation = automation_manifests(self.repo)
        authors = {m.author_name for m in self.manifests} | {m.author_email for m in self.manifests}
        self.rollback = Rollback(
            self.git,
            branch=self.config.github.branch,
            remote=self.config.github.remote,
            managed_paths=["."],
            automation_authors={a for a in authors if a},
        )

    def preflight(self, sha: str, *, dry_run: bool) -> Target:
        self._check_automation_readable(dry_run=dry_run)
        # While git fetches, what Flux builds is worked out and the cluster read (what to suspend
        # and what to ask to reconcile): they cost the rollback no time. A preflight that refuses
        # does not wait for the read; that kubectl ends by itself (its request timeout), changing nothing.
        if not dry_run:
            self.reading = in_background(partial(read_state, self.kube, secrets=False))
        with ThreadPoolExecutor(max_workers=1) as pool:
            building = pool.submit(self._applied_by)
            with self.progress.step("checking the repository"):
                target = self.rollback.preflight(sha, fetch=not dry_run)
            self.applied_by = building.result()
        self.locks_before = lock_files(self.repo)
        return target

    def _state(self) -> ClusterState | None:
        """The state read during preflight; None (each step reads for itself) if that read failed."""
        if self.reading is None:
            return None
        try:
            return self.reading.result()
        except GitopsctlError:
            return None

    def _applied_by(self) -> dict[str, list[str]] | None:
        if self.cluster_dir is None or not self.cluster_dir.is_dir():
            return None
        try:
            builder = Builder.for_config(self.git.runner, self.repo, self.config)
            return builder.build_cluster(self.cluster_dir).applied_by(self.repo)
        except GitopsctlError:
            return None  # no kubectl, say: the rollback does not need to know

    def _check_automation_readable(self, *, dry_run: bool) -> None:
        """An ImageUpdateAutomation that cannot be read hides who commits image bumps and what
        to suspend: a dry run warns and goes on; a rollback that guards automation refuses."""
        for problem in self.unreadable_automation:
            if dry_run or self.keep_automation:
                self.progress.warning(f"{problem.message}: image automation commits may not be recognised")
                continue
            raise InputError(
                f"{problem.message}: the rollback cannot tell image automation commits or hold the automation back",
                hint="fix that file, or pass --keep-automation to roll back without guarding it",
            )

    def show(self, target: Target) -> None:
        commit = target.commit
        self.progress.info(f"  commit   {commit.sha}")
        self.progress.info(f"  subject  {commit.subject}")
        self.progress.info(f"  author   {commit.author_name} <{commit.author_email}>, {commit.date}")
        self.progress.info(f"  files    {', '.join(target.files) or '(none)'}")
        if self.applied_by is not None:
            kustomizations = applying(self.applied_by, target.files)
            if kustomizations:
                verb = "applies" if len(kustomizations) == 1 else "apply"
                self.progress.info(f"  changes  what {', '.join(kustomizations)} {verb}")
            else:
                self.progress.warning(
                    "none of these files is in what Flux builds for this cluster: the revert changes nothing it runs"
                )
        if target.mainline:
            self.progress.warning(
                f"{commit.sha[:8]} is a merge commit: reverting it against its first parent "
                f"(git revert -m 1), undoing everything the merge brought in"
            )
        if target.image_bump:
            self.progress.warning(f"this is an image automation commit ({target.image_bump_reason})")

    def show_plan(self, target: Target, *, no_push: bool) -> None:
        steps = []
        if target.image_bump and not self.keep_automation:
            steps.append(
                "suspend image automation " + ("in Git and in the cluster" if self.pin_in_git else "in the cluster")
            )
        mainline = " -m 1" if target.mainline else ""
        steps.append(
            f"git revert --no-commit{mainline} {target.commit.sha[:8]} and commit with "
            f"'Rollback-Of: {target.commit.sha}'"
        )
        if not no_push:
            steps += [
                f"git push origin HEAD:refs/heads/{self.config.github.branch} (no force)",
                "request reconciliation",
                "wait until applied and healthy",
            ]
        for number, step in enumerate(steps, start=1):
            self.progress.info(f"  {number}. {step}")
        self.progress.success("dry run: nothing was changed")

    def execute(self, target: Target, *, push: bool) -> str | None:
        """Guard, revert, push and request reconciliation; the pushed commit (None with --no-push)."""
        original = target.head
        stage = Stage.LOCAL
        try:
            if target.image_bump and not self.keep_automation:
                self._guard(target)
            elif target.image_bump:
                self.progress.warning("--keep-automation: image automation may write the reverted tag back")
            with self.progress.step(f"reverting {target.commit.sha[:8]}"):
                revert = self.rollback.revert(target, self.reason)
            if not push:
                self.progress.info(f"  revert commit {revert[:8]} made locally (--no-push); push it with git push")
                return None
            stage = Stage.PUSHING
            with self.progress.step("pushing (no force)"):
                head, rebased = self.rollback.push()
            stage = Stage.PUSHED
            if rebased:
                self.progress.info("  the remote had moved: rebased the revert onto it and pushed")
            self.progress.success(f"pushed {head[:8]} to {self.config.github.branch}")
            request_sync(self.kube, self.progress, self._state())
            self._explain_resume()
        except KeyboardInterrupt:
            with interrupts_deferred(deliver=False):  # a second Ctrl-C must not cut the clean-up short
                self._interrupted(original, stage)
        except RevertConflict:
            # Back to exactly where we started: no pin commit, no suspended automation.
            self.rollback.restore(original, self.locks_before)
            self._resume_automation()
            raise
        return head

    def wait(self, pushed: str, timeout: float):
        # Waiting for this push only: the application repositories' remotes are not asked.
        _, report = judge(
            self.kube,
            self.config,
            self.git,
            self.progress,
            wait=True,
            timeout=timeout,
            target_sha=pushed,
            show=True,
            ask_other_remotes=False,
        )
        return report

    def _guard(self, target: Target) -> None:
        if self.pin_in_git:
            with self.progress.step("suspending image automation in Git"):
                changed = suspend_in_git(self.manifests, self.repo)
                if changed:
                    git = self.rollback.git
                    git.run("add", *[str(p) for p in changed])
                    git.run(
                        "commit",
                        "--quiet",
                        "-F",
                        "-",
                        stdin=f"Suspend image automation during rollback of {target.commit.sha[:8]}\n",
                    )
        namespace = self.config.flux.namespace
        if not self.pin_in_git:
            for manifest in self.manifests:
                if manifest.suspend_declared is False:
                    self.progress.warning(
                        f"{manifest.path.name} declares suspend: false, so Flux will undo a cluster "
                        "suspension at its next sync; use --pin-in-git"
                    )
        # Also with the pin: until Flux applies it, a live automation would write the tag back
        # the moment the revert lands (seen with the real controller, within a second).
        state = self._state()
        with self.progress.step("suspending image automation in the cluster"):
            self.suspended = suspend_in_cluster(
                self.kube, namespace, None if state is None else state.of_kind("ImageUpdateAutomation")
            )

    def _resume_automation(self) -> None:
        if self.suspended:
            resume_in_cluster(self.kube, self.config.flux.namespace, self.suspended)
            self.progress.info(f"  resumed image automation ({', '.join(self.suspended)}): nothing was pushed")
            self.suspended = []

    def _explain_resume(self) -> None:
        if self.pin_in_git:
            self.progress.warning(
                "image automation is suspended in Git so it does not re-apply the reverted tag; once a fixed "
                "image is tagged, end the hold: gitopsctl images resume"
            )
            return
        for name in self.suspended:
            self.progress.warning(
                f"ImageUpdateAutomation {name} is suspended so it does not re-apply the reverted tag; "
                f"once a fixed image is tagged, resume it: gitopsctl images resume {name}"
            )

    def _interrupted(self, original: str, stage: Stage) -> None:
        """Say what is true after Ctrl-C, asking the remote when the push may have landed.

        Automation is resumed only when the revert is certainly not on the remote: resuming it
        after the push would re-bump the image the rollback removed.
        """
        revert = self.rollback.head()
        if stage is Stage.PUSHING:
            self.progress.info("  interrupted during the push: asking the remote what it has")
            on_remote = self.rollback.remote_has(revert)
            if on_remote is None:
                raise Interrupted(
                    f"interrupted: push state unknown; check with git fetch (the revert commit {revert[:8]} "
                    "stays local, image automation stays as it is)"
                )
            stage = Stage.PUSHED if on_remote else Stage.LOCAL
        if stage is Stage.PUSHED:
            self._explain_resume()
            raise self.interrupted_after_the_push(revert)
        left = self.rollback.restore(original, self.locks_before)
        if left:
            raise Interrupted(
                f"interrupted: nothing was pushed, but the repository is not back at {original[:8]}: "
                f"{'; '.join(left)}; fix it with git status (then git reset --hard {original[:8]})"
            )
        self._resume_automation()
        raise Interrupted(f"interrupted: nothing was pushed; the repository is back at {original[:8]}")

    def interrupted_after_the_push(self, revert: str) -> Interrupted:
        return Interrupted(
            f"interrupted after the push: {revert[:8]} is on {self.rollback.remote}/{self.config.github.branch}; "
            "Flux applies it at its next sync (gitopsctl sync --wait to do it now)"
        )


class Stage(Enum):
    """How far a rollback got, which decides what an interruption leaves."""

    LOCAL = "nothing has left this clone"
    PUSHING = "the push may or may not have landed"
    PUSHED = "the revert is on the remote"
