"""Where the sealing certificate comes from: --cert, the repository, or the controller.

The controller is reached the way kubeseal reaches it, through the API server's service
proxy, so no port-forward and no direct network path to the pod are needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gitopsctl.errors import InputError, OperationFailed
from gitopsctl.kube import Kube
from gitopsctl.sealing.certificate import SealingCertificate, load_certificate

CERT_FILENAME = "sealed-secrets-cert.pem"
HTTP_TIMEOUT = 15.0


@dataclass(frozen=True)
class Controller:
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
        return Path(path).read_bytes(), path
    except FileNotFoundError:
        raise InputError(f"--cert {path}: no such file", hint="pass the controller's PEM certificate") from None
    except IsADirectoryError:
        raise InputError(f"--cert {path}: is a directory, not a certificate file") from None


def fetch_from_controller(kube: Kube, controller: Controller) -> bytes:
    try:
        pem = kube.get_raw(controller.proxy_path("v1/cert.pem"))
    except OperationFailed as error:
        raise OperationFailed(
            f"cannot fetch the certificate from {controller.namespace}/{controller.name}: {error}",
            hint="check sealed_secrets.controller_name and controller_namespace in gitopsctl.toml "
            "(the Helm chart names the Service after fullnameOverride)",
        ) from None
    return pem.encode()


def check_pin(certificate: SealingCertificate, pinned: str | None, source: str, cluster: str) -> None:
    if pinned and pinned != certificate.fingerprint:
        raise CertificateMismatch(
            f"the certificate from {source} has fingerprint {certificate.fingerprint}, "
            f"but gitopsctl.toml pins {pinned} for cluster '{cluster}'",
            hint="if the controller's key was renewed or restored on purpose, re-pin with "
            "'gitopsctl seal fetch-cert --force'",
        )


def resolve_certificate(
    *,
    cert_option: str | None,
    repo_cert: Path,
    kube: Kube | None,
    controller: Controller,
    pinned: str | None,
    cluster: str,
) -> tuple[SealingCertificate, str]:
    """The certificate to seal with and where it came from, checked against the pin."""
    if cert_option:
        pem, source = read_cert_option(cert_option)
    elif repo_cert.is_file():
        pem, source = repo_cert.read_bytes(), str(repo_cert)
    elif kube is not None:
        pem, source = (
            fetch_from_controller(kube, controller),
            f"controller {controller.namespace}/{controller.name}",
        )
    else:
        raise InputError("no sealing certificate", hint="pass --cert or run gitopsctl seal fetch-cert")
    certificate = load_certificate(pem, source=source)
    check_pin(certificate, pinned, source, cluster)
    return certificate, source
