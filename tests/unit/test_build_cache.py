"""Builds kept by content: reused while nothing they read changed, never holding a secret value."""

from __future__ import annotations

import shutil
from pathlib import Path

from gitopsctl.config import Config
from gitopsctl.flux.build import Builder
from gitopsctl.flux.build_cache import BuildCache
from gitopsctl.runner import Runner

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "repositories"


def official(tmp_path: Path) -> Path:
    repo = tmp_path / "official"
    shutil.copytree(FIXTURES / "official", repo)
    return repo


def build(repo: Path) -> tuple[dict[str, list[tuple[str, dict]]], int]:
    """Each build's documents, and how many programs the builds ran."""
    runner = Runner()
    cluster = Builder.for_config(runner, repo, Config()).build_cluster(repo / "clusters/production")
    documents = {b.key: [(str(d.path), d.object) for d in b.documents] for b in cluster.each()}
    return documents, runner.spawn_count


def test_an_unchanged_repository_is_not_built_again(tmp_path):
    repo = official(tmp_path)
    first, cold = build(repo)
    second, warm = build(repo)
    assert cold == 4  # the cluster folder and its three Kustomizations
    assert warm == 0
    assert second == first


def test_a_changed_base_is_built_again_and_only_it(tmp_path):
    repo = official(tmp_path)
    build(repo)
    release = repo / "apps/base/podinfo/release.yaml"
    release.write_text(release.read_text().replace("interval: 50m", "interval: 40m"))
    documents, spawns = build(repo)
    assert spawns == 1
    [podinfo] = [item for _, item in documents["flux-system/apps"] if item["kind"] == "HelmRelease"]
    assert podinfo["spec"]["interval"] == "40m"


def test_an_entry_whose_extra_files_changed_is_not_used(tmp_path):
    cache = BuildCache(tmp_path / "cache", Path("/bin/true"))
    read = tmp_path / "read-by-kustomize.yaml"
    read.write_text("a: 1\n")
    cache.put("k", [(read, {"kind": "ConfigMap"})], [read])
    assert cache.get("k") == ([(read, {"kind": "ConfigMap"})], {read})
    read.write_text("a: 2\n")
    assert cache.get("k") is None


def test_a_build_holding_a_readable_secret_is_never_written(tmp_path):
    repo = official(tmp_path)
    (repo / "apps/base/podinfo/token.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  token: hunter2\n"
    )
    base = repo / "apps/base/podinfo/kustomization.yaml"
    base.write_text(base.read_text() + "  - token.yaml\n")
    build(repo)
    entries = list((tmp_path / "cache" / "gitopsctl" / "builds").iterdir())
    assert len(entries) == 3  # the others are kept
    assert not any("hunter2" in entry.read_text() for entry in entries)
    _, spawns = build(repo)
    assert spawns == 1  # the one holding the Secret is built every time


def test_a_build_that_needs_remote_resources_is_not_kept(tmp_path):
    repo = official(tmp_path)
    overlay = repo / "apps/production/kustomization.yaml"
    overlay.write_text(
        overlay.read_text().replace("  - ../base/podinfo\n", "  - ../base/podinfo\n  - https://127.0.0.1:9/x.yaml\n")
    )
    build(repo)
    _, spawns = build(repo)
    assert spawns == 1
