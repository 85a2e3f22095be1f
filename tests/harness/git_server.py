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
                env = {
                    "PATH": os.environ["PATH"],
                    "GIT_PROJECT_ROOT": root,
                    "GIT_HTTP_EXPORT_ALL": "1",
                    "REQUEST_METHOD": self.command,
                    "PATH_INFO": url.path,
                    "QUERY_STRING": url.query,
                    "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                    "CONTENT_LENGTH": str(len(body)),
                    "REMOTE_USER": "gitopsctl",
                    "REMOTE_ADDR": "127.0.0.1",
                    "GIT_CONFIG_COUNT": "1",
                    "GIT_CONFIG_KEY_0": "http.receivepack",
                    "GIT_CONFIG_VALUE_0": "true",
                }
                if self.headers.get("Content-Encoding"):
                    env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
                if self.headers.get("Git-Protocol"):
                    env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
                result = subprocess.run(["git", "http-backend"], input=body, capture_output=True, env=env, timeout=120)
                head, _, payload = result.stdout.partition(b"\r\n\r\n")
                status = 200
                headers = {}
                for line in head.decode("latin-1").split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.lower() == "status":
                        status = int(value.strip().split()[0])
                    elif name:
                        headers[name] = value.strip()
                self.answer(status, payload, headers)

        self._server = LoopbackServer(Handler)
        self.url = self._server.url
        return self

    def stop(self) -> None:
        self._server.stop()
