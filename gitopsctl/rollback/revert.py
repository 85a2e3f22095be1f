"""Rolling back in Git: a revert commit pushed without force, never a rewrite of history.

Every step leaves the repository as it was when it fails: a conflicting revert is aborted,
an interrupted one is undone, and a rejected push keeps the revert commit local and says so.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from gitopsctl.background import in_background
from gitopsctl.errors import GitopsctlError, InputError, OperationFailed, ToolFailed
from gitopsctl.files import LOCK_NAME, git_directory
from gitopsctl.git import COMMIT_FORMAT, Commit, Git, parse_commits

# Revert of a revert of a revert…: followed this far, which no real history reaches.
MAX_REVERT_CHAIN = 8
SHA_PATTERN = re.compile(r"^[0-9a-fA-F]{4,40}$")
TRAILER = "Rollback-Of"
IMAGE_POLICY_MARKER = '"$imagepolicy"'


class RevertConflict(OperationFailed):
    def __init__(self, sha: str, files: list[str]) -> None:
        super().__init__(
            f"reverting {sha[:8]} conflicts with later changes in: {', '.join(files) or 'unknown files'}",
            hint="the repository is unchanged; revert by hand (git revert) or roll back the later commits first",
        )
        self.files = files


@dataclass(frozen=True)
class Target:
    commit: Commit
    files: list[str]
    image_bump: bool
    image_bump_reason: str
    # The clean HEAD (equal to the remote's) that preflight started from: what an interrupted
    # rollback returns to.
    head: str

    @property
    def mainline(self) -> int | None:
        return 1 if self.commit.is_merge else None


@dataclass
class Rollback:
    git: Git
    branch: str
    remote: str
    managed_paths: list[str] = field(default_factory=lambda: ["."])
    automation_authors: set[str] = field(default_factory=set)

    @property
    def remote_ref(self) -> str:
        return f"{self.remote}/{self.branch}"

    # -- preflight ---------------------------------------------------------------------------
    def preflight(self, sha: str, *, fetch: bool = True) -> Target:
        """Check that ``sha`` can be reverted from a clean tree equal to the remote.

        Without ``fetch`` (dry runs) the remote head is asked with ls-remote, so not even a
        remote-tracking ref changes.
        """
        if not SHA_PATTERN.match(sha):
            raise InputError(
                f"'{sha}' is not a commit SHA", hint="pass 4 to 40 hex digits, e.g. from gitopsctl history"
            )
        # The remote is asked first (a network round trip, the slowest part of a preflight) while
        # the clone is checked and the commit looked at. Any refusal waits for it: a fetch writes
        # refs, and must not outlive the command. A clone behind its remote is said before a
        # refusal about the commit, as it explains a commit not found.
        asking = in_background(partial(self._remote_branch_head, fetch=fetch))
        try:
            local = self._require_clean_branch()
        except GitopsctlError:
            with contextlib.suppress(GitopsctlError):
                asking.result()
            raise
        refused: GitopsctlError | None = None
        try:
            target = self._target(sha, local)
        except GitopsctlError as problem:
            refused = problem
        remote = asking.result()
        if local != remote:
            ahead = self.git.commits_between(remote, local) or 0
            behind = self.git.commits_between(local, remote) or 0
            raise InputError(
                f"local {self.branch} differs from {self.remote_ref} ({ahead} ahead, {behind} behind)",
                hint="git pull (or push your commits) so the rollback starts from what Flux sees",
            )
        if refused is not None:
            raise refused
        return target

    def _require_clean_branch(self) -> str:
        """HEAD's commit, once the clone has history, the remote, a clean tree and the branch."""
        local, current = self._require_history_and_remote()
        dirty = self.git.run("status", "--porcelain", "--untracked-files=all", "--", *self.managed_paths)
        if dirty.strip():
            listed = ", ".join(line[3:] for line in dirty.splitlines()[:5])
            raise InputError(
                f"the repository has uncommitted changes ({listed})", hint="commit or stash them, then run again"
            )
        if current != self.branch:
            raise InputError(f"on branch '{current}', not '{self.branch}'", hint=f"git switch {self.branch}")
        return local

    def _remote_branch_head(self, *, fetch: bool) -> str:
        if fetch:
            return self.git.fetch_branch(self.remote, self.branch)
        return self.git.remote_head(self.remote, self.branch)

    def _target(self, sha: str, local: str) -> Target:
        """What reverting ``sha`` on top of ``local`` means, or why it cannot be."""
        commit = self._resolve(sha)
        if not commit.parents:
            if commit.sha in self._shallow_boundary():
                raise InputError(
                    f"{commit.sha[:8]} is where this shallow clone's history stops; its parent was not fetched",
                    hint="git fetch --unshallow, then run again",
                )
            raise InputError(f"{commit.sha[:8]} is the first commit; there is nothing before it to return to")
        try:
            self.git.run("merge-base", "--is-ancestor", commit.sha, local)
        except ToolFailed:
            raise InputError(
                f"{commit.sha[:8]} is not on {self.remote_ref}", hint="pick a commit from gitopsctl history"
            ) from None
        reverted_by = self._reverted_by(commit.sha)
        if reverted_by:
            raise InputError(f"{commit.sha[:8]} was already reverted by {reverted_by[:8]}", hint="nothing to do")
        files = [
            f
            for f in self.git.run("show", "--format=", "--name-only", "-m", "--first-parent", commit.sha).splitlines()
            if f
        ]
        bump, reason = self._classify(commit)
        return Target(commit, files, bump, reason, head=local)

    def _require_history_and_remote(self) -> tuple[str, str]:
        """HEAD's commit and branch ("HEAD" when detached). An empty repository or one without the
        remote is a precondition, not a git failure."""
        try:
            head, branch = self.git.run("rev-parse", "HEAD", "--abbrev-ref", "HEAD").split()
        except ToolFailed:
            raise InputError(
                "the repository has no commits yet", hint="there is nothing to roll back; commit and push first"
            ) from None
        if self.git.remote_url(self.remote) is None:
            raise InputError(
                f"the repository has no remote '{self.remote}'",
                hint=f"git remote add {self.remote} URL, or set github.remote in gitopsctl.toml to the remote Flux "
                "pulls from",
            )
        return head, branch

    def _shallow_boundary(self) -> set[str]:
        """The commits a shallow clone shows without parents (git lists them in .git/shallow)."""
        shallow = git_directory(self.git.repo) / "shallow"
        return set(shallow.read_text(encoding="ascii").split()) if shallow.is_file() else set()

    def _rev(self, ref: str) -> str:
        return self.git.run("rev-parse", "--verify", ref).strip()

    def _resolve(self, sha: str) -> Commit:
        try:
            full = self.git.run("rev-parse", "--verify", f"{sha}^{{commit}}").strip()
        except ToolFailed as error:
            if "ambiguous" in error.stderr:
                raise InputError(f"'{sha}' is ambiguous", hint="give more digits of the SHA") from None
            raise InputError(
                f"no commit '{sha}' in the repository", hint="check the SHA (gitopsctl history lists them)"
            ) from None
        (commit,) = parse_commits(self.git.run("show", "-s", f"--format={COMMIT_FORMAT}", full))
        return commit

    def _reverted_by(self, sha: str, depth: int = 0) -> str:
        """The commit that reverts ``sha`` and is still in effect; "" when ``sha`` is live (never
        reverted, or its revert was itself reverted: a "revert of the revert" made it live again)."""
        for pattern in (f"{TRAILER}: {sha}", f"This reverts commit {sha}"):
            found = self.git.run("log", "HEAD", "--format=%H", "-F", f"--grep={pattern}", "-n", "1").strip()
            if found:
                undone = depth < MAX_REVERT_CHAIN and self._reverted_by(found, depth + 1)
                return "" if undone else found
        return ""

    def _classify(self, commit: Commit) -> tuple[bool, str]:
        if commit.author_name in self.automation_authors or commit.author_email in self.automation_authors:
            return True, f"authored by the image automation ({commit.author_name})"
        diff = self.git.run("show", "--format=", "-U0", "-m", "--first-parent", commit.sha)
        changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        if changed and all(IMAGE_POLICY_MARKER in line for line in changed):
            return True, "changes only image tags marked for image automation"
        return False, ""

    # -- the change --------------------------------------------------------------------------
    def head(self) -> str:
        return self._rev("HEAD")

    def revert(self, target: Target, reason: str) -> str:
        """Make the revert commit; on a conflict abort and leave the repository as it was."""
        args = ["revert", "--no-commit"]
        if target.mainline:
            args += ["-m", str(target.mainline)]
        try:
            self.git.run(*args, target.commit.sha)
        except ToolFailed:
            conflicted = [f for f in self.git.run("diff", "--name-only", "--diff-filter=U").splitlines() if f]
            self.abort()
            raise RevertConflict(target.commit.sha, conflicted) from None
        message = revert_message(target.commit, reason)
        self.git.run("commit", "--quiet", "-F", "-", stdin=message)
        return self.head()

    def abort(self) -> None:
        """Undo a revert in progress (conflict or interruption)."""
        try:
            self.git.run("revert", "--abort")
        except ToolFailed:
            self.git.run("reset", "--quiet", "--merge")

    def restore(self, original_head: str, locks_before: set[Path]) -> list[str]:
        """Return to ``original_head`` exactly, as preflight found it (a clean tree): a revert or
        rebase in progress abandoned, the index and work tree reset. Lock files that git
        children of this command left (an interrupted git cannot always remove its own) go
        first; locks that were there before are someone else's and stay.

        Returns what is still not as it was (empty when the restore is complete).
        """
        for lock in lock_files(self.git.repo) - locks_before:
            with contextlib.suppress(OSError):
                lock.unlink()
        git_dir = git_directory(self.git.repo)
        if (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists():
            with contextlib.suppress(ToolFailed):
                self.git.run("rebase", "--abort")
        self.abort_quietly()
        left = []
        try:
            self.git.run("reset", "--quiet", "--hard", original_head)
        except ToolFailed as error:
            left.append(f"git reset --hard {original_head[:8]} failed ({error})")
        if self.head() != original_head:
            left.append(f"HEAD is {self.head()[:8]}, not {original_head[:8]}")
        if self.git.run("status", "--porcelain", "--untracked-files=no").strip():
            left.append("the work tree has changes")
        return left

    def abort_quietly(self) -> None:
        with contextlib.suppress(ToolFailed):
            self.git.run("revert", "--abort")

    def remote_has(self, sha: str) -> bool | None:
        """Whether the remote branch points at ``sha`` now; None when the remote cannot be asked."""
        return self.git.remote_points_at(self.remote, self.branch, sha)

    def push(self) -> tuple[str, bool]:
        """Push without force, rebasing the revert once if the remote moved: the pushed commit
        and whether a rebase was needed."""
        rebased = self.git.push_rebasing_once(self.remote, self.branch, what="the revert commit")
        return self.head(), rebased


def lock_files(repo: Path) -> set[Path]:
    """git's lock files (index.lock, HEAD.lock, refs/…/x.lock), not gitopsctl's own."""
    git_dir = git_directory(repo)
    found = {path for path in git_dir.glob("*.lock") if path.name != LOCK_NAME}
    return found | set((git_dir / "refs").rglob("*.lock"))


def revert_message(commit: Commit, reason: str) -> str:
    lines = [f'Revert "{commit.subject}"', "", f"This reverts commit {commit.sha}."]
    if commit.is_merge:
        lines[-1] += f" (mainline {commit.parents[0][:8]})"
    if reason:
        lines += ["", f"Reason: {reason}"]
    lines += ["", f"{TRAILER}: {commit.sha}"]
    return "\n".join(lines) + "\n"
