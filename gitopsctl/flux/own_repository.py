"""Which GitRepository holds the operator's own repository, the one gitopsctl's clone pushes to.

Its revision is judged against the branch head gitopsctl knows; any other source only against
itself (its own remote, its artifact). Offline builds read its files from the clone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gitopsctl.flux.objects import FluxObject


def normal_url(url: str) -> str:
    """host/owner/repo for https://…/owner/repo.git, ssh://git@host:22/owner/repo and git@host:owner/repo."""
    text = url.strip().lower().removesuffix("/").removesuffix(".git")
    if "://" in text:
        host, _, path = text.split("://", 1)[1].partition("/")
    else:  # scp-like
        host, _, path = text.partition(":")
    return f"{host.rpartition('@')[2].partition(':')[0]}/{path.strip('/')}"


@dataclass(frozen=True)
class OwnRepository:
    urls: frozenset[str] = frozenset()
    flux_namespace: str = "flux-system"

    @classmethod
    def at(cls, urls: Iterable[str], flux_namespace: str) -> OwnRepository:
        return cls(frozenset(normal_url(url) for url in urls if url), flux_namespace)

    def holds(self, namespace: str, name: str, url: str) -> bool:
        """Whether the GitRepository ``namespace/name`` fetching ``url`` is this repository: its
        URL says so, or it is flux bootstrap's own source (named flux-system in Flux's namespace)."""
        if url and normal_url(url) in self.urls:
            return True
        return name == "flux-system" and namespace == self.flux_namespace

    def holds_source(self, source: FluxObject) -> bool:
        return source.kind == "GitRepository" and self.holds(
            source.namespace, source.name, str(source.spec.get("url", ""))
        )
