"""A GitHub Enterprise host on loopback, for the real `flux bootstrap github --hostname`.

One HTTPS listener (a certificate from a CA of the test's own, passed to flux with --ca-file)
serves the REST endpoints flux bootstrap calls (go-git-providers over go-github's enterprise
client: /api/v3/user, /repos, /user/repos, deploy keys) and git over smart HTTP (`git
http-backend`, basic auth with the token) for the CLI's clone and push. An SSH listener
(paramiko, a complete SSH server) serves git over SSH to the source-controller, letting in only
the deploy keys registered through the API, and only for their repository: what flux set up is
what works.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shlex
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import paramiko

from tests.harness.git_server import serve_git
from tests.harness.http import QuietHandler
from tests.harness.pki import make_pki

_REPOSITORY = re.compile(r"^/api/v3/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)(?P<rest>/.*)?$")
_GIT_PATH = re.compile(
    r"^/(?P<owner>[^/]+)/(?P<name>[^/]+?)(?:\.git)?/(?P<rest>info/refs|git-upload-pack|git-receive-pack)$"
)


# What github.com's SSH server says to a push with a read-only deploy key.
READ_ONLY_REFUSAL = b"ERROR: The key you are authenticating with has been marked as read only.\n"


@dataclass
class DeployKey:
    id: int
    key: str  # "<type> <base64>"
    title: str
    read_only: bool

    @property
    def blob(self) -> str:
        return self.key.split()[1]


@dataclass
class GitHubEnterprise:
    workdir: Path
    owner: str
    token: str
    keys: dict[str, list[DeployKey]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    # "METHOD /path" → how many more times to answer 500 (a failure injected by a test).
    failures: dict[str, int] = field(default_factory=dict)
    # The classic token's scopes, as GitHub lists them in X-OAuth-Scopes.
    scopes: str = "repo"

    @property
    def repositories(self) -> Path:
        return self.workdir / "repositories"

    def repository(self, name: str) -> Path:
        return self.repositories / self.owner / f"{name}.git"

    def start(self) -> GitHubEnterprise:
        self.repositories.mkdir(parents=True, exist_ok=True)
        self.pki = make_pki(self.workdir / "pki")
        self._https = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.pki["serving.crt"], self.pki["serving.key"])
        self._https.socket = context.wrap_socket(self._https.socket, server_side=True)
        threading.Thread(target=self._https.serve_forever, daemon=True).start()
        # go-git-providers cannot parse "127.0.0.1:port" as a host (it panics): the name is localhost.
        self.hostname = f"localhost:{self._https.server_address[1]}"
        self._ssh_host_key = paramiko.ECDSAKey.generate()
        self._ssh = socket.create_server(("127.0.0.1", 0))
        self.ssh_hostname = f"127.0.0.1:{self._ssh.getsockname()[1]}"
        threading.Thread(target=self._accept_ssh, daemon=True).start()
        return self

    @property
    def ca_file(self) -> Path:
        return self.pki["ca.crt"]

    @property
    def api_url(self) -> str:
        return f"https://{self.hostname}/api/v3"

    def clone_url(self, name: str) -> str:
        """HTTPS with the token in it, for the operator's own git (with http.sslCAInfo)."""
        return f"https://{self.owner}:{self.token}@{self.hostname}/{self.owner}/{name}.git"

    def create_repository(self, name: str) -> Path:
        path = self.repository(name)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True, timeout=30)
            # Who moved a branch, and when: what a failing test needs to tell bot from operator.
            config = ["git", "-C", str(path), "config", "core.logAllRefUpdates", "always"]
            subprocess.run(config, check=True, timeout=30)
        return path

    def stop(self) -> None:
        self._https.shutdown()
        self._https.server_close()
        self._ssh.close()

    # -- the REST API and git over HTTPS ----------------------------------------------------------

    def _repository_json(self, name: str) -> dict[str, Any]:
        return {
            "id": abs(hash(name)) % 100000,
            "name": name,
            "full_name": f"{self.owner}/{name}",
            "owner": {"login": self.owner, "type": "User"},
            "private": True,
            "visibility": "private",
            "default_branch": "main",
            "description": "",
            "html_url": f"https://{self.hostname}/{self.owner}/{name}",
            "clone_url": f"https://{self.hostname}/{self.owner}/{name}.git",
            "ssh_url": f"git@{self.hostname}:{self.owner}/{name}.git",
            "permissions": {"admin": True, "push": True, "pull": True},
        }

    def _handler(self) -> type[QuietHandler]:
        host = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self._route()

            def do_POST(self) -> None:
                self._route()

            def do_PATCH(self) -> None:
                self._route()

            def do_DELETE(self) -> None:
                self._route()

            def _route(self) -> None:
                request = f"{self.command} {urlsplit(self.path).path}"
                host.requests.append(request)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if host.failures.get(request, 0) > 0:
                    host.failures[request] -= 1
                    return self._json(500, {"message": "Server Error (injected by the test)"})
                if self.path.startswith("/api/v3/"):
                    self._api(body)
                else:
                    self._git(body)

            def _json(self, status: int, document: Any, headers: dict[str, str] | None = None) -> None:
                payload = b"" if document is None else json.dumps(document).encode()
                self.answer(status, payload, {"Content-Type": "application/json", **(headers or {})})

            def _api(self, body: bytes) -> None:
                authorization = self.headers.get("Authorization", "")
                if authorization.split(" ", 1)[-1] != host.token:
                    return self._json(401, {"message": "Bad credentials"})
                path = urlsplit(self.path).path.rstrip("/")
                request = json.loads(body or b"{}")
                if path == "/api/v3/user" and self.command == "GET":
                    user = {"login": host.owner, "id": 1, "type": "User"}
                    return self._json(200, user, {"X-OAuth-Scopes": host.scopes})
                if path == "/api/v3/user/repos" and self.command == "POST":
                    host.create_repository(request["name"])
                    return self._json(201, host._repository_json(request["name"]))
                match = _REPOSITORY.match(path)
                if match is None or match["owner"] != host.owner:
                    return self._json(404, {"message": "Not Found"})
                name, rest = match["name"], match["rest"] or ""
                if not host.repository(name).exists():
                    return self._json(404, {"message": "Not Found"})
                if rest == "" and self.command in ("GET", "PATCH"):
                    return self._json(200, host._repository_json(name))
                keys = host.keys.setdefault(name, [])
                if rest == "/keys" and self.command == "GET":
                    return self._json(200, [self._key_json(key) for key in keys])
                if rest == "/keys" and self.command == "POST":
                    key = DeployKey(len(keys) + 1, request["key"].strip(), request["title"], request["read_only"])
                    keys.append(key)
                    return self._json(201, self._key_json(key))
                if rest.startswith("/keys/") and self.command == "DELETE":
                    keys[:] = [key for key in keys if str(key.id) != rest.removeprefix("/keys/")]
                    return self._json(204, None)
                return self._json(404, {"message": "Not Found"})

            def _key_json(self, key: DeployKey) -> dict[str, Any]:
                return {"id": key.id, "key": key.key, "title": key.title, "read_only": key.read_only, "verified": True}

            def _git(self, body: bytes) -> None:
                url = urlsplit(self.path)
                match = _GIT_PATH.match(url.path)
                credentials = self.headers.get("Authorization", "").removeprefix("Basic ")
                password = base64.b64decode(credentials).decode().partition(":")[2] if credentials else ""
                if password != host.token:
                    return self.answer(401, b"", {"WWW-Authenticate": 'Basic realm="GitHub"'})
                if match is None or not host.repository(match["name"]).exists():
                    return self.answer(404, b"Repository not found")
                path = f"/{match['owner']}/{match['name']}.git/{match['rest']}"
                serve_git(self, str(host.repositories), path, url.query, body, user=host.owner)

        return Handler

    # -- git over SSH ------------------------------------------------------------------------------

    def _accept_ssh(self) -> None:
        while True:
            try:
                connection, _ = self._ssh.accept()
            except OSError:
                return  # stopped
            threading.Thread(target=self._serve_ssh, args=(connection,), daemon=True).start()

    def _serve_ssh(self, connection: socket.socket) -> None:
        transport = paramiko.Transport(connection)
        transport.add_server_key(self._ssh_host_key)
        server = _GitSshServer(self)
        try:
            transport.start_server(server=server)
        except (paramiko.SSHException, EOFError, OSError):
            return  # a host-key scan hangs up after the key exchange
        while transport.is_active():
            channel = transport.accept(timeout=1)
            if channel is not None:
                threading.Thread(target=server.run, args=(channel,), daemon=True).start()

    def deploy_key(self, blob: str, repository: str) -> DeployKey | None:
        return next((key for key in self.keys.get(repository, []) if key.blob == blob), None)

    def make_deploy_keys_read_only(self, repository: str) -> None:
        """As an operator who unticked "Allow write access" in the repository's settings."""
        for key in self.keys.get(repository, []):
            key.read_only = True


class _GitSshServer(paramiko.ServerInterface):
    """user git, public keys only; one exec per channel: git-upload-pack or git-receive-pack."""

    def __init__(self, host: GitHubEnterprise) -> None:
        self.host = host
        self.blob = ""
        self.commands: dict[int, list[str]] = {}

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        blob = key.get_base64()
        registered = any(k.blob == blob for keys in self.host.keys.values() for k in keys)
        if username == "git" and registered:
            self.blob = blob
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        words = shlex.split(command.decode())
        if len(words) != 2 or words[0] not in ("git-upload-pack", "git-receive-pack"):
            return False
        owner, _, name = words[1].strip("/").removesuffix(".git").partition("/")
        key = self.host.deploy_key(self.blob, name)
        if owner != self.host.owner or key is None or not self.host.repository(name).exists():
            return False
        if words[0] == "git-receive-pack" and key.read_only:
            self.commands[channel.get_id()] = []  # refused in run(), in GitHub's words
            return True
        self.commands[channel.get_id()] = [words[0].replace("git-", "git "), str(self.host.repository(name))]
        return True

    def run(self, channel: paramiko.Channel) -> None:
        deadline = 30
        for _ in range(deadline * 10):
            if channel.get_id() in self.commands or channel.closed:
                break
            threading.Event().wait(0.1)
        argv = self.commands.get(channel.get_id())
        if argv is None:
            channel.close()
            return
        if not argv:
            with contextlib.suppress(EOFError, OSError):
                channel.sendall_stderr(READ_ONLY_REFUSAL)
                channel.send_exit_status(1)
                channel.close()
            return
        program, repository = argv
        process = subprocess.Popen(
            [*program.split(), repository], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert process.stdin is not None and process.stdout is not None

        def feed() -> None:
            assert process.stdin is not None
            while True:
                data = channel.recv(65536)
                if not data:
                    break
                try:
                    process.stdin.write(data)
                    process.stdin.flush()
                except BrokenPipeError:
                    break
            process.stdin.close()

        threading.Thread(target=feed, daemon=True).start()
        started = time.strftime("%H:%M:%S")
        try:
            while chunk := process.stdout.read1(65536):
                channel.sendall(chunk)
            ending = f"exit {process.wait()}"
            channel.send_exit_status(process.returncode)
        except (EOFError, OSError):
            # The client hung up once it had what it needed (go-git does after a fetch).
            process.kill()
            ending = f"client hung up (exit {process.wait()})"
        with open(self.host.workdir / "ssh.log", "a") as log:  # read by failing tests
            log.write(f"{started}-{time.strftime('%H:%M:%S')} {program}: {ending}\n")
        with contextlib.suppress(EOFError, OSError):
            channel.close()
