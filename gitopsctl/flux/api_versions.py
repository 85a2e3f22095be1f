"""Which Flux releases serve the API versions a repository uses.

A `flux` CLI older than a version's first release installs controllers that do not serve it, and
the first apply fails with "no matches for kind"; a Flux newer than its last release has dropped
it, and the apply fails the same way. The table (from the Flux release notes, and checked against
the upstream CRDs of the newest release in the tests) says which release serves what.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gitopsctl.versions import format_version
from gitopsctl.yamlfiles import yaml_files

Version = tuple[int, int, int]

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
            needed = first_serving(api_version.group(1), kind.group(1))
            if needed is not None and (best is None or needed > best.version):
                relative = path.relative_to(repo).as_posix()
                best = FluxRequirement(needed, api_version.group(1), kind.group(1), relative)
    return best


# The newest Flux release whose served API versions this table is checked against (the
# upstream CRDs in the tests).
NEWEST_KNOWN: Version = (2, 9, 4)
# Where a release that stopped serving a version is not recorded, the table names the first
# release certain not to serve it (a later one than the real removal, never an earlier one):
# a repository pinned between the two is not warned, rather than warned wrongly.
_SOURCE_KINDS = ("GitRepository", "HelmRepository", "HelmChart", "Bucket")
_IMAGE_KINDS = ("ImageRepository", "ImagePolicy", "ImageUpdateAutomation")
# (group, kind) -> [(version, first release serving it, first release not serving it)]
SERVED: dict[tuple[str, str], list[tuple[str, Version, Version | None]]] = {
    ("kustomize.toolkit.fluxcd.io", "Kustomization"): [
        ("v1beta1", (0, 0, 0), (2, 8, 0)),
        ("v1beta2", (0, 0, 0), (2, 8, 0)),
        ("v1", (2, 0, 0), None),
    ],
    **{
        ("source.toolkit.fluxcd.io", kind): [
            ("v1beta1", (0, 0, 0), (2, 8, 0)),
            ("v1beta2", (0, 0, 0), (2, 8, 0)),
            ("v1", (2, 0, 0) if kind == "GitRepository" else (2, 3, 0), None),
        ]
        for kind in _SOURCE_KINDS
    },
    ("source.toolkit.fluxcd.io", "OCIRepository"): [("v1beta2", (0, 0, 0), (2, 8, 0)), ("v1", (2, 6, 0), None)],
    ("source.toolkit.fluxcd.io", "ExternalArtifact"): [("v1", (2, 7, 0), None)],
    ("helm.toolkit.fluxcd.io", "HelmRelease"): [
        ("v2beta1", (0, 0, 0), (2, 8, 0)),
        ("v2beta2", (2, 2, 0), (2, 8, 0)),
        ("v2", (2, 3, 0), None),
    ],
    **{
        ("notification.toolkit.fluxcd.io", kind): [
            ("v1beta1", (0, 0, 0), (2, 7, 0)),
            ("v1beta2", (0, 0, 0), (2, 9, 0)),
            ("v1beta3", (2, 3, 0), None),
        ]
        for kind in ("Alert", "Provider")
    },
    ("notification.toolkit.fluxcd.io", "Receiver"): [
        ("v1beta1", (0, 0, 0), (2, 7, 0)),
        ("v1beta2", (0, 0, 0), (2, 9, 0)),
        ("v1", (2, 1, 0), None),
    ],
    **{
        ("image.toolkit.fluxcd.io", kind): [
            ("v1beta1", (0, 0, 0), (2, 9, 0)),
            ("v1beta2", (0, 0, 0), (2, 9, 0)),
            ("v1", (2, 7, 0), None),
        ]
        for kind in _IMAGE_KINDS
    },
}
_PINNED = re.compile(r"^#\s*Flux Version:\s*v?(\d+)\.(\d+)\.(\d+)", re.MULTILINE)


def first_serving(api_version: str, kind: str) -> Version | None:
    """The first Flux release that serves ``kind`` at ``api_version``; None when any does (or it is not Flux's)."""
    group, _, version = api_version.rpartition("/")
    since = next((s for v, s, _ in SERVED.get((group, kind), []) if v == version), None)
    return since if since and since > (0, 0, 0) else None


def served(group: str, kind: str, flux: Version) -> list[str]:
    """The versions of ``group``/``kind`` that Flux ``flux`` serves; [] for kinds not in the table."""
    return [v for v, since, until in SERVED.get((group, kind), []) if since <= flux and (until is None or flux < until)]


def unserved(api_version: str, kind: str, flux: Version) -> str:
    """Why Flux ``flux`` cannot apply ``kind`` at ``api_version`` and what to move to; "" when it can."""
    group, _, version = api_version.rpartition("/")
    versions = SERVED.get((group, kind))
    if versions is None or version in served(group, kind, flux):
        return ""
    newest = versions[-1]
    if version == newest[0]:
        return f"needs Flux {format_version(newest[1])} or newer (checked against Flux {format_version(flux)})"
    if version in {v for v, _, _ in versions}:
        return f"{api_version} is not served by Flux {format_version(flux)}: use {group}/{newest[0]}"
    return f"{api_version} is not a {kind} version Flux {format_version(flux)} knows: use {group}/{newest[0]}"


def pinned_flux(directory: Path) -> tuple[Version, str] | None:
    """The Flux release ``flux bootstrap`` (or ``flux install --export``) wrote under ``directory``:
    the "# Flux Version:" header of gotk-components.yaml, and that file's path."""
    for path in sorted(directory.rglob("gotk-components.yaml")):
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                head = handle.read(512)
        except OSError:
            continue
        match = _PINNED.search(head)
        if match:
            return (int(match.group(1)), int(match.group(2)), int(match.group(3))), str(path)
    return None
