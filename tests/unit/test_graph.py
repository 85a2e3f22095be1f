"""The dependsOn graph: reconciliation levels, cycles, and what blocks a Kustomization."""

from __future__ import annotations

import pytest

from gitopsctl.flux import graph

HOMELAB = {
    "sealed-secrets": [],
    "frontend": ["sealed-secrets"],
    "image-automation": ["sealed-secrets"],
    "ingress": ["frontend"],
    "backend-deploy": ["frontend"],
}


@pytest.mark.parametrize(
    ("dependencies", "levels"),
    [
        ({}, []),
        ({"a": []}, [["a"]]),
        (HOMELAB, [["sealed-secrets"], ["frontend", "image-automation"], ["backend-deploy", "ingress"]]),
        ({"b": ["a"], "a": [], "c": ["a", "b"]}, [["a"], ["b"], ["c"]]),
    ],
)
def test_levels(dependencies, levels):
    assert graph.levels(dependencies) == levels


@pytest.mark.parametrize(
    "dependencies",
    [{"a": ["a"]}, {"a": ["b"], "b": ["a"]}, {"a": ["b"], "b": ["c"], "c": ["a"], "d": []}],
)
def test_a_cycle_is_named(dependencies):
    with pytest.raises(graph.DependencyCycle) as cycle:
        graph.levels(dependencies)
    named = str(cycle.value)
    assert all(node in named for node in graph.find_cycle(dependencies))


@pytest.mark.parametrize(
    ("ready", "blocker"),
    [
        ({"sealed-secrets"}, "frontend"),  # frontend is the first dependency that is not ready
        (set(), "sealed-secrets"),  # the root of the chain, not the nearest link
        ({"sealed-secrets", "frontend"}, None),
    ],
)
def test_the_root_blocker(ready, blocker):
    assert graph.root_blocker("ingress", HOMELAB, lambda name: name in ready) == blocker
