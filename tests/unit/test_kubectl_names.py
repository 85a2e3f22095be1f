"""How gitopsctl names kinds to kubectl, against the real API server: plural.group until a read
has shown the cluster serves the kind, plural.version.group after (kubectl then skips a discovery
refresh at every call), and plural.group again, for good, when the cluster refuses a version."""

from __future__ import annotations

import shutil

import pytest

from gitopsctl.flux.cluster import read_state
from gitopsctl.flux.objects import GIT_REPOSITORY, IMAGE_POLICY, IMAGE_UPDATE_AUTOMATION, KUSTOMIZATION
from gitopsctl.kube import Kube
from gitopsctl.runner import Runner

pytestmark = pytest.mark.skipif(shutil.which("go") is None, reason="the API server is built with Go")

SOURCE = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: names-test, namespace: default}
spec: {interval: 10m, url: https://example.com/repo.git, ref: {branch: main}}
"""


def recording_kube() -> tuple[Kube, list[str]]:
    commands: list[str] = []
    return Kube(Runner(on_command=commands.append)), commands


def reads(commands: list[str]) -> list[str]:
    return [line for line in commands if " get " in line and " get secrets " not in line]


def test_the_reads_after_the_first_name_each_served_kind_with_its_version(cluster):
    cluster.kubectl("apply", "-f", "-", stdin=SOURCE)
    kube, commands = recording_kube()
    first = read_state(kube)
    second = read_state(kube)
    assert [o.key for o in second.of_kind("GitRepository")] == [o.key for o in first.of_kind("GitRepository")]
    assert "default/names-test" in [o.key for o in second.of_kind("GitRepository")]
    first_read, second_read = reads(commands)
    assert f" {KUSTOMIZATION}," in first_read
    assert "gitrepositories.v1.source.toolkit.fluxcd.io" in second_read
    assert "kustomizations.v1.kustomize.toolkit.fluxcd.io" in second_read  # served, no objects
    assert "sealedsecrets.v1alpha1.bitnami.com" in second_read


def test_a_version_the_cluster_does_not_serve_is_asked_for_by_plural_group_for_good(cluster):
    cluster.kubectl("apply", "-f", "-", stdin=SOURCE)
    kube, commands = recording_kube()
    kube.served_as[GIT_REPOSITORY] = "gitrepositories.v1beta9.source.toolkit.fluxcd.io"
    state = read_state(kube)
    assert "default/names-test" in [o.key for o in state.of_kind("GitRepository")]
    assert kube.served_as[GIT_REPOSITORY] == GIT_REPOSITORY
    refused, answered = reads(commands)
    assert "gitrepositories.v1beta9.source.toolkit.fluxcd.io" in refused
    assert f"{GIT_REPOSITORY}," in answered
    commands.clear()
    read_state(kube)
    assert len(reads(commands)) == 1  # not refused again


def test_a_patch_and_an_annotation_fall_back_the_same_way(cluster):
    cluster.kubectl("apply", "-f", "-", stdin=SOURCE)
    kube, commands = recording_kube()
    kube.served_as[GIT_REPOSITORY] = "gitrepositories.v1beta9.source.toolkit.fluxcd.io"
    kube.merge_patch(GIT_REPOSITORY, "names-test", "default", {"spec": {"interval": "11m"}})
    kube.served_as[GIT_REPOSITORY] = "gitrepositories.v1beta9.source.toolkit.fluxcd.io"
    kube.annotate_all([GIT_REPOSITORY], "example.com/asked", "now")
    applied = cluster.kubectl("get", GIT_REPOSITORY, "names-test", "-n", "default", "-o", "json").stdout
    assert '"interval": "11m"' in applied
    assert '"example.com/asked": "now"' in applied
    assert sum("v1beta9" in line for line in commands) == 2


def test_a_kind_without_its_crd_stays_unserved_without_extra_calls(cluster):
    kube, commands = recording_kube()
    unserved = {IMAGE_POLICY}
    read_state(kube, unserved)
    read_state(kube, unserved)
    assert IMAGE_POLICY not in kube.served_as
    assert all("imagepolicies" not in line for line in reads(commands))
    assert IMAGE_UPDATE_AUTOMATION in kube.served_as


def test_the_versions_reads_name_are_those_the_release_table_says_flux_serves():
    # SERVED_VERSIONS repeats, for the Flux kinds, the newest version of the release table
    # (which is checked against the upstream CRDs); kept apart so start-up does not load the
    # table, and held to it here.
    from gitopsctl.flux.api_versions import NEWEST_KNOWN, served
    from gitopsctl.flux.objects import KIND_RESOURCES, SERVED_VERSIONS

    for kind, resource in KIND_RESOURCES.items():
        current = served(resource.partition(".")[2], kind, NEWEST_KNOWN)
        if current:
            assert SERVED_VERSIONS[resource] == current[-1], kind
