"""The flux CLI as gitopsctl uses it, checked on the real one and on the test stand-in alike.

The real flux v2.9.5 is built by `tools/build.sh flux-cli`; the stand-in (tests/fakes/flux)
remains for failures the real CLI cannot be made to produce. Every check here runs on both,
so the stand-in cannot drift from what it stands in for.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gitopsctl.bootstrap.plan import BootstrapSettings, flux_bootstrap_args
from gitopsctl.config import Config
from gitopsctl.errors import headline
from gitopsctl.versions import parse_version
from tests.harness.controlplane import CACHE, free_port

FAKE = Path(__file__).resolve().parents[1] / "fakes" / "flux"
REAL = CACHE / "bin" / "flux"


@pytest.fixture(params=["real", "fake"])
def flux(request) -> Path:
    if request.param == "real" and not REAL.exists():
        pytest.fail(f"{REAL} is missing: make tools builds it (tools/build.sh flux-cli)")
    return REAL if request.param == "real" else FAKE


def run(flux: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(flux), *args], capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}
    )


def unreachable_kubeconfig(path: Path) -> Path:
    path.write_text(
        f"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:{free_port()}\n"
        "users:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n"
        "current-context: c\n"
    )
    return path


def test_the_client_version_reads_as_gitopsctl_expects(flux):
    result = run(flux, "version", "--client")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("flux: v")
    version = parse_version(result.stdout)
    assert version is not None and version >= (2, 9, 0)


def test_check_pre_passes_on_the_test_api_server(flux, control_plane):
    result = run(flux, "check", "--pre", f"--kubeconfig={control_plane.kubeconfig}")
    assert result.returncode == 0, result.stderr
    assert "✔ prerequisites checks passed" in result.stderr


def test_check_pre_on_an_unreachable_cluster_says_so_in_one_line(flux, tmp_path):
    result = run(flux, "check", "--pre", f"--kubeconfig={unreachable_kubeconfig(tmp_path / 'kubeconfig')}")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "► checking prerequisites", result.stderr
    line = headline(result.stderr)
    assert line.startswith("✗ Kubernetes API call failed: ") and "refused" in line, result.stderr


def test_every_flag_gitopsctl_passes_to_bootstrap_is_accepted(flux, tmp_path):
    """The flags are known to flux (no 'unknown flag'); it asks the cluster before anything else."""
    settings = BootstrapSettings.from_config(Config(), "flux/clusters/production", owner="o", repository="r")
    settings = BootstrapSettings(**{**settings.__dict__, "flux_namespace": "flux-system", "hostname": "localhost:1"})
    kubeconfig = unreachable_kubeconfig(tmp_path / "kubeconfig")
    args = flux_bootstrap_args(settings, [f"--kubeconfig={kubeconfig}"])
    result = run(flux, *args, env={"GITHUB_TOKEN": "test-token"})
    assert result.returncode == 1
    assert "unknown flag" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("✗ cluster info unavailable: ") and "refused" in line, result.stderr


def test_an_unknown_flag_is_refused_as_cobra_refuses_it(flux):
    result = run(flux, "bootstrap", "github", "--no-such-flag")
    assert result.returncode == 1
    assert "✗ unknown flag: --no-such-flag" in result.stderr
