"""Which Flux release a repository needs, from the API versions its manifests use.

A `flux` CLI older than that installs controllers that do not serve those APIs, and the first
apply fails with "no matches for kind". The table lists when each API version became served
(the Flux release notes); the newest rule a repository triggers wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gitopsctl.versions import format_version
from gitopsctl.yamlfiles import yaml_files

Version = tuple[int, int, int]

# (apiVersion, kind or "" for every kind of it) -> the first Flux release that serves it.
RULES: dict[tuple[str, str], Version] = {
    ("kustomize.toolkit.fluxcd.io/v1", ""): (2, 0, 0),
    ("source.toolkit.fluxcd.io/v1", "GitRepository"): (2, 0, 0),
    ("notification.toolkit.fluxcd.io/v1", "Receiver"): (2, 1, 0),
    ("helm.toolkit.fluxcd.io/v2beta2", ""): (2, 2, 0),
    ("helm.toolkit.fluxcd.io/v2", ""): (2, 3, 0),
    ("source.toolkit.fluxcd.io/v1", "HelmRepository"): (2, 3, 0),
    ("source.toolkit.fluxcd.io/v1", "HelmChart"): (2, 3, 0),
    ("source.toolkit.fluxcd.io/v1", "Bucket"): (2, 3, 0),
    ("notification.toolkit.fluxcd.io/v1beta3", ""): (2, 3, 0),
    ("source.toolkit.fluxcd.io/v1", "OCIRepository"): (2, 6, 0),
    ("image.toolkit.fluxcd.io/v1", ""): (2, 7, 0),
    ("source.toolkit.fluxcd.io/v1", "ExternalArtifact"): (2, 7, 0),
}

_API_VERSION = re.compile(r"^apiVersion:\s*['\"]?([\w./-]+)", re.MULTILINE)
_KIND = re.compile(r"^kind:\s*['\"]?(\w+)", re.MULTILINE)
_DOCUMENT_SEPARATOR = re.compile(r"^---", re.MULTILINE)


@dataclass(frozen=True)
class FluxRequirement:
    version: Version
    api_version: str
    kind: str
    path: str  # relative to the repository

    def __str__(self) -> str:
        return f"{format_version(self.version)}, which {self.api_version} {self.kind} ({self.path}) needs"


def required_flux(repo: Path) -> FluxRequirement | None:
    """The newest Flux release any manifest in ``repo`` needs; None when nothing asks for one.

    Top-level ``apiVersion:``/``kind:`` lines are read as text, so Helm templates and other
    files that are not plain YAML cost nothing and break nothing.
    """
    best: FluxRequirement | None = None
    for path in yaml_files(repo):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "fluxcd.io/" not in text:
            continue
        for document in _DOCUMENT_SEPARATOR.split(text):
            api_version = _API_VERSION.search(document)
            kind = _KIND.search(document)
            if api_version is None or kind is None:
                continue
            needed = RULES.get((api_version.group(1), kind.group(1))) or RULES.get((api_version.group(1), ""))
            if needed is not None and (best is None or needed > best.version):
                relative = path.relative_to(repo).as_posix()
                best = FluxRequirement(needed, api_version.group(1), kind.group(1), relative)
    return best
