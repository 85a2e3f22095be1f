"""A real HTTP server implementing the Sealed Secrets controller's API with a given key.

/v1/cert.pem, /v1/verify (200 or 409) and /v1/rotate (the object re-sealed with the newest
certificate, without kind and apiVersion), as pkg/controller/server.go serves them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from gitopsctl.errors import InputError
from gitopsctl.sealing.certificate import load_certificate
from gitopsctl.sealing.sealedsecret import seal, unseal
from gitopsctl.sealing.secret import secrets_from_manifests
from tests.harness.http import LoopbackServer, QuietHandler


@dataclass
class FakeSealedSecretsController:
    private_keys: list[rsa.RSAPrivateKey]
    cert_pem: bytes
    calls: list[str] = field(default_factory=list)
    # What a broken controller or a proxy in between might answer to /v1/rotate instead (the
    # real controller cannot be made to): None answers as the controller does.
    rotate_answer: dict[str, Any] | None = None

    def start(self) -> FakeSealedSecretsController:
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                fake.calls.append(f"GET {self.path}")
                if self.path == "/v1/cert.pem":
                    return self._answer(200, fake.cert_pem, "application/x-pem-file")
                if self.path == "/healthz":
                    return self._answer(200, b"ok", "text/plain")
                return self._answer(404, b"not found", "text/plain")

            def do_POST(self) -> None:
                fake.calls.append(f"POST {self.path}")
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                try:
                    secret = unseal(body, fake.private_keys, "request")
                except InputError:
                    status = 409 if self.path == "/v1/verify" else 500
                    return self._answer(status, b"Error decrypting secret", "text/plain")
                if self.path == "/v1/verify":
                    return self._answer(200, b"", "text/plain")
                if self.path == "/v1/rotate" and fake.rotate_answer is not None:
                    return self._answer(200, json.dumps(fake.rotate_answer).encode(), "application/json")
                if self.path == "/v1/rotate":
                    newest = load_certificate(fake.cert_pem, source="controller")
                    resealed: dict[str, Any] = seal(
                        secrets_from_manifests([secret], "request")[0], newest.public_key, _scope(body)
                    )
                    resealed.pop("kind")
                    resealed.pop("apiVersion")
                    return self._answer(200, json.dumps(resealed).encode(), "application/json")
                return self._answer(404, b"not found", "text/plain")

            def _answer(self, status: int, payload: bytes, content_type: str) -> None:
                self.answer(status, payload, {"Content-Type": content_type})

        self._server = LoopbackServer(Handler)
        self.url = self._server.url
        return self

    def stop(self) -> None:
        self._server.stop()


def _scope(sealed: dict[str, Any]):  # type: ignore[no-untyped-def]
    from gitopsctl.sealing.sealedsecret import scope_of

    return scope_of(sealed)
