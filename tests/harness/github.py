"""A real HTTP server on loopback standing in for the GitHub REST API."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Token:
    scopes: str | None = "repo, workflow"  # None: a fine-grained token (no X-OAuth-Scopes header)
    visible_repos: set[str] = field(default_factory=set)
    admin: bool = True


@dataclass
class FakeGitHub:
    tokens: dict[str, Token] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                fake.requests.append(
                    {
                        "method": "GET",
                        "path": self.path,
                        "authorization": self.headers.get("Authorization", ""),
                    }
                )
                token = fake.tokens.get(self.headers.get("Authorization", "").removeprefix("Bearer "))
                if token is None:
                    return self._answer(401, {"message": "Bad credentials"})
                if self.path == "/user":
                    headers = {"X-OAuth-Scopes": token.scopes} if token.scopes is not None else {}
                    return self._answer(200, {"login": "homelab-operator"}, headers)
                if self.path.startswith("/repos/"):
                    name = self.path.removeprefix("/repos/")
                    if name in token.visible_repos:
                        return self._answer(200, {"full_name": name, "permissions": {"admin": token.admin}})
                    return self._answer(404, {"message": "Not Found"})
                return self._answer(404, {"message": "Not Found"})

            def _answer(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
