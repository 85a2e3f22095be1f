"""Ending the hold a rollback put on image automation, wherever the rollback put it.

A rollback suspends ImageUpdateAutomations in the cluster, or pins `suspend: true` in Git
(--pin-in-git). Resuming undoes both: the pin is removed in a commit pushed without force
(Flux would otherwise suspend the automation again at its next apply), then the cluster's
objects are resumed at once instead of at Flux's next interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gitopsctl.config import Config
from gitopsctl.errors import InputError, Interrupted, OperationFailed
from gitopsctl.flux.automation import (
    AutomationManifest,
    automation_manifests,
    resume_in_cluster,
    suspended_in_cluster,
    unpin_in_git,
)
from gitopsctl.flux.reconcile import request_sync
from gitopsctl.git import Git, Pull
from gitopsctl.kube import Kube
from gitopsctl.progress import Progress
from gitopsctl.signals import interrupts_deferred


@dataclass
class ResumeAutomation:
    git: Git
    kube: Kube
    config: Config
    repo: Path
    progress: Progress

    def run(self, names: tuple[str, ...]) -> None:
        namespace = self.config.flux.namespace
        remote, branch = self.config.github.remote, self.config.github.branch
        with self.progress.step("checking the repository"):
            # A pin pushed from another clone is seen only once this one has caught up.
            not_current = self._catch_up(remote, branch)
        manifests, unreadable = automation_manifests(self.repo)
        for problem in unreadable:
            self.progress.warning(f"{problem.message}: a pin in that file cannot be seen")
        known = {m.name for m in manifests}
        with self.progress.step("reading image automation in the cluster"):
            suspended = suspended_in_cluster(self.kube, namespace)
        unknown = [name for name in names if name not in known and name not in suspended]
        if unknown:
            raise InputError(
                f"no ImageUpdateAutomation {', '.join(unknown)} in the repository or in {namespace}",
                hint="name one that gitopsctl verify lists, or give no name to resume all",
            )
        pinned = [m for m in manifests if m.suspend_declared and (not names or m.name in names)]
        to_resume = [name for name in suspended if not names or name in names]
        if not pinned and not to_resume:
            self.progress.success("image automation is not suspended: nothing to resume")
            return
        if pinned:
            if not_current:
                raise not_current
            self._unpin(pinned, remote, branch)
        if to_resume:
            with self.progress.step("resuming image automation in the cluster"):
                resume_in_cluster(self.kube, namespace, to_resume)
            for name in to_resume:
                self.progress.success(f"resumed ImageUpdateAutomation {namespace}/{name}")

    def _unpin(self, pinned: list[AutomationManifest], remote: str, branch: str) -> None:
        """Commit and push the manifests without `suspend: true`; on a failure or Ctrl-C before
        the push, the clone goes back to where it was."""
        original = self.git.run("rev-parse", "HEAD").strip()
        pushing = False
        try:
            with self.progress.step("removing the pin from Git"):
                changed = unpin_in_git(pinned, self.repo)
                self.git.run("add", "--", *[str(path) for path in changed])
                names = ", ".join(sorted({m.name for m in pinned}))
                self.git.run("commit", "--quiet", "-F", "-", stdin=f"Resume image automation ({names})\n")
            pushing = True
            with self.progress.step("pushing (no force)"):
                self.git.push_rebasing_once(remote, branch, what="the commit that resumes image automation")
        except (OperationFailed, KeyboardInterrupt) as error:
            with interrupts_deferred(deliver=False):
                # What the remote has decides, not what this process saw before the interruption.
                if pushing and self.git.remote_points_at(remote, branch, self.git.run("rev-parse", "HEAD").strip()):
                    raise Interrupted(
                        "interrupted after the push: the pin is gone from Git; run gitopsctl images resume "
                        "again to resume the automation in the cluster"
                    ) from None
                self.git.run("reset", "--quiet", "--hard", original)
            if isinstance(error, KeyboardInterrupt):
                raise Interrupted(f"interrupted: nothing was pushed; the clone is back at {original[:8]}") from None
            raise OperationFailed(
                error.message,
                hint=f"nothing was pushed and the clone is back at {original[:8]}; fix the cause and run "
                "gitopsctl images resume again",
            ) from None
        head = self.git.run("rev-parse", "HEAD").strip()
        files = ", ".join(str(m.path.relative_to(self.repo)) for m in pinned)
        self.progress.success(f"pushed {head[:8]} to {branch}: the pin is gone from {files}")
        request_sync(self.kube, self.progress)

    def _catch_up(self, remote: str, branch: str) -> InputError | None:
        """Fast-forward a clean clone to the remote branch; why the clone cannot take a commit
        that removes a pin (None when it can)."""
        current = self.git.run("rev-parse", "--abbrev-ref", "HEAD").strip()
        if current != branch:
            return InputError(f"on branch '{current}', not '{branch}'", hint=f"git switch {branch}")
        # Clean first: a failed push is undone with reset --hard.
        if self.git.run("status", "--porcelain", "--untracked-files=no").strip():
            return InputError("the repository has uncommitted changes", hint="commit or stash them, then run again")
        if self.git.fast_forward(remote, branch) is Pull.DIVERGED:
            return InputError(
                f"local {branch} has commits {remote}/{branch} does not",
                hint="push or drop them first, so the resume starts from what Flux sees",
            )
        return None
