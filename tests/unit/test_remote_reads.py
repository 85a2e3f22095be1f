"""Reading from a remote survives one failed connection; writing is never retried.

Real git against a loopback smart-HTTP server that drops the connection of chosen requests
without answering, as a garbled or reset TLS handshake does.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitopsctl.errors import ToolFailed
from gitopsctl.git import Git
from gitopsctl.runner import Runner
from tests.harness.git_server import serve_git
from tests.harness.http import LoopbackServer, QuietHandler


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=30).stdout


class DroppingServer:
    """Serves the bare repositories under ``root``; the first ``drops`` requests whose path ends
    with ``what`` are answered by closing the connection."""

    def __init__(self, root: Path, what: str, drops: int) -> None:
        self.dropped = 0
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self._serve(b"")

            def do_POST(self) -> None:
                self._serve(self.rfile.read(int(self.headers.get("Content-Length", "0"))))

            def _serve(self, body: bytes) -> None:
                path, _, query = self.path.partition("?")
                if path.endswith(what) and server.dropped < drops:
                    server.dropped += 1
                    self.close_connection = True
                    self.connection.close()
                    return
                serve_git(self, str(root), path, query, body, user="operator")

        self._loopback = LoopbackServer(Handler)
        self.url = self._loopback.url

    def stop(self) -> None:
        self._loopback.stop()


@pytest.fixture
def world(tmp_path):
    root = tmp_path / "served"
    origin = root / "gitops.git"
    origin.mkdir(parents=True)
    _git(origin, "init", "-q", "--bare", "-b", "main")
    seed = tmp_path / "seed"
    _git(tmp_path, "clone", "-q", str(origin), str(seed))
    (seed / "README.md").write_text("gitops\n")
    _git(seed, "add", "-A")
    _git(seed, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "first")
    _git(seed, "push", "-q", "origin", "main")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(origin), str(clone))
    head = _git(seed, "rev-parse", "HEAD").strip()
    return root, clone, head


@pytest.mark.parametrize("request_path", ["/info/refs", "/git-upload-pack"])
def test_a_fetch_whose_connection_drops_once_is_tried_again(world, request_path):
    root, clone, head = world
    server = DroppingServer(root, request_path, drops=1)
    try:
        _git(clone, "remote", "set-url", "origin", f"{server.url}/gitops.git")
        git = Git(Runner(), clone)
        assert git.fetch_branch("origin", "main") == head
        assert git.remote_head("origin", "main") == head
    finally:
        server.stop()
    assert server.dropped == 1


def test_a_remote_that_keeps_dropping_is_a_failure_named_by_git(world):
    root, clone, _ = world
    server = DroppingServer(root, "/info/refs", drops=100)
    try:
        _git(clone, "remote", "set-url", "origin", f"{server.url}/gitops.git")
        with pytest.raises(ToolFailed) as failure:
            Git(Runner(), clone).remote_head("origin", "main")
    finally:
        server.stop()
    assert server.dropped == 2  # once, and once more: not forever
    assert "unable to access" in failure.value.stderr or "RPC failed" in failure.value.stderr
