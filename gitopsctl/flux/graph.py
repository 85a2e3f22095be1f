"""Kustomization dependencies (spec.dependsOn): order, cycles, and what blocks what."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence


class DependencyCycle(Exception):
    def __init__(self, cycle: Sequence[str]) -> None:
        super().__init__(" → ".join(cycle))
        self.cycle = list(cycle)


def levels(dependencies: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Reconciliation levels: each node after everything it depends on (missing deps ignored)."""
    remaining = {node: [d for d in deps if d in dependencies] for node, deps in dependencies.items()}
    ordered: list[list[str]] = []
    placed: set[str] = set()
    while remaining:
        level = sorted(node for node, deps in remaining.items() if all(d in placed for d in deps))
        if not level:
            raise DependencyCycle(find_cycle(remaining))
        ordered.append(level)
        placed.update(level)
        for node in level:
            del remaining[node]
    return ordered


def find_cycle(dependencies: Mapping[str, Sequence[str]]) -> list[str]:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done or node not in dependencies:
            return None
        visiting.append(node)
        for dependency in dependencies[node]:
            cycle = visit(dependency)
            if cycle:
                return cycle
        visiting.pop()
        done.add(node)
        return None

    for start in sorted(dependencies):
        cycle = visit(start)
        if cycle:
            return cycle
    return []


def root_blocker(node: str, dependencies: Mapping[str, Sequence[str]], is_ready: Callable[[str], bool]) -> str | None:
    """The first not-ready ancestor whose own dependencies are all ready: the one to fix."""
    seen: set[str] = set()

    def walk(current: str) -> str | None:
        for dependency in dependencies.get(current, ()):
            if dependency in seen:
                continue
            seen.add(dependency)
            if dependency not in dependencies:
                return dependency  # missing: nothing further up to blame
            if not is_ready(dependency):
                return walk(dependency) or dependency
        return None

    return walk(node)
