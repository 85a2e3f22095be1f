"""A smart-HTTP git server on loopback: `git http-backend` behind a small CGI bridge.

Flux's source-controller (go-git) speaks only smart HTTP and refuses file:// URLs, so the
end-to-end repository is served this way; pushes are accepted too.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tests.harness.http import LoopbackServer, QuietHandler


def serve_git(handler: QuietHandler, root: str, path: str, query: str, body: bytes, *, user: str) -> None:
    """Answer one smart-HTTP request for a repository under ``root`` through `git http-backend`
    (pushes accepted), as a web server's CGI bridge would."""
    environment = {
        "PATH": os.environ["PATH"],
        "GIT_PROJECT_ROOT": root,
        "GIT_HTTP_EXPORT_ALL": "1",
        "REQUEST_METHOD": handler.command,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": handler.headers.get("Content-Type", ""),
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_USER": user,
        "REMOTE_ADDR": "127.0.0.1",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "http.receivepack",
        "GIT_CONFIG_VALUE_0": "true",
    }
    if handler.headers.get("Content-Encoding"):
        environment["HTTP_CONTENT_ENCODING"] = handler.headers["Content-Encoding"]
    if handler.headers.get("Git-Protocol"):
        environment["GIT_PROTOCOL"] = handler.headers["Git-Protocol"]
    result = subprocess.run(["git", "http-backend"], input=body, capture_output=True, env=environment, timeout=120)
    head, _, payload = result.stdout.partition(b"\r\n\r\n")
    status, headers = 200, {}
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.strip().split()[0])
        elif name:
            headers[name] = value.strip()
    handler.answer(status, payload, headers)


@dataclass
class GitHttpServer:
    project_root: Path

    def start(self) -> GitHttpServer:
        root = str(self.project_root)

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self._cgi()

            def do_POST(self) -> None:
                self._cgi()

            def _cgi(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                serve_git(self, root, url.path, url.query, body, user="gitopsctl")

        self._server = LoopbackServer(Handler)
        self.url = self._server.url
        return self

    def stop(self) -> None:
        self._server.stop()
