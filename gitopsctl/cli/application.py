"""The application object carried on the Click context: resolved settings and services.

Everything is resolved lazily, so ``gitopsctl --help`` and commands that need no repository
or cluster never pay for finding one.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from gitopsctl.cli.terminal import Terminal
from gitopsctl.errors import InputError

if TYPE_CHECKING:
    from gitopsctl.config import Config
    from gitopsctl.runner import Runner


class Application:
    def __init__(
        self,
        *,
        terminal: Terminal,
        repo: str | None,
        cluster: str | None,
        context: str | None,
        kubeconfig: str | None,
        request_timeout: str = "15s",
    ) -> None:
        self.terminal = terminal
        self._repo_option = repo
        self._cluster_option = cluster
        self.kube_context = context
        self.kubeconfig = kubeconfig
        self.request_timeout = request_timeout

    @cached_property
    def repo(self) -> Path:
        start = Path(self._repo_option or os.getcwd()).resolve()
        if self._repo_option and not start.is_dir():
            raise InputError(f"--repo {self._repo_option}: no such directory")
        top = find_git_top_level(start)
        if top is None:
            where = f"--repo {self._repo_option}" if self._repo_option else f"the current directory ({start})"
            raise InputError(
                f"{where} is not inside a git repository",
                hint="run gitopsctl from your GitOps repository or pass --repo PATH",
            )
        return top

    @cached_property
    def in_repository(self) -> bool:
        return self._repo_option is not None or find_git_top_level(Path.cwd().resolve()) is not None

    @cached_property
    def config(self) -> Config:
        """The repository's gitopsctl.toml; the defaults outside a repository, so commands
        that need no repository (seal --cert … --stdout, doctor) work anywhere."""
        from gitopsctl.config import Config, load_config

        return load_config(self.repo) if self.in_repository else Config()

    @cached_property
    def cluster(self) -> str:
        return self._cluster_option or self.config.cluster.name

    @property
    def cluster_path(self) -> str:
        """The cluster folder relative to the repository, as Flux's --path wants it."""
        return f"{self.config.cluster.clusters_dir.strip('/')}/{self.cluster}"

    def cluster_dir(self, *, must_exist: bool = True) -> Path:
        path = self.repo / self.cluster_path
        if must_exist and not path.is_dir():
            raise InputError(
                f"cluster folder {self.cluster_path} does not exist in {self.repo}",
                hint=f"pass --cluster NAME for a folder under {self.config.cluster.clusters_dir}/, or create it",
            )
        return path

    @cached_property
    def runner(self) -> Runner:
        from gitopsctl.runner import Runner

        on_command = self.terminal.debug if self.terminal.verbosity > 0 else None
        return Runner(on_command=on_command)

    @cached_property
    def kube(self):
        from gitopsctl.kube import Kube

        if self.kubeconfig and not os.access(self.kubeconfig, os.R_OK):
            raise InputError(
                f"--kubeconfig {self.kubeconfig}: the file cannot be read",
                hint="check the path and its permissions",
            )
        return Kube(
            self.runner,
            context=self.kube_context,
            kubeconfig=self.kubeconfig,
            request_timeout=self.request_timeout,
        )


def find_git_top_level(start: Path) -> Path | None:
    """The work tree root above ``start``, found without spawning git."""
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return None
