"""Writing files the operator owns: every file of one command planned first, then written under
the repository lock, and undone as a whole on error or Ctrl-C, so no command leaves half a change.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from gitopsctl.errors import Interrupted, OperationFailed
from gitopsctl.signals import interrupts_deferred

if TYPE_CHECKING:
    from pathlib import Path

LOCK_NAME = "gitopsctl.lock"
LOCK_WAIT_SECONDS = 120.0
# Temporary files live in the git directory, where `git add -A` never sees them, even when
# a kill -9 leaves one behind; the next command that takes the lock sweeps them.
SCRATCH_NAME = "gitopsctl-tmp"


def write_atomically(path: Path, text: str, *, mode: int = 0o644, scratch: Path | None = None) -> None:
    """Replace ``path`` with ``text`` in one rename: a reader sees the old file or the new one."""
    replace_atomically(path, text.encode("utf-8"), mode=mode, scratch=scratch)


def replace_atomically(path: Path, content: bytes, *, mode: int = 0o644, scratch: Path | None = None) -> None:
    """The temporary file is made in ``scratch`` when given (the git directory's, so a kill -9
    leaves nothing in the work tree); beside the target when there is none or it is on
    another file system."""
    import tempfile  # noqa: PLC0415 - only when a file is written: off the sealing path

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=scratch if scratch is not None else path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        try:
            os.replace(temporary, path)
        except OSError as error:
            if error.errno != errno.EXDEV or scratch is None:
                raise
            os.unlink(temporary)
            replace_atomically(path, content, mode=mode)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class FileChanges:
    """The files one command will write, planned in full before the first is touched.

    They are written in the order planned, so a command plans the files that list others
    (kustomization.yaml) last: an interruption can then leave no entry without its file.
    """

    def __init__(self) -> None:
        self._planned: dict[Path, tuple[str, int]] = {}

    def write(self, path: Path, text: str, *, mode: int = 0o644) -> None:
        self._planned.pop(path, None)  # planned again: it moves to the end
        self._planned[path] = (text, mode)

    @property
    def paths(self) -> list[Path]:
        return list(self._planned)

    def __len__(self) -> int:
        return len(self._planned)

    def apply(self, repo: Path | None = None, *, on_written: Callable[[Path], None] | None = None) -> None:
        """Write every planned file, or none: on any error or Ctrl-C the files written so far
        get their old bytes back (new ones, and the folders made for them, are removed).

        Raises OperationFailed or Interrupted saying how far it got and what was undone.
        """
        scratch = _scratch(repo) if repo is not None else None
        originals: list[_Original] = []
        written = 0
        try:
            for path, (text, mode) in self._planned.items():
                originals.append(_Original.of(path))
                write_atomically(path, text, mode=mode, scratch=scratch)
                written += 1
                if on_written:
                    on_written(path)
        except BaseException as failure:
            with interrupts_deferred():
                left = [str(original.path) for original in reversed(originals) if not original.put_back(scratch)]
            outcome = f"{written} of {len(self._planned)} file(s) written, " + (
                f"and these could not be restored: {', '.join(left)}"
                if left
                else "then rolled back: nothing was changed"
            )
            if isinstance(failure, KeyboardInterrupt):
                raise Interrupted(f"interrupted: {outcome}") from None
            if isinstance(failure, OSError):
                raise OperationFailed(
                    f"could not write {failure.filename or 'a file'} ({failure.strerror}); {outcome}",
                    hint="fix the folder's permissions or free space, then run again",
                ) from None
            raise


class _Original:
    """A file as it was before this command: its bytes and mode, or its absence and the
    folders that had to be made for it."""

    def __init__(self, path: Path, content: bytes | None, mode: int, made: list[Path]) -> None:
        self.path = path
        self.content = content
        self.mode = mode
        self.made = made

    @classmethod
    def of(cls, path: Path) -> _Original:
        if path.is_file():
            return cls(path, path.read_bytes(), path.stat().st_mode & 0o7777, [])
        made = []
        folder = path.parent
        while not folder.exists():
            made.append(folder)
            folder = folder.parent
        return cls(path, None, 0, made)

    def put_back(self, scratch: Path | None) -> bool:
        """Restore it; False when that failed (the caller names what is left)."""
        try:
            if self.content is None:
                if self.path.is_file():  # the write that failed never got this far
                    self.path.unlink()
            else:
                replace_atomically(self.path, self.content, mode=self.mode, scratch=scratch)
        except OSError:
            return False
        for folder in self.made:  # the deepest first
            with contextlib.suppress(OSError):  # not empty: something else lives there now
                folder.rmdir()
        return True


@contextlib.contextmanager
def repository_lock(repo: Path, *, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the repository's write lock: a second gitopsctl command waits for the first.

    Two seals at once each read kustomization.yaml, added an entry and wrote it back over the
    other's, and both said success. The lock is a file in the git directory (as git's own
    locks are), so it never shows in git status; flock releases it if the process dies.
    """
    import fcntl  # noqa: PLC0415 - only when something is written: off the sealing path

    path = git_directory(repo) / LOCK_NAME
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
        _sweep(path.parent / SCRATCH_NAME)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _scratch(repo: Path) -> Path | None:
    folder = git_directory(repo) / SCRATCH_NAME
    try:
        folder.mkdir(exist_ok=True)
    except OSError:  # not a git repository (gitopsctl init writes before git init), or read-only
        return None
    return folder


def _sweep(scratch: Path) -> None:
    """Remove what a killed command left in the scratch folder; only the lock holder writes there."""
    if scratch.is_dir():
        for leftover in scratch.iterdir():
            with contextlib.suppress(OSError):
                leftover.unlink()


def git_directory(repo: Path) -> Path:
    """The git directory without spawning git: .git itself, or where a worktree's .git file points."""
    dot_git = repo / ".git"
    if dot_git.is_file():
        pointer = dot_git.read_text(encoding="utf-8").strip().removeprefix("gitdir:").strip()
        return (repo / pointer).resolve()
    return dot_git
