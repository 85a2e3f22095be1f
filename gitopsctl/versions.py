"""Version numbers as the tools print them, compared numerically."""

from __future__ import annotations

import re

_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")


def parse_version(text: str) -> tuple[int, int, int] | None:
    match = _VERSION.search(text)
    if match is None:
        return None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


def format_version(version: tuple[int, int, int]) -> str:
    return ".".join(str(part) for part in version)


# The minimum Kubernetes each Flux minor release supports (flux check's kubernetesConstraints).
_FLUX_MIN_KUBERNETES: list[tuple[tuple[int, int], tuple[int, int, int]]] = [
    ((2, 8), (1, 33, 0)),
    ((2, 7), (1, 32, 0)),
    ((2, 6), (1, 31, 0)),
    ((2, 5), (1, 30, 0)),
    ((2, 3), (1, 28, 0)),
    ((2, 2), (1, 26, 0)),
    ((2, 1), (1, 25, 0)),
    ((2, 0), (1, 24, 0)),
]


def minimum_kubernetes_for_flux(flux: tuple[int, int, int]) -> tuple[int, int, int]:
    for (major, minor), kubernetes in _FLUX_MIN_KUBERNETES:
        if flux[:2] >= (major, minor):
            return kubernetes
    return _FLUX_MIN_KUBERNETES[-1][1]
