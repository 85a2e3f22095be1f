"""The git operations gitopsctl performs on the operator's GitOps repository."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from gitopsctl.errors import InputError, OperationFailed, ToolFailed
from gitopsctl.runner import Runner

GIT_TIMEOUT = 60.0
NETWORK_TIMEOUT = 120.0
# After an interrupted push the remote is asked what it has: briefly, the operator is waiting.
REMOTE_QUESTION_TIMEOUT = 20.0
# git's words when the connection to a remote failed (a dropped or garbled TLS handshake, a reset
# during a request): a command that only reads is tried once more before the failure counts.
CONNECTION_FAILED = ("unable to access", "RPC failed")


class PushRejected(OperationFailed):
    pass


def ssh_push_url(host: str, owner: str, repository: str) -> str:
    """Where a clone pushes over SSH: git@host:owner/repo.git, or the ssh:// form when the host
    names a port (scp-like syntax has no place for one: git@host:2222:… would be a path)."""
    if ":" in host:
        return f"ssh://git@{host}/{owner}/{repository}.git"
    return f"git@{host}:{owner}/{repository}.git"


@dataclass
class Git:
    runner: Runner
    repo: Path

    def run(self, *args: str, timeout: float = GIT_TIMEOUT, stdin: str | None = None) -> str:
        # A pager, an editor or a credential prompt would hang a non-interactive run.
        env = {"GIT_TERMINAL_PROMPT": "0", "GIT_EDITOR": "true", "GIT_PAGER": "cat", "LC_ALL": "C"}
        return self.runner.run("git", args, cwd=self.repo, env=env, timeout=timeout, stdin=stdin).stdout

    def remote_head(self, remote: str, branch: str, *, timeout: float = NETWORK_TIMEOUT) -> str:
        output = self._read_remote("ls-remote", remote, f"refs/heads/{branch}", timeout=timeout)
        return output.split()[0] if output.strip() else ""

    def _read_remote(self, *args: str, timeout: float) -> str:
        """A git command that only reads from a remote, tried twice when the connection fails."""
        try:
            return self.run(*args, timeout=timeout)
        except ToolFailed as error:
            if not any(words in error.stderr for words in CONNECTION_FAILED):
                raise
            time.sleep(1.0)
            return self.run(*args, timeout=timeout)

    def remote_points_at(self, remote: str, branch: str, sha: str) -> bool | None:
        """Whether ``remote``'s ``branch`` points at ``sha`` now; None when the remote cannot be asked."""
        try:
            return self.remote_head(remote, branch, timeout=REMOTE_QUESTION_TIMEOUT) == sha
        except OperationFailed:
            return None

    def remote_url(self, remote: str) -> str | None:
        """The URL of ``remote``; None when the repository has no such remote."""
        try:
            return self.run("remote", "get-url", remote).strip() or None
        except ToolFailed:
            return None

    def require_published(self, remote: str, branch: str, *, suggested_url: str) -> None:
        """Refuse, before anything changes, a clone whose branch cannot take a push and a pull.

        A `git init` without a remote, or a branch that tracks nothing, would otherwise surface
        as git's raw text half-way through a command (or as a rejected push afterwards).
        """
        if self.remote_url(remote) is None:
            raise InputError(
                f"the repository has no remote '{remote}'",
                hint=f"create the repository on the Git server, then: git remote add {remote} {suggested_url} "
                f"&& git push -u {remote} {branch}",
            )
        try:
            current = self.run("symbolic-ref", "--quiet", "--short", "HEAD").strip()
        except ToolFailed:
            raise InputError("HEAD is detached", hint=f"git switch {branch}") from None
        if current != branch:
            raise InputError(
                f"this clone is on '{current}', but the branch to bootstrap is '{branch}'",
                hint=f"git switch {branch}, or pass --branch {current}",
            )
        try:
            self.run("rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}")
        except ToolFailed:
            raise InputError(
                f"the branch '{current}' tracks nothing on '{remote}'",
                hint=f"publish it first: git push -u {remote} {current}",
            ) from None

    def fetch_branch(self, remote: str, branch: str) -> str:
        """Fetch ``branch`` from ``remote``; the commit it points at there."""
        self._read_remote("fetch", "--quiet", remote, f"refs/heads/{branch}", timeout=NETWORK_TIMEOUT)
        return self.run("rev-parse", "FETCH_HEAD").strip()

    def fast_forward(self, remote: str, branch: str) -> Pull:
        """Bring the commits another program pushed (flux bootstrap, a bot) into this clone."""
        # require_published has made sure this clone is on ``branch``.
        fetched = self.fetch_branch(remote, branch)
        head = self.run("rev-parse", "HEAD").strip()
        if fetched == head or self.is_ancestor(fetched, head):
            return Pull.UP_TO_DATE
        if not self.is_ancestor(head, fetched):
            return Pull.DIVERGED
        try:
            self.run("merge", "--ff-only", "--quiet", fetched)
        except ToolFailed:
            return Pull.BLOCKED  # local changes to the files the new commits touch
        return Pull.FAST_FORWARDED

    def push_rebasing_once(self, remote: str, branch: str, *, what: str) -> bool:
        """Push HEAD to ``branch`` without force; if the remote moved (a bot's commit), rebase
        this clone's commits onto it and push once more. Whether a rebase was needed.

        On a rejection the commits stay local, and the error says so, naming them as ``what``.
        """
        try:
            self._push(remote, branch)
            return False
        except ToolFailed as error:
            if not is_non_fast_forward(error.stderr):
                raise PushRejected(
                    f"the push was rejected: {rejection_reason(error.stderr)}",
                    hint=f"{what} {self._head()} stays local; fix the cause and git push",
                ) from None
        self.run("fetch", "--quiet", remote, branch, timeout=NETWORK_TIMEOUT)
        try:
            self.run("rebase", "--quiet", f"{remote}/{branch}")
        except ToolFailed:
            self.run("rebase", "--abort")
            raise PushRejected(
                f"{remote}/{branch} moved and {what} no longer applies on top of it",
                hint=f"{what} {self._head()} stays local; resolve with git pull --rebase, then push",
            ) from None
        try:
            self._push(remote, branch)
        except ToolFailed as error:
            raise PushRejected(
                f"the push was rejected again: {rejection_reason(error.stderr)}",
                hint=f"{what} {self._head()} stays local; git pull --rebase && git push",
            ) from None
        return True

    def _push(self, remote: str, branch: str) -> None:
        self.run("push", remote, f"HEAD:refs/heads/{branch}", timeout=NETWORK_TIMEOUT)

    def _head(self) -> str:
        return self.run("rev-parse", "--short=8", "HEAD").strip()

    def checkout_copy(self, rev: str, directory: Path) -> None:
        """The files of ``rev`` in ``directory``: a clone that borrows this one's objects, so this
        clone's index, work tree and refs stay as they are."""
        self.run("clone", "--quiet", "--shared", "--no-checkout", str(self.repo), str(directory))
        Git(self.runner, directory).run("checkout", "--quiet", "--detach", rev)

    def has_commit(self, sha: str) -> bool:
        try:
            self.run("cat-file", "-e", f"{sha}^{{commit}}")
        except ToolFailed:
            return False
        return True

    def is_ancestor(self, older: str, newer: str) -> bool:
        try:
            self.run("merge-base", "--is-ancestor", older, newer)
        except ToolFailed:
            return False
        return True

    def commits_between(self, older: str, newer: str) -> int | None:
        """How many commits ``newer`` is ahead of ``older``; None when either is not local."""
        try:
            return int(self.run("rev-list", "--count", f"{older}..{newer}").strip())
        except ToolFailed:
            return None


class Pull(Enum):
    UP_TO_DATE = "up to date"
    FAST_FORWARDED = "fast-forwarded"
    DIVERGED = "diverged"
    BLOCKED = "blocked by local changes"


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    date: str
    subject: str
    body: str

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


_FIELD, _RECORD = "\x1f", "\x1e"
COMMIT_FORMAT = _FIELD.join(["%H", "%P", "%an", "%ae", "%aI", "%s", "%b"]) + _RECORD


def parse_commits(output: str) -> list[Commit]:
    commits = []
    for record in output.split(_RECORD):
        record = record.strip("\n")
        if not record:
            continue
        sha, parents, name, email, date, subject, body = record.split(_FIELD)
        commits.append(Commit(sha, tuple(parents.split()), name, email, date, subject, body.strip()))
    return commits


def is_non_fast_forward(stderr: str) -> bool:
    """Whether git refused a push because the remote has commits this clone lacks."""
    lowered = stderr.lower()
    markers = (
        "non-fast-forward",
        "fetch first",
        "[rejected]",
        "stale info",
        # The remote moved while our push was being received.
        "cannot lock ref",
        "but expected",
    )
    return any(marker in lowered for marker in markers)


def rejection_reason(stderr: str) -> str:
    for line in stderr.splitlines():
        if "rejected]" in line:
            return line.strip().lstrip("! ").strip()
    return stderr.strip().splitlines()[-1] if stderr.strip() else "no reason given"
