"""seal harbor-creds logs in to the registry first, as docker login does, and seals only what it accepts.

Against the real registry (distribution, htpasswd basic auth) and a stand-in for Harbor's
token service; both on loopback over plain HTTP, as registry.insecure says.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import TOOLS_BIN
from tests.harness.controlplane import free_port
from tests.harness.http import LoopbackServer, QuietHandler
from tests.harness.registry import HarborTokenRegistry, Registry

ROBOT, PASSWORD = "robot$homelab+ci", "Harbor-robot-s3cret"
STORE = "flux/sealed-secrets/production"

pytestmark = pytest.mark.needs_tools("registry")


def status(repo: Path) -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout


def seal(run_cli, repo: Path, host: str, password: str, *args: str):
    return run_cli(
        "-vv", "--repo", str(repo), "seal", "harbor-creds", "--username", ROBOT, "--password-stdin",
        "--registry", host, "-n", "default", *args, input=password,
    )  # fmt: skip


@pytest.fixture
def registry(tmp_path):
    server = Registry(TOOLS_BIN / "registry", tmp_path / "registry", {ROBOT: PASSWORD}).start()
    yield server
    server.stop()


@pytest.fixture
def harbor():
    server = HarborTokenRegistry({ROBOT: PASSWORD})
    yield server
    server.stop()


def test_right_credentials_are_sealed_after_the_registry_accepts_them(run_cli, sealing_repo, registry):
    result = seal(run_cli, sealing_repo, registry.host, PASSWORD)
    assert result.exit_code == 0, result.stderr
    assert f"✔ logging in to {registry.host}" in result.stderr
    assert (sealing_repo / STORE / "default.harbor-credentials.yaml").is_file()
    assert PASSWORD not in result.stderr + result.stdout


def test_wrong_credentials_are_refused_and_nothing_is_written(run_cli, sealing_repo, registry):
    before = status(sealing_repo)
    result = seal(run_cli, sealing_repo, registry.host, "Harbor-robot-typo")
    assert result.exit_code == 2
    failures = [line for line in result.stderr.splitlines() if line.startswith("✗ ") and "logging in" not in line]
    assert failures == [
        f"✗ registry {registry.host} rejected the credentials of {ROBOT}: nothing was sealed: check the user name "
        "and password (a Harbor robot is robot$project+name), or pass --no-check to seal without asking the registry"
    ]
    assert "Harbor-robot-typo" not in result.stderr + result.stdout
    assert status(sealing_repo) == before


def test_harbors_token_flow(run_cli, sealing_repo, harbor):
    before = status(sealing_repo)
    refused = seal(run_cli, sealing_repo, harbor.host, "wrong")
    assert refused.exit_code == 2 and "rejected the credentials" in refused.stderr
    assert status(sealing_repo) == before
    accepted = seal(run_cli, sealing_repo, harbor.host, PASSWORD)
    assert accepted.exit_code == 0, accepted.stderr
    assert harbor.token_requests[-1] == {"account": [ROBOT], "service": ["harbor-registry"]}
    # The token is a credential too: never shown, even with -vv.
    assert not any(token in accepted.stderr for token in harbor.tokens)


def test_a_registry_that_is_down_or_failing_is_one_line(run_cli, sealing_repo):
    class Failing(QuietHandler):
        def do_GET(self) -> None:
            self.answer(503, b"upstream down")

    failing = LoopbackServer(Failing)
    down = f"127.0.0.1:{free_port()}"
    try:
        before = status(sealing_repo)
        results = {
            down: seal(run_cli, sealing_repo, down, PASSWORD),
            failing.url.removeprefix("http://"): seal(
                run_cli, sealing_repo, failing.url.removeprefix("http://"), PASSWORD
            ),
        }
    finally:
        failing.stop()
    (down_result, failing_result) = results.values()
    assert down_result.exit_code == failing_result.exit_code == 1
    assert f"✗ registry {down} does not answer over HTTP (ConnectionError): check registry.host" in down_result.stderr
    assert "answered 503 to /v2/, not as a Docker registry does" in failing_result.stderr
    assert "Traceback" not in down_result.stderr + failing_result.stderr
    assert status(sealing_repo) == before
    # --no-check is the way to seal on an offline laptop.
    offline = seal(run_cli, sealing_repo, down, PASSWORD, "--no-check")
    assert offline.exit_code == 0, offline.stderr
    assert "logging in" not in offline.stderr
