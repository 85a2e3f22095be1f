"""Where an application GitRepository's ref points, asked of a real remote with real git."""

from __future__ import annotations

from pathlib import Path

from gitopsctl.flux.objects import FluxObject
from gitopsctl.flux.remote_heads import remote_heads, remote_ref
from gitopsctl.git import Git
from gitopsctl.runner import Runner
from tests.harness.git import git


def source(name: str, url: str, ref: dict[str, str]) -> FluxObject:
    return FluxObject.from_json(
        {"kind": "GitRepository", "metadata": {"name": name, "namespace": "apps"}, "spec": {"url": url, "ref": ref}}
    )


def test_branches_and_tags_are_asked_of_the_remote_and_an_unanswered_one_says_why(tmp_path: Path):
    work = tmp_path / "app"
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    (work / "deploy.yaml").write_text("kind: ConfigMap\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "first")
    git(work, "tag", "-a", "v1.0.0", "-m", "an annotated tag: its peeled commit is the answer")
    head = git(work, "rev-parse", "HEAD")
    url = str(work)
    heads, problems = remote_heads(
        Git(Runner(), tmp_path),
        [
            source("branch", url, {"branch": "main"}),
            source("tag", url, {"tag": "v1.0.0"}),
            source("gone", url, {"branch": "release"}),
            source("nowhere", str(tmp_path / "missing.git"), {"branch": "main"}),
            source("pinned", url, {"commit": head}),
            source("range", url, {"semver": ">=1.0.0"}),
        ],
    )
    assert heads == {"GitRepository/apps/branch": head, "GitRepository/apps/tag": head}
    assert problems["GitRepository/apps/gone"] == "it has no refs/heads/release"
    assert "git failed" in problems["GitRepository/apps/nowhere"]
    assert set(problems) == {"GitRepository/apps/gone", "GitRepository/apps/nowhere"}


def test_the_ref_asked_follows_source_controllers_precedence():
    assert remote_ref(source("a", "u", {})) == "refs/heads/master"
    assert remote_ref(source("a", "u", {"branch": "main", "tag": "v1"})) == "refs/tags/v1"
    assert remote_ref(source("a", "u", {"name": "refs/pull/1/head", "tag": "v1"})) == "refs/pull/1/head"
    assert remote_ref(source("a", "u", {"semver": "1.x", "branch": "main"})) == ""
