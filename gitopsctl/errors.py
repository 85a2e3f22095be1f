"""Typed errors: each carries the exit code the CLI turns it into.

The domain raises these; the CLI layer prints ``str(error)`` as one line and exits with
``error.exit_code``, so no expected failure ever shows a traceback.
"""

from __future__ import annotations

import re
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    PREREQUISITES = 3
    UNHEALTHY = 4
    INTERRUPTED = 130


class Exit(Exception):
    """The command has reported its outcome (a table, a report, 'interrupted …'): end with
    ``exit_code`` and print nothing more. The one way a command ends with a code of its choosing."""

    def __init__(self, exit_code: ExitCode) -> None:
        super().__init__(exit_code)
        self.exit_code = exit_code


class GitopsctlError(Exception):
    """An expected failure with a message that names the problem and the fix."""

    exit_code = ExitCode.FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}: {self.hint}" if self.hint else self.message


class OperationFailed(GitopsctlError):
    exit_code = ExitCode.FAILED


class InputError(GitopsctlError):
    """Bad input: a flag, a file, a name, a config key."""

    exit_code = ExitCode.USAGE


class PrerequisiteError(GitopsctlError):
    exit_code = ExitCode.PREREQUISITES


class UnhealthyError(GitopsctlError):
    exit_code = ExitCode.UNHEALTHY


class Interrupted(GitopsctlError):
    """Ctrl-C (or SIGTERM) after the command undid what it must; the message says what is left."""

    exit_code = ExitCode.INTERRUPTED


class ToolMissing(PrerequisiteError):
    """An external program is not on PATH."""


class ToolFailed(OperationFailed):
    """An external program exited non-zero; ``stderr`` is already redacted."""

    def __init__(self, program: str, exit_code: int, stderr: str, stdout: str = "") -> None:
        detail = headline(stderr) or headline(stdout) or "no output"
        super().__init__(f"{program} failed (exit {exit_code}): {detail}")
        self.program = program
        self.tool_exit_code = exit_code
        self.stderr = stderr
        self.stdout = stdout


class ToolTimedOut(OperationFailed):
    def __init__(self, program: str, seconds: float) -> None:
        super().__init__(
            f"{program} did not finish within {seconds:g}s",
            hint="check that the cluster or network it talks to is reachable, or raise --timeout",
        )
        self.program = program


_ERROR_MARKERS = ("error", "fatal", "✗", "failed")
# klog's header (kubectl, helm, flux): "E1127 15:00:02.889817   10030 memcache.go:265] ".
_KLOG_HEADER = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [^ \]]+\] ")


def headline(text: str) -> str:
    """The line of a tool's output that best says what went wrong: its own words first, then
    an error marker, then the first line; klog's diagnostic lines (kubectl repeats them before
    "The connection to the server … was refused") only when there is nothing else."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    own = [line for line in lines if not _KLOG_HEADER.match(line)]
    for line in own:
        if line.lower().startswith(_ERROR_MARKERS):
            return line
    if own:
        return own[0]
    return _KLOG_HEADER.sub("", lines[0]) if lines else ""
