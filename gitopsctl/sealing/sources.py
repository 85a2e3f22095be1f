"""Where the sealing certificate comes from: --cert, the repository, or the controller.

The controller is reached the way kubeseal reaches it, through the API server's service
proxy, so no port-forward and no direct network path to the pod are needed.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from gitopsctl.errors import GitopsctlError, InputError, OperationFailed, ToolFailed
from gitopsctl.sealing.certificate import SealingCertificate, load_certificate

if TYPE_CHECKING:
    from pathlib import Path

    # Sealing with --cert never talks to a cluster: kube (and the runner under it) load only
    # when a controller is asked.
    from gitopsctl.kube import Kube
    from gitopsctl.progress import Progress

CERT_FILENAME = "sealed-secrets-cert.pem"
HTTP_TIMEOUT = 15.0
SEALING_KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key"
# What kubectl prints when the API server's service proxy answers 503.
_PROXY_UNAVAILABLE = ("serviceunavailable", "(503)", "unable to handle the request", "no endpoints available")


class ControllerAPI(Protocol):
    """The Sealed Secrets controller's HTTP API, however it is reached (sealing.controller has
    the two transports: the API server's service proxy, or a URL)."""

    where: str

    def certificate(self) -> bytes: ...

    def verify(self, sealed: dict[str, Any]) -> None: ...

    def rotate(self, sealed: dict[str, Any]) -> dict[str, Any]: ...


class Controller(NamedTuple):
    name: str
    namespace: str

    def proxy_path(self, endpoint: str) -> str:
        return f"/api/v1/namespaces/{self.namespace}/services/http:{self.name}:http/proxy/{endpoint.lstrip('/')}"


class CertificateMismatch(InputError):
    pass


def read_cert_option(value: str) -> tuple[bytes, str]:
    """--cert PATH or URL (http, https, file://), as kubeseal accepts it."""
    if value.startswith(("http://", "https://")):
        import requests

        try:
            response = requests.get(value, timeout=HTTP_TIMEOUT)
        except requests.RequestException as exc:
            raise InputError(f"--cert {value}: cannot fetch ({type(exc).__name__})", hint="check the URL") from None
        if response.status_code != 200:
            raise InputError(f"--cert {value}: the server answered {response.status_code}")
        return response.content, value
    path = value.removeprefix("file://")
    try:
        with open(path, "rb") as stream:
            return stream.read(), path
    except FileNotFoundError:
        raise InputError(f"--cert {path}: no such file", hint="pass the controller's PEM certificate") from None
    except IsADirectoryError:
        raise InputError(f"--cert {path}: is a directory, not a certificate file") from None


def fetch_from_controller(kube: Kube, controller: Controller, warn: Callable[[str], None] | None = None) -> bytes:
    """The controller's certificate through the API server's service proxy, as kubeseal asks.

    When the proxy cannot reach the controller (Flux's NetworkPolicies admit pods, not the node
    the proxy connects from), the public certificate is read from the controller's active key
    Secret instead, and ``warn`` is told why.
    """
    try:
        return kube.get_raw(controller.proxy_path("v1/cert.pem")).encode()
    except OperationFailed as error:
        failure = proxy_failure(kube, error)
        if failure is None:
            raise OperationFailed(
                f"cannot fetch the certificate from {controller.namespace}/{controller.name}: {error}",
                hint="check sealed_secrets.controller_name and controller_namespace in gitopsctl.toml "
                "(the Helm chart names the Service after fullnameOverride)",
            ) from None
    pem = certificate_from_key_secret(kube, controller)
    if warn is not None:
        warn(
            f"{proxy_problem(controller, failure)}; read the certificate from the controller's active key Secret "
            "instead (allow the API server in, see the guide's NetworkPolicy section)"
        )
    return pem


def proxy_failure(kube: Kube, error: GitopsctlError) -> str | None:
    """How the service proxy failed ("answered 503", "timed out"), or None when it is not the proxy.

    A timeout of the proxied call looks like an unreachable cluster to kubectl: the API server
    is asked once more, directly, to tell the two apart.
    """
    from gitopsctl.kube import ClusterUnreachable  # noqa: PLC0415 - kept off the sealing path's start-up

    if isinstance(error, ClusterUnreachable):
        try:
            kube.server_version()
        except GitopsctlError:
            return None  # the cluster itself is unreachable
        return "timed out"
    if isinstance(error, ToolFailed) and any(marker in error.stderr.lower() for marker in _PROXY_UNAVAILABLE):
        return "answered 503"
    return None


def proxy_problem(controller: Controller, failure: str) -> str:
    return (
        f"the API server's service proxy to {controller.namespace}/{controller.name} {failure}: "
        "a NetworkPolicy (Flux's defaults in flux-system) keeps the API server out, or the controller "
        "has no ready pod"
    )


class ControllerNotStarted(OperationFailed):
    """Neither the controller nor its key Secret answers yet: it may still be making its first key."""


def certificate_from_key_secret(kube: Kube, controller: Controller) -> bytes:
    """The public certificate of the controller's newest active key, read from its TLS Secret.

    Only tls.crt is selected (a jsonpath), so the private key is never printed or kept.
    """
    template = '{range .items[*]}{.data.tls\\.crt}{" "}{end}'
    try:
        output = kube.kubectl(
            [
                "get",
                "secrets",
                "-n",
                controller.namespace,
                "-l",
                f"{SEALING_KEY_LABEL}=active",
                "-o",
                f"jsonpath={template}",
            ]
        )
    except ToolFailed as error:
        raise OperationFailed(
            f"cannot read the controller's key Secrets in {controller.namespace}: {error.message}",
            hint="reach the controller directly: kubectl port-forward -n "
            f"{controller.namespace} svc/{controller.name} 8080, then --controller-url http://127.0.0.1:8080",
        ) from None
    certificates = []
    for line in output.split():
        try:
            certificates.append(load_certificate(base64.b64decode(line), source="the active key Secret"))
        except (binascii.Error, InputError):
            continue
    if not certificates:
        raise ControllerNotStarted(
            f"no active sealing key Secret ({SEALING_KEY_LABEL}=active) in {controller.namespace}",
            hint="is the Sealed Secrets controller installed there and has it started once?",
        )
    return max(certificates, key=lambda c: c.not_before).pem


def trusted_certificate(
    pem: bytes, source: str, *, pinned: str | None, cluster: str, progress: Progress
) -> SealingCertificate:
    """The one trust decision about a sealing certificate, wherever it came from.

    It must parse as an RSA certificate that has not expired (load_certificate), match the
    fingerprint gitopsctl.toml pins for ``cluster`` (``pinned`` None: nothing to hold it to, or
    a deliberate re-pin), and a certificate close to expiry is said.
    """
    certificate = load_certificate(pem, source=source)
    if pinned and pinned != certificate.fingerprint:
        raise CertificateMismatch(
            f"the certificate from {source} has fingerprint {certificate.fingerprint}, "
            f"but gitopsctl.toml pins {pinned} for cluster '{cluster}'",
            hint="if the controller's key was renewed or restored on purpose, re-pin with "
            "'gitopsctl seal fetch-cert --force'",
        )
    if certificate.expires_soon():
        progress.warning(
            f"the sealing certificate expires on {certificate.not_after:%Y-%m-%d}; "
            "renew the controller's key and run gitopsctl seal fetch-cert"
        )
    if certificate.public_key.key_size < 2048:
        bits = certificate.public_key.key_size
        progress.warning(
            f"the sealing certificate's key is RSA-{bits}: anything under 2048 bits is weak; "
            "the controller generates 4096-bit keys, so check where this certificate came from"
        )
    if certificate.not_before > datetime.now(UTC):
        progress.warning(
            f"the sealing certificate is not valid before {certificate.not_before:%Y-%m-%d %H:%M} UTC; "
            "check this machine's clock and where the certificate came from"
        )
    return certificate


def sealing_certificate(
    *,
    cert_option: str | None,
    repo_cert: Path | None,
    controller: ControllerAPI | None,
    pinned: str | None,
    cluster: str,
    progress: Progress,
) -> SealingCertificate:
    """The certificate to seal with: --cert, else the repository's copy, else the controller's."""
    if cert_option:
        pem, source = read_cert_option(cert_option)
        if cert_option.startswith("http://") and not pinned:
            progress.warning(
                f"--cert {cert_option} came over plain HTTP and no pin checks it: anyone on the way could have "
                "swapped it and could read what is sealed with it; use https://, a file, or seal fetch-cert "
                "(which pins)"
            )
    elif repo_cert is not None and repo_cert.is_file():
        pem, source = repo_cert.read_bytes(), str(repo_cert)
    elif controller is not None:
        pem, source = controller.certificate(), controller.where
    else:
        raise InputError("no sealing certificate", hint="pass --cert or run gitopsctl seal fetch-cert")
    return trusted_certificate(pem, source, pinned=pinned, cluster=cluster, progress=progress)
