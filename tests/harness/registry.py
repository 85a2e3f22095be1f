"""Registries for the tests, on loopback over plain HTTP like the home lab's Harbor.

``Registry`` is the real thing: distribution (tools/registry) with htpasswd basic auth.
``HarborTokenRegistry`` stands in for Harbor's token flow, which a registry process here cannot
show: ``/v2/`` challenges with ``Bearer realm=…/service/token,service="harbor-registry"``, the
token service takes basic auth and hands out a token, and ``/v2/`` accepts that token.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import secrets
import shutil
import subprocess
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

from tests.harness.controlplane import free_port
from tests.harness.http import LoopbackServer, QuietHandler

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


@dataclass
class Registry:
    program: Path
    workdir: Path
    users: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> Registry:
        import bcrypt
        import requests

        self.workdir.mkdir(parents=True, exist_ok=True)
        htpasswd = self.workdir / "htpasswd"
        htpasswd.write_text(
            "".join(
                f"{user}:{bcrypt.hashpw(pw.encode(), bcrypt.gensalt(4)).decode()}\n" for user, pw in self.users.items()
            )
        )
        config = self.workdir / "config.yml"
        config.write_text(
            "version: 0.1\nlog:\n  level: error\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.workdir / 'data'}\n"
            f"http:\n  addr: {self.host}\n"
            f"auth:\n  htpasswd:\n    realm: homelab\n    path: {htpasswd}\n"
        )
        log = open(self.workdir / "registry.log", "wb")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen([str(self.program), str(config)], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"registry exited: {(self.workdir / 'registry.log').read_text()[-2000:]}")
            try:
                if requests.get(f"http://{self.host}/v2/", timeout=1).status_code == 401:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError("the registry did not answer within 30s")

    def push_image(self, repository: str, tag: str) -> str:
        """Push a small image (one layer holding its tag) under ``tag``, through the registry API
        as a CI job's docker push does, as the first user; its manifest digest."""
        import requests

        user, password = next(iter(self.users.items()))
        session = requests.Session()
        session.auth = (user, password)
        base = f"http://{self.host}/v2/{repository}"
        layer_tar = io.BytesIO()
        with tarfile.open(fileobj=layer_tar, mode="w") as archive:
            content = f"{repository}:{tag}\n".encode()
            entry = tarfile.TarInfo("version")
            entry.size = len(content)
            archive.addfile(entry, io.BytesIO(content))
        layer = gzip.compress(layer_tar.getvalue(), mtime=0)
        config = json.dumps(
            {
                "architecture": "arm64",
                "os": "linux",
                "config": {},
                "rootfs": {"type": "layers", "diff_ids": [_digest(layer_tar.getvalue())]},
            }
        ).encode()
        for blob in (layer, config):
            started = session.post(f"{base}/blobs/uploads/", timeout=10)
            started.raise_for_status()
            location = urljoin(f"http://{self.host}", started.headers["Location"])
            separator = "&" if "?" in location else "?"
            session.put(
                f"{location}{separator}digest={_digest(blob)}",
                data=blob,
                headers={"Content-Type": "application/octet-stream"},
                timeout=10,
            ).raise_for_status()
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": _digest(config),
                    "size": len(config),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": _digest(layer),
                        "size": len(layer),
                    }
                ],
            }
        ).encode()
        session.put(
            f"{base}/manifests/{tag}", data=manifest, headers={"Content-Type": OCI_MANIFEST}, timeout=10
        ).raise_for_status()
        return _digest(manifest)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)


def _digest(blob: bytes) -> str:
    return "sha256:" + hashlib.sha256(blob).hexdigest()


class HarborTokenRegistry:
    """Harbor's /v2/ token challenge and token service, with the users given."""

    SERVICE = "harbor-registry"

    def __init__(self, users: dict[str, str]) -> None:
        self.users = users
        self.tokens: set[str] = set()
        self.token_requests: list[dict[str, list[str]]] = []
        registry = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path == "/api/v2.0/ping":
                    self.answer(200, b"Pong")
                elif url.path == "/service/token":
                    registry.token_requests.append(parse_qs(url.query))
                    user = registry.basic_user(self.headers.get("Authorization", ""))
                    if user is None:
                        self.answer(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"unauthorized"}]}')
                        return
                    token = secrets.token_hex(16)
                    registry.tokens.add(token)
                    self.answer(200, json.dumps({"token": token, "expires_in": 1800}).encode())
                elif url.path == "/v2/":
                    authorization = self.headers.get("Authorization", "")
                    if authorization.removeprefix("Bearer ") in registry.tokens:
                        self.answer(200, b"{}")
                        return
                    challenge = f'Bearer realm="{registry.url}/service/token",service="{registry.SERVICE}"'
                    self.answer(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {"WWW-Authenticate": challenge})
                else:
                    self.answer(404, b"")

        self._server = LoopbackServer(Handler)
        self.url = self._server.url
        self.host = self.url.removeprefix("http://")

    def basic_user(self, authorization: str) -> str | None:
        if not authorization.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(authorization.removeprefix("Basic ")).decode().partition(":")
        return user if self.users.get(user) == password else None

    def stop(self) -> None:
        self._server.stop()
