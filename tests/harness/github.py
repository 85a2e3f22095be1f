"""A real HTTP server on loopback standing in for the GitHub REST API."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.harness.http import LoopbackServer, QuietHandler


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

        class Handler(QuietHandler):
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
                self.answer(status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})})

        self._server = LoopbackServer(Handler)
        self.url = self._server.url
        return self

    def stop(self) -> None:
        self._server.stop()
