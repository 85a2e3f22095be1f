"""The git operations gitopsctl performs on the operator's GitOps repository."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gitopsctl.errors import ToolFailed
from gitopsctl.runner import Runner

GIT_TIMEOUT = 60.0
NETWORK_TIMEOUT = 120.0


@dataclass
class Git:
    runner: Runner
    repo: Path

    def run(self, *args: str, timeout: float = GIT_TIMEOUT, stdin: str | None = None) -> str:
        # A pager, an editor or a credential prompt would hang a non-interactive run.
        env = {"GIT_TERMINAL_PROMPT": "0", "GIT_EDITOR": "true", "GIT_PAGER": "cat", "LC_ALL": "C"}
        return self.runner.run("git", args, cwd=self.repo, env=env, timeout=timeout, stdin=stdin).stdout

    def remote_head(self, remote: str, branch: str) -> str:
        output = self.run("ls-remote", remote, f"refs/heads/{branch}", timeout=NETWORK_TIMEOUT)
        return output.split()[0] if output.strip() else ""

    def commits_between(self, older: str, newer: str) -> int | None:
        """How many commits ``newer`` is ahead of ``older``; None when either is not local."""
        try:
            return int(self.run("rev-list", "--count", f"{older}..{newer}").strip())
        except ToolFailed:
            return None


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
