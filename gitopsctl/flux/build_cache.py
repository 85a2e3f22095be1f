"""Kustomize builds kept by the content of what they read, so an unchanged Kustomization is not
built twice.

The key is the overlay (paths and the Kustomization's transformers), the kubectl that builds,
and the bytes of every file the build's closure names; an entry also records the files kustomize
was seen to read beyond that closure (objects' origins), and is used only while they are
unchanged too. A build that holds a readable Secret's value is never written (a cache file is a
file on disk, and secret values go to none), nor one that reaches for remote resources (their
content is not the repository's to hash), nor a build that failed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gitopsctl.files import replace_atomically

# Entries are a few kB to a few MB; the oldest go past this many.
MAX_ENTRIES = 2000
FORMAT = 1


class BuildCache:
    def __init__(self, directory: Path, tool: Path) -> None:
        self.directory = directory
        try:
            status = tool.stat()
            self._tool = f"{tool}:{status.st_size}:{status.st_mtime_ns}"
        except OSError:
            self._tool = str(tool)

    @classmethod
    def in_user_cache(cls, tool: Path) -> BuildCache:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return cls(Path(base) / "gitopsctl" / "builds", tool)

    def key(self, overlay: dict[str, Any], files: Iterable[Path]) -> str:
        digest = hashlib.sha256(json.dumps([FORMAT, self._tool, overlay], sort_keys=True, default=str).encode())
        for path, content in sorted(_hashes(files).items()):
            digest.update(f"{path}\0{content}\n".encode())
        return digest.hexdigest()

    def get(self, key: str) -> tuple[list[tuple[Path, dict[str, Any]]], set[Path]] | None:
        """The documents (with their origins) and the files beyond the closure; None on a miss."""
        try:
            entry = json.loads((self.directory / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        extra = {str(p): h for p, h in entry.get("extra", {}).items()}
        if _hashes(Path(p) for p in extra) != extra:
            return None
        return [(Path(origin), item) for origin, item in entry.get("documents", [])], {Path(p) for p in extra}

    def put(self, key: str, documents: list[tuple[Path, dict[str, Any]]], extra: Iterable[Path]) -> None:
        if any(_readable_secret(item) for _, item in documents):
            return
        entry = {"extra": _hashes(extra), "documents": [[str(origin), item] for origin, item in documents]}
        with contextlib.suppress(OSError):  # a read-only home only costs the next run its speed
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            text = json.dumps(entry, default=str)  # dumps, not dump: the C encoder
            replace_atomically(self.directory / f"{key}.json", text.encode(), mode=0o600)
            self._prune()

    def _prune(self) -> None:
        entries = list(os.scandir(self.directory))
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda e: e.stat().st_mtime_ns)
        for entry in entries[: len(entries) - MAX_ENTRIES]:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _hashes(files: Iterable[Path]) -> dict[str, str]:
    hashes = {}
    for path in files:
        try:
            hashes[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            hashes[str(path)] = "-"  # gone or unreadable: a state of its own
    return hashes


def _readable_secret(item: dict[str, Any]) -> bool:
    return item.get("kind") == "Secret" and not item.get("sops") and bool(item.get("data") or item.get("stringData"))
