"""Paths as Flux reads them: only a leading "./" is a prefix, never the characters '.' and '/'."""

from __future__ import annotations

import pytest

from gitopsctl.flux.objects import repository_path


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("./apps/frontend", "apps/frontend"),
        ("apps/frontend/", "apps/frontend"),
        ("/apps", "apps"),
        ("./", "."),
        ("", "."),
        ("././apps", "apps"),
        ("./.config", ".config"),  # a hidden folder, not a prefix: .lstrip("./") made it "config"
        ("..data/x", "..data/x"),
        ("./.flux/clusters/production", ".flux/clusters/production"),
    ],
)
def test_repository_path(given: str, expected: str) -> None:
    assert repository_path(given) == expected


def test_bootstraps_sync_path_keeps_a_hidden_folder() -> None:
    from gitopsctl.bootstrap.plan import BootstrapSettings

    settings = BootstrapSettings(
        owner="o", repository="r", branch="main", remote="origin", personal=True, hostname="github.com",
        ssh_hostname="", ca_file="",
        path=".gitops/clusters/production", components=(), components_extra=(), flux_version="",
        flux_namespace="flux-system", release="sealed-secrets", chart_repo="", chart_name="sealed-secrets",
        chart_version="2.19.1", controller_name="sealed-secrets-controller", controller_namespace="flux-system",
        timeout=60,
    )  # fmt: skip
    assert settings.sync_path == "./.gitops/clusters/production"


def test_an_ssh_push_url_with_a_port_takes_the_ssh_scheme() -> None:
    from gitopsctl.git import ssh_push_url

    assert ssh_push_url("github.com", "o", "r") == "git@github.com:o/r.git"
    # git@ghe.lan:2222:o/r.git would be read as the path 2222:o/r.git on ghe.lan's port 22.
    assert ssh_push_url("ghe.lan:2222", "o", "r") == "ssh://git@ghe.lan:2222/o/r.git"
