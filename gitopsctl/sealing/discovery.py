"""Finding the SealedSecrets a repository holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitopsctl.yamlfiles import read_manifests, yaml_files


def sealed_secret_files(root: Path) -> list[Path]:
    # A cheap text test first: parsing every YAML file in a repo is slow.
    return [path for path in yaml_files(root) if "SealedSecret" in path.read_text(encoding="utf-8", errors="replace")]


def files_holding_sealed_secrets(paths: tuple[str, ...]) -> list[Path]:
    """The files named in ``paths``, folders searched for the files that hold SealedSecrets."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        files.extend(sealed_secret_files(path) if path.is_dir() else [path])
    return files


def sealed_secrets_in(path: Path) -> list[dict[str, Any]]:
    documents = read_manifests(path)
    return [d for d in documents if isinstance(d, dict) and d.get("kind") == "SealedSecret"]
