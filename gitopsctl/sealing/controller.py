"""The Sealed Secrets controller's HTTP API: /v1/cert.pem, /v1/verify and /v1/rotate.

Two transports: through the API server's service proxy with kubectl (the default, as
kubeseal does it), or straight to a URL (a port-forward, or a controller outside the cluster).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gitopsctl.errors import OperationFailed, ToolFailed
from gitopsctl.kube import Kube
from gitopsctl.sealing.sealedsecret import API_VERSION, KIND
from gitopsctl.sealing.sources import HTTP_TIMEOUT, Controller, fetch_from_controller, proxy_failure, proxy_problem


class CannotDecrypt(Exception):
    """The controller answered that it cannot open the SealedSecret."""


@dataclass
class ProxiedController:
    kube: Kube
    controller: Controller
    warn: Callable[[str], None] | None = None

    @property
    def where(self) -> str:
        return f"controller {self.controller.namespace}/{self.controller.name}"

    def certificate(self) -> bytes:
        return fetch_from_controller(self.kube, self.controller, self.warn)

    def verify(self, sealed: dict[str, Any]) -> None:
        try:
            self._post("v1/verify", sealed)
        except ToolFailed as error:
            if "Conflict" in error.stderr or "(409)" in error.stderr:
                raise CannotDecrypt("no key could decrypt secret") from None
            raise

    def rotate(self, sealed: dict[str, Any]) -> dict[str, Any]:
        return _with_type(json.loads(self._post("v1/rotate", sealed)))

    def _post(self, endpoint: str, sealed: dict[str, Any]) -> str:
        path = self.controller.proxy_path(endpoint)
        try:
            return self.kube.kubectl(["create", "--raw", path, "-f", "-"], stdin=json.dumps(sealed))
        except OperationFailed as error:
            failure = proxy_failure(self.kube, error)
            if failure is None:
                raise
            # Decrypting needs the controller itself: no Secret can stand in, so say how to reach it.
            raise OperationFailed(
                proxy_problem(self.controller, failure),
                hint="allow the API server in (see the guide's NetworkPolicy section), or kubectl port-forward "
                f"-n {self.controller.namespace} svc/{self.controller.name} 8080 and pass "
                "--controller-url http://127.0.0.1:8080",
            ) from None


@dataclass
class DirectController:
    url: str

    @property
    def where(self) -> str:
        return self.url

    def certificate(self) -> bytes:
        return self._request("GET", "v1/cert.pem").content

    def verify(self, sealed: dict[str, Any]) -> None:
        response = self._request("POST", "v1/verify", sealed, ok=(200, 409))
        if response.status_code == 409:
            raise CannotDecrypt("no key could decrypt secret")

    def rotate(self, sealed: dict[str, Any]) -> dict[str, Any]:
        return _with_type(self._request("POST", "v1/rotate", sealed).json())

    def _request(self, method: str, endpoint: str, body: dict[str, Any] | None = None, ok: tuple[int, ...] = (200,)):
        import requests

        url = f"{self.url.rstrip('/')}/{endpoint}"
        try:
            response = requests.request(method, url, json=body, timeout=HTTP_TIMEOUT)
        except requests.RequestException as exc:
            raise OperationFailed(
                f"cannot reach the controller at {self.url} ({type(exc).__name__})",
                hint="check --controller-url (e.g. after kubectl port-forward)",
            ) from None
        if response.status_code not in ok:
            raise OperationFailed(
                f"the controller answered {response.status_code} to {endpoint}: {response.text.strip()[:200]}"
            )
        return response


def checked_rotation(original: dict[str, Any], rotated: dict[str, Any]) -> dict[str, Any]:
    """``rotated`` if it can be /v1/rotate's answer for ``original``: the same name and namespace,
    and encryptedData for the same keys. Anything else (a {} from a proxy or a broken controller)
    would replace a SealedSecret with a stub, so it is refused before any file is written."""
    metadata, answered = original.get("metadata") or {}, rotated.get("metadata") or {}
    where = f"{metadata.get('namespace', '')}/{metadata.get('name', '')}"

    def refuse(problem: str) -> OperationFailed:
        return OperationFailed(
            f"the controller's answer for {where} {problem}; nothing was written",
            hint="check that --controller-url (or the service proxy) reaches the Sealed Secrets controller",
        )

    encrypted = (rotated.get("spec") or {}).get("encryptedData")
    if not isinstance(encrypted, dict) or not encrypted:
        raise refuse("has no encryptedData")
    if (answered.get("name"), answered.get("namespace")) != (metadata.get("name"), metadata.get("namespace")):
        raise refuse(f"is for {answered.get('namespace', '')}/{answered.get('name', '')}")
    wanted = sorted((original.get("spec") or {}).get("encryptedData") or {})
    if sorted(encrypted) != wanted:
        raise refuse(f"has keys {', '.join(sorted(encrypted))}, not {', '.join(wanted)}")
    return rotated


def _with_type(document: dict[str, Any]) -> dict[str, Any]:
    # /v1/rotate answers without kind and apiVersion.
    return {"apiVersion": API_VERSION, "kind": KIND, **document}
