"""Writing files the operator owns: atomically, so an interrupted write leaves the old file,
and one command at a time, so concurrent commands queue instead of overwriting each other."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from gitopsctl.errors import OperationFailed

if TYPE_CHECKING:
    from pathlib import Path

LOCK_NAME = "gitopsctl.lock"
LOCK_WAIT_SECONDS = 120.0


def write_atomically(path: Path, text: str, *, mode: int = 0o644) -> None:
    import tempfile  # noqa: PLC0415 - only when a file is written: off the sealing path

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def repository_lock(repo: Path, *, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the repository's write lock: a second gitopsctl command waits for the first.

    Two seals at once each read kustomization.yaml, added an entry and wrote it back over the
    other's, and both said success. The lock is a file in the git directory (as git's own
    locks are), so it never shows in git status; flock releases it if the process dies.
    """
    import fcntl  # noqa: PLC0415 - only when something is written: off the sealing path

    path = _git_dir(repo) / LOCK_NAME
    handle = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OperationFailed(
                        f"another gitopsctl command has been writing this repository for over {wait:g}s ({path})",
                        hint="let it finish, or look for a stuck gitopsctl process",
                    ) from None
                time.sleep(0.02)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _git_dir(repo: Path) -> Path:
    """The git directory without spawning git: .git itself, or where a worktree's .git file points."""
    dot_git = repo / ".git"
    if dot_git.is_file():
        pointer = dot_git.read_text(encoding="utf-8").strip().removeprefix("gitdir:").strip()
        return (repo / pointer).resolve()
    return dot_git
