"""gitopsctl.toml: the operator's setup, read strictly.

Precedence is flag > environment > this file > built-in default. The defaults are the
home-lab reference setup, not constants: every one can be overridden here.
An unknown key is an error that names it, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from gitopsctl.errors import InputError
from gitopsctl.files import FileChanges
from gitopsctl.flux.objects import DEFAULT_COMPONENTS, IMAGE_AUTOMATION_COMPONENTS
from gitopsctl.yamlfiles import read_text

CONFIG_FILE = "gitopsctl.toml"
# Where cluster folders are looked for when neither --clusters-dir nor cluster.clusters_dir says:
# gitopsctl's own layout first, then the layout of the official Flux examples.
CLUSTERS_DIR_CANDIDATES = ("flux/clusters", "clusters")
# Keys naming a folder gitopsctl writes into: a committed gitopsctl.toml must not point outside.
_FOLDER_KEYS = {("sealed_secrets", "secrets_dir"), ("cluster", "clusters_dir")}


@dataclass(frozen=True)
class GitHubConfig:
    owner: str = ""
    repository: str = ""
    branch: str = "main"
    # The git remote of this clone that is the repository Flux pulls from.
    remote: str = "origin"
    personal: bool = True
    hostname: str = "github.com"
    api_url: str = "https://api.github.com"
    # GitHub Enterprise: the SSH endpoint when it is not the web host's port 22 (host:port), and
    # the PEM of a private CA that signed the host's certificate (relative to the repository).
    ssh_hostname: str = ""
    ca_file: str = ""


@dataclass(frozen=True)
class ClusterConfig:
    name: str = "production"
    clusters_dir: str = ""  # "" finds the cluster under CLUSTERS_DIR_CANDIDATES


@dataclass(frozen=True)
class RegistryConfig:
    host: str = "192.168.0.40:5000"
    insecure: bool = True


@dataclass(frozen=True)
class AppsConfig:
    namespaces: list[str] = field(default_factory=lambda: ["default"])


@dataclass(frozen=True)
class FluxConfig:
    namespace: str = "flux-system"
    version: str = ""
    components: list[str] = field(default_factory=lambda: list(DEFAULT_COMPONENTS))
    components_extra: list[str] = field(default_factory=lambda: list(IMAGE_AUTOMATION_COMPONENTS))


@dataclass(frozen=True)
class SealedSecretsConfig:
    controller_name: str = "sealed-secrets-controller"
    controller_namespace: str = "flux-system"
    release_name: str = "sealed-secrets"
    chart_repo: str = "https://bitnami.github.io/sealed-secrets"
    chart_name: str = "sealed-secrets"
    chart_version: str = "2.19.1"
    # <secrets_dir>/<cluster>/<namespace>.<name>.yaml; the certificate sits beside them.
    secrets_dir: str = "flux/sealed-secrets"
    cert_fingerprints: dict[str, str] = field(default_factory=dict)
    # written by keys backup: the fingerprints each cluster's newest backup holds (never the keys)
    key_backups: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    github: GitHubConfig = field(default_factory=GitHubConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    registry: RegistryConfig = field(default_factory=RegistryConfig)
    apps: AppsConfig = field(default_factory=AppsConfig)
    flux: FluxConfig = field(default_factory=FluxConfig)
    sealed_secrets: SealedSecretsConfig = field(default_factory=SealedSecretsConfig)
    # Local checkouts of the other sources Kustomizations name (an app repository, an OCI
    # artifact's sources): "name" or "namespace/name" -> a folder, relative to this repository.
    sources: dict[str, str] = field(default_factory=dict)
    source: Path | None = None

    @property
    def github_ca_file(self) -> str:
        """github.ca_file as a path to open: relative to the repository that holds gitopsctl.toml."""
        value = self.github.ca_file
        if not value or Path(value).is_absolute() or self.source is None:
            return value
        return str(self.source.parent / value)


_SECTIONS: dict[str, type] = {
    "github": GitHubConfig,
    "cluster": ClusterConfig,
    "registry": RegistryConfig,
    "apps": AppsConfig,
    "flux": FluxConfig,
    "sealed_secrets": SealedSecretsConfig,
}


def load_config(repo: Path) -> Config:
    import tomllib

    path = repo / CONFIG_FILE
    if not path.is_file():
        if path.is_symlink() or path.exists():
            # A dangling link or a folder: falling back to the defaults would drop the pin.
            raise InputError(
                f"{path}: not a readable gitopsctl.toml ({'a dangling link' if path.is_symlink() else 'not a file'})",
                hint="point it at the configuration, or remove it to use the defaults",
            )
        return Config()
    try:
        document = tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})", hint="fix the syntax and run again") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    return parse_config(document, source=path)


def parse_config(document: dict[str, Any], *, source: Path | None = None) -> Config:
    where = source.name if source else CONFIG_FILE
    sections: dict[str, Any] = {}
    for name, table in document.items():
        if name == "sources" and isinstance(table, dict):
            sections[name] = _parse_sources(where, table)
            continue
        section_type = _SECTIONS.get(name)
        if section_type is None:
            raise InputError(
                f"{where}: unknown section [{name}]",
                hint=f"the known sections are {', '.join(f'[{s}]' for s in [*_SECTIONS, 'sources'])}",
            )
        if not isinstance(table, dict):
            raise InputError(f"{where}: '{name}' must be a table ([{name}])")
        sections[name] = _parse_section(where, name, section_type, table)
    return Config(**sections, source=source)


# Tables whose values are lists of strings rather than strings.
_LIST_TABLES = {("sealed_secrets", "key_backups")}


def _parse_sources(where: str, table: dict[str, Any]) -> dict[str, str]:
    for key, value in table.items():
        if not isinstance(value, str) or not value:
            raise InputError(
                f"{where}: 'sources.{key}' must be the path of a local checkout, not {value!r}",
                hint='e.g. podinfo = "../podinfo"',
            )
    return dict(table)


def _parse_section(where: str, name: str, section_type: type, table: dict[str, Any]) -> Any:
    defaults = section_type()
    known = {f.name: f for f in fields(section_type)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise InputError(
                f"{where}: unknown key '{name}.{key}'",
                hint=f"the keys of [{name}] are {', '.join(known)}",
            )
        expected = type(getattr(defaults, key))
        if (name, key) in _LIST_TABLES:
            if not (isinstance(value, dict) and all(_has_type(item, list) for item in value.values())):
                raise InputError(f"{where}: '{name}.{key}' must be a table of lists of strings, not {value!r}")
        elif not _has_type(value, expected):
            raise InputError(f"{where}: '{name}.{key}' must be a {_type_word(expected)}, not {value!r}")
        if (name, key) in _FOLDER_KEYS and value and not stays_inside(value):
            raise InputError(
                f"{where}: '{name}.{key}' must be a relative path inside the repository, not {value!r}",
                hint="name a folder of the repository, e.g. flux/sealed-secrets",
            )
        values[key] = value
    return section_type(**values)


def stays_inside(relative: str) -> bool:
    """Whether ``relative``, joined to the repository, names a place inside it."""
    if os.path.isabs(relative):
        return False
    normal = os.path.normpath(relative)
    return normal != ".." and not normal.startswith("../")


def _has_type(value: Any, expected: type) -> bool:
    if expected is list:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    if expected is dict:
        return isinstance(value, dict) and all(isinstance(item, str) for item in value.values())
    if expected is bool:
        return isinstance(value, bool)
    return isinstance(value, expected) and not isinstance(value, bool)


def _type_word(expected: type) -> str:
    return {str: "string", bool: "boolean (true/false)", list: "list of strings", dict: "table of strings"}[expected]


def pin_fingerprint(repo: Path, cluster: str, fingerprint: str, changes: FileChanges) -> None:
    """Plan the certificate pin into gitopsctl.toml, keeping the operator's comments and layout."""
    _plan_sealed_secrets_entry(repo, "cert_fingerprints", cluster, fingerprint, changes)


def record_key_backup(repo: Path, cluster: str, fingerprints: list[str], changes: FileChanges) -> None:
    """Plan the fingerprints of the keys a backup holds into gitopsctl.toml (never the keys)."""
    _plan_sealed_secrets_entry(repo, "key_backups", cluster, fingerprints, changes)


def _plan_sealed_secrets_entry(
    repo: Path, table: str, cluster: str, value: str | list[str], changes: FileChanges
) -> None:
    import tomlkit

    path = repo / CONFIG_FILE
    document = tomlkit.parse(read_text(path)) if path.is_file() else tomlkit.document()
    section = document.get("sealed_secrets")
    if section is None:
        section = tomlkit.table()
        document["sealed_secrets"] = section
    entries = section.get(table)
    if entries is None:
        entries = tomlkit.table()
        section[table] = entries
    entries[cluster] = value
    changes.write(path, tomlkit.dumps(document))
