"""Certificates for a local API server: a CA, a serving certificate and an admin client."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def make_pki(directory: Path, *, extra_ips: tuple[str, ...] = ()) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    later = now + dt.timedelta(days=2)

    ca_key = _key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gitopsctl-test-ca")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(later)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )

    def issue(subject: x509.Name, usage: x509.ObjectIdentifier, sans: list[x509.GeneralName] | None):
        key = _key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(later)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return key, builder.sign(ca_key, hashes.SHA256())

    ips = ["127.0.0.1", "10.0.0.1", *extra_ips]
    serving_key, serving = issue(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]),
        ExtendedKeyUsageOID.SERVER_AUTH,
        [
            x509.DNSName("localhost"),
            x509.DNSName("kubernetes.default.svc"),
            *(x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips),
        ],
    )
    admin_key, admin = issue(
        x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, "admin"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:masters"),
            ]
        ),
        ExtendedKeyUsageOID.CLIENT_AUTH,
        None,
    )
    service_account_key = _key()

    paths = {
        name: directory / name
        for name in (
            "ca.crt",
            "ca.key",
            "serving.crt",
            "serving.key",
            "admin.crt",
            "admin.key",
            "sa.key",
            "sa.pub",
        )
    }
    _write_cert(paths["ca.crt"], ca)
    _write_key(paths["ca.key"], ca_key)
    _write_cert(paths["serving.crt"], serving)
    _write_key(paths["serving.key"], serving_key)
    _write_cert(paths["admin.crt"], admin)
    _write_key(paths["admin.key"], admin_key)
    _write_key(paths["sa.key"], service_account_key)
    paths["sa.pub"].write_bytes(
        service_account_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return paths


def self_signed_certificate(
    path: Path, *, key: object = None, bits: int = 2048, days: int = 3650, start_days_ago: int = 1
) -> Path:
    """A certificate like a sealing controller's (self-signed), with the validity and key asked for."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())  # type: ignore[attr-defined]
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=start_days_ago))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())  # type: ignore[arg-type]
    )
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path
