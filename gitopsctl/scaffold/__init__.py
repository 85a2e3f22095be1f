"""A new GitOps repository in the reference layout, for `gitopsctl init`.

The templates beside this module are the example repository (examples/homelab) with the
operator's values as ``%{name}`` placeholders; a test holds the two equal. Everything is
rendered and checked before the first file is written, and a failed write removes what this
run wrote, so a folder is either untouched or complete.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gitopsctl.config import GitHubConfig
from gitopsctl.errors import InputError
from gitopsctl.files import FileChanges
from gitopsctl.git import Git, ssh_push_url
from gitopsctl.sealing.secret import DNS1123_LABEL, DNS1123_SUBDOMAIN, validate_namespace

TEMPLATES = Path(__file__).parent / "homelab"
_PLACEHOLDER = re.compile(r"%\{(\w+)\}")
_GITHUB_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_GITHUB_REPOSITORY = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_HOST_PORT = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?$")
_IMAGE_PATH = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
_BRANCH = re.compile(r"^(?!/)(?!.*(?:\.\.|//|@\{|\.lock$|/$|\.$))[A-Za-z0-9._/-]+$")
_UNIX_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class Layout:
    """The operator's values; the defaults describe the reference home lab."""

    owner: str
    repository: str
    branch: str = "main"
    personal: bool = True
    hostname: str = "github.com"
    # GitHub Enterprise only: where git over SSH answers when that is not the web host, and the
    # CA that signed the host's certificate when the system does not trust it.
    ssh_hostname: str = ""
    ca_file: str = ""
    cluster: str = "production"
    registry: str = "192.168.0.40:5000"
    insecure: bool = True
    image_project: str = "homelab"
    namespaces: tuple[str, ...] = ("default",)
    vm_host: str = "192.168.0.50"
    vm_user: str = "deploy"
    ingress_host: str = "homelab.lan"

    def validate(self) -> None:
        """Every value lands in YAML or TOML: refuse anything that is not what it claims to be."""
        _require(_GITHUB_OWNER.match(self.owner), "--owner", self.owner, "a GitHub user or organisation name")
        _require(_GITHUB_REPOSITORY.match(self.repository), "--repository", self.repository, "a repository name")
        _require(_BRANCH.match(self.branch), "--branch", self.branch, "a branch name such as main")
        _require(_HOST_PORT.match(self.hostname), "--hostname", self.hostname, "a host name, e.g. github.com")
        if self.ssh_hostname:
            _require(_HOST_PORT.match(self.ssh_hostname), "--ssh-hostname", self.ssh_hostname, "HOST or HOST:PORT")
        if self.hostname == "github.com" and (self.ssh_hostname or self.ca_file):
            option = "--ssh-hostname" if self.ssh_hostname else "--ca-file"
            raise InputError(
                f"{option} is for a GitHub Enterprise host, not github.com",
                hint=f"pass --hostname with your GitHub Enterprise host, or drop {option}",
            )
        _require(_HOST_PORT.match(self.registry), "--registry", self.registry, "HOST or HOST:PORT")
        _require(_IMAGE_PATH.match(self.image_project), "--image-project", self.image_project, "a registry project")
        _require(_UNIX_USER.match(self.vm_user), "--vm-user", self.vm_user, "a Unix user name")
        _require(
            len(self.ingress_host) <= 253 and DNS1123_SUBDOMAIN.match(self.ingress_host),
            "--ingress-host",
            self.ingress_host,
            "a DNS name such as homelab.lan",
        )
        try:
            ipaddress.IPv4Address(self.vm_host)
        except ValueError:
            raise InputError(
                f"--vm-host {self.vm_host!r} is not an IPv4 address",
                hint="the ingress reaches the backend VM through an EndpointSlice, which takes an address",
            ) from None
        if len(self.cluster) > 63 or not DNS1123_LABEL.match(self.cluster):
            raise InputError(
                f"--cluster {self.cluster!r} is not a valid cluster folder name",
                hint="use one DNS-1123 label: lower-case letters, digits and '-'",
            )
        if not self.namespaces:
            raise InputError("no app namespace given", hint="pass --namespace NAME (the first one runs the apps)")
        for namespace in self.namespaces:
            validate_namespace(namespace)

    def values(self) -> dict[str, str]:
        enterprise = ""
        if self.hostname != "github.com":
            api_url = f"https://{self.hostname}/api/v3"
            enterprise = f"hostname = {_toml(self.hostname)}\napi_url = {_toml(api_url)}\n"
            if self.ssh_hostname:
                enterprise += f"ssh_hostname = {_toml(self.ssh_hostname)}\n"
            if self.ca_file:
                enterprise += f"ca_file = {_toml(self.ca_file)}\n"
        return {
            "cluster": self.cluster,
            "branch": self.branch,
            "registry": self.registry,
            "image_project": self.image_project,
            "namespace": self.namespaces[0],
            "vm_host": self.vm_host,
            "vm_user": self.vm_user,
            "ingress_host": self.ingress_host,
            "insecure": _toml(self.insecure),
            "personal": _toml(self.personal),
            "owner_toml": _toml(self.owner),
            "repository_toml": _toml(self.repository),
            "branch_toml": _toml(self.branch),
            "enterprise_toml": enterprise,
            "cluster_toml": _toml(self.cluster),
            "registry_toml": _toml(self.registry),
            "namespaces_toml": _toml(list(self.namespaces)),
        }

    @property
    def push_url(self) -> str:
        return ssh_push_url(self.ssh_hostname or self.hostname, self.owner, self.repository)


def render(layout: Layout) -> dict[str, str]:
    """Every file of the new repository, by its path relative to the repository."""
    layout.validate()
    values = layout.values()
    return {
        _substitute(relative, values): _substitute(path.read_text(encoding="utf-8"), values)
        for relative, path in _templates()
    }


def conflicts(target: Path, files: dict[str, str]) -> list[str]:
    """What is already in ``target``: anything but a git directory makes the folder not new."""
    if not target.exists():
        return []
    if not target.is_dir():
        raise InputError(f"{target} exists and is not a folder", hint="name a new or empty folder")
    return sorted(entry.name for entry in target.iterdir() if entry.name != ".git")


def write(target: Path, files: dict[str, str]) -> None:
    """Write ``files`` under ``target``, all or none: on any failure (Ctrl-C too) what this call
    wrote is undone. A file that existed (init --force) is replaced atomically."""
    changes = FileChanges()
    for relative, text in files.items():
        changes.write(target / relative, text)
    changes.apply()


def initialise_git(git: Git, layout: Layout) -> bool:
    """A new repository on the layout's branch with ``origin`` where flux bootstrap will push;
    False (and nothing done) when the folder is already a git repository."""
    if (git.repo / ".git").exists():
        return False
    # `git init -b` needs git 2.28; pointing HEAD at the branch works on every version.
    git.run("init", "--quiet")
    git.run("symbolic-ref", "HEAD", f"refs/heads/{layout.branch}")
    git.run("remote", "add", GitHubConfig.remote, layout.push_url)
    return True


def _templates() -> Iterator[tuple[str, Path]]:
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file():
            yield path.relative_to(TEMPLATES).as_posix(), path


def _substitute(text: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return values[match.group(1)]  # a KeyError here is a template bug, found by the tests

    return _PLACEHOLDER.sub(value, text)


def _toml(value: object) -> str:
    # JSON's strings, booleans and arrays of strings are valid TOML.
    return json.dumps(value)


def _require(ok: object, option: str, value: str, what: str) -> None:
    if not ok:
        raise InputError(f"{option} {value!r} is not {what}", hint=f"pass {option} with {what}")
