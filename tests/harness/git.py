"""Real git repositories for tests: a bare origin, the operator's clone, and a bot's clone."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "homelab"

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Operator",
    "GIT_AUTHOR_EMAIL": "operator@example.test",
    "GIT_COMMITTER_NAME": "Operator",
    "GIT_COMMITTER_EMAIL": "operator@example.test",
}


def git(cwd: Path, *args: str, check: bool = True) -> str:
    import os

    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **GIT_IDENTITY},
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout.strip()


@dataclass
class GitWorld:
    origin: Path
    clone: Path

    def head(self, repo: Path | None = None) -> str:
        return git(repo or self.clone, "rev-parse", "HEAD")

    def commit_file(
        self,
        relative: str,
        text: str,
        message: str,
        repo: Path | None = None,
        author: tuple[str, str] | None = None,
    ) -> str:
        repo = repo or self.clone
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        git(repo, "add", relative)
        args = ["commit", "-q", "-m", message]
        if author:
            args.append(f"--author={author[0]} <{author[1]}>")
        git(repo, *args)
        return self.head(repo)

    def second_clone(self, name: str) -> Path:
        target = self.origin.parent / name
        git(self.origin.parent, "clone", "-q", str(self.origin), str(target))
        return target


def make_git_world(base: Path, *, content: Path = EXAMPLE) -> GitWorld:
    origin = base / "origin.git"
    clone = base / "gitops"
    git(base, "init", "-q", "--bare", "-b", "main", str(origin))
    git(base, "clone", "-q", str(origin), str(clone))
    shutil.copytree(content, clone, dirs_exist_ok=True)
    git(clone, "checkout", "-q", "-b", "main")
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", "Initial GitOps layout")
    git(clone, "push", "-q", "-u", "origin", "main")
    return GitWorld(origin, clone)
