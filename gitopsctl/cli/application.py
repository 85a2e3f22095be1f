"""The application object carried on the Click context: resolved settings and services.

Everything is resolved lazily, so ``gitopsctl --help`` and commands that need no repository
or cluster never pay for finding one.
"""

from __future__ import annotations

import os
from functools import cached_property
from typing import TYPE_CHECKING

from gitopsctl.cli.terminal import Terminal
from gitopsctl.errors import InputError

if TYPE_CHECKING:
    # pathlib costs ~3 ms at start (it imports urllib.parse): sealing with --cert does without it.
    from pathlib import Path

    from gitopsctl.config import Config
    from gitopsctl.git import Git
    from gitopsctl.prerequisites import Prerequisites
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
        clusters_dir: str | None = None,
    ) -> None:
        self.terminal = terminal
        self._repo_option = repo
        self._cluster_option = cluster
        self._clusters_dir_option = clusters_dir
        self.kube_context = context
        self.kubeconfig = kubeconfig
        self.request_timeout = request_timeout

    @cached_property
    def repo(self) -> Path:
        from pathlib import Path

        start = os.path.realpath(self._repo_option or os.getcwd())
        if self._repo_option and not os.path.isdir(start):
            raise InputError(f"--repo {self._repo_option}: no such directory")
        top = find_git_top_level(start)
        if top is None:
            where = f"--repo {self._repo_option}" if self._repo_option else f"the current directory ({start})"
            raise InputError(
                f"{where} is not inside a git repository",
                hint="run gitopsctl from your GitOps repository or pass --repo PATH",
            )
        return Path(top)

    @cached_property
    def in_repository(self) -> bool:
        return self._repo_option is not None or find_git_top_level(os.path.realpath(os.getcwd())) is not None

    @cached_property
    def git(self) -> Git | None:
        """The GitOps repository's git; None outside a repository (commands that work anywhere)."""
        from gitopsctl.git import Git

        return Git(self.runner, self.repo) if self.in_repository else None

    @cached_property
    def config(self) -> Config:
        """The repository's gitopsctl.toml; the defaults outside a repository, so commands
        that need no repository (seal --cert … --stdout, doctor) work anywhere."""
        from gitopsctl.config import Config, load_config

        return load_config(self.repo) if self.in_repository else Config()

    @property
    def cluster_choice(self) -> str | None:
        """--cluster (or GITOPSCTL_CLUSTER) as given, for commands that make a repository."""
        return self._cluster_option

    @cached_property
    def cluster(self) -> str:
        """The cluster's folder name: one DNS-1123 label, so it can never lead out of the repository."""
        from gitopsctl.sealing.secret import DNS1123_LABEL

        name = self._cluster_option or self.config.cluster.name
        if len(name) > 63 or not DNS1123_LABEL.match(name):
            raise InputError(
                f"--cluster {name!r} is not a cluster name",
                hint="use one DNS-1123 label (at most 63 lower-case letters, digits and '-')",
            )
        return name

    @cached_property
    def clusters_dir(self) -> str:
        """The folder that holds the cluster folders: --clusters-dir, cluster.clusters_dir, or the
        first of the common layouts that has this cluster (said, so the choice is never silent)."""
        chosen = self._clusters_dir_option or self.config.cluster.clusters_dir
        if self._clusters_dir_option:
            from gitopsctl.config import stays_inside

            if not stays_inside(self._clusters_dir_option):
                raise InputError(
                    f"--clusters-dir {self._clusters_dir_option!r} must be a relative path inside the repository",
                    hint="name the folder that holds the cluster folders, e.g. clusters",
                )
        if chosen:
            return chosen.strip("/")
        from gitopsctl.config import CLUSTERS_DIR_CANDIDATES

        for candidate in CLUSTERS_DIR_CANDIDATES:
            if (self.repo / candidate / self.cluster).is_dir():
                self.terminal.info(f"using the cluster folder {candidate}/{self.cluster} (--clusters-dir to choose)")
                return candidate
        return CLUSTERS_DIR_CANDIDATES[0]

    @property
    def cluster_path(self) -> str:
        """The cluster folder relative to the repository, as Flux's --path wants it."""
        return f"{self.clusters_dir}/{self.cluster}"

    def cluster_dir(self, *, must_exist: bool = True) -> Path:
        path = self.repo / self.cluster_path
        if must_exist and not path.is_dir():
            if self._clusters_dir_option or self.config.cluster.clusters_dir:
                problem = f"cluster folder {self.cluster_path} does not exist in {self.repo}"
            else:
                from gitopsctl.config import CLUSTERS_DIR_CANDIDATES

                looked = " and ".join(f"{candidate}/{self.cluster}" for candidate in CLUSTERS_DIR_CANDIDATES)
                problem = f"cluster folder {self.cluster} does not exist in {self.repo} (looked in {looked})"
            raise InputError(
                problem,
                hint="pass --cluster NAME for another cluster, or --clusters-dir DIR (cluster.clusters_dir in "
                "gitopsctl.toml) for another layout",
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

    def prerequisites(self) -> Prerequisites:
        """The checks of doctor and of bootstrap's first step, for this repository if in one."""
        from gitopsctl.prerequisites import Prerequisites

        return Prerequisites(self.runner, self.kube, self.config, repo=self.repo if self.in_repository else None)


def find_git_top_level(start: str) -> str | None:
    """The work tree root at or above the absolute path ``start``, found without spawning git."""
    candidate = start
    while True:
        if os.path.exists(os.path.join(candidate, ".git")):
            return candidate
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return None
        candidate = parent
