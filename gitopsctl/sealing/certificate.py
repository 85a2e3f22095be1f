"""The controller's sealing certificate: loaded, checked and fingerprinted."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from gitopsctl.errors import InputError

EXPIRY_WARNING = dt.timedelta(days=30)


class CertificateError(InputError):
    pass


class SealingCertificate(NamedTuple):
    certificate: x509.Certificate
    public_key: rsa.RSAPublicKey
    pem: bytes

    @property
    def fingerprint(self) -> str:
        """sha256:<hex> of the DER certificate, the form pinned in gitopsctl.toml."""
        # serialization costs ~2 ms at start, and only the fingerprint needs it
        from cryptography.hazmat.primitives.serialization import Encoding  # noqa: PLC0415

        return "sha256:" + hashlib.sha256(self.certificate.public_bytes(Encoding.DER)).hexdigest()

    @property
    def not_after(self) -> dt.datetime:
        return self.certificate.not_valid_after_utc

    @property
    def not_before(self) -> dt.datetime:
        return self.certificate.not_valid_before_utc

    def expires_soon(self, now: dt.datetime | None = None) -> bool:
        now = now or dt.datetime.now(dt.UTC)
        return self.not_after - now < EXPIRY_WARNING


def load_certificate(pem: bytes, *, source: str, now: dt.datetime | None = None) -> SealingCertificate:
    """Parse the first CERTIFICATE block; refuse non-RSA keys and expired certificates."""
    start = pem.find(b"-----BEGIN CERTIFICATE-----")
    if start < 0:
        hint = (
            "this is a bare public key; use the controller's certificate (gitopsctl seal fetch-cert)"
            if b"PUBLIC KEY-----" in pem
            else "pass the PEM certificate the controller serves at /v1/cert.pem (gitopsctl seal fetch-cert)"
        )
        raise CertificateError(f"{source}: no PEM certificate found", hint=hint)
    try:
        certificate = x509.load_pem_x509_certificate(pem[start:])
    except ValueError:
        raise CertificateError(
            f"{source}: the certificate is malformed", hint="fetch it again with gitopsctl seal fetch-cert"
        ) from None
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise CertificateError(
            f"{source}: the certificate's key is {type(public_key).__name__.lstrip('_')}, not RSA",
            hint="Sealed Secrets controllers use RSA keys; check that this is the controller's certificate",
        )
    now = now or dt.datetime.now(dt.UTC)
    if certificate.not_valid_after_utc <= now:
        raise CertificateError(
            f"{source}: the certificate expired on {certificate.not_valid_after_utc:%Y-%m-%d}",
            hint="fetch the controller's current certificate with gitopsctl seal fetch-cert",
        )
    block_end = pem.find(b"-----END CERTIFICATE-----", start)
    first_block = pem[start : block_end + len(b"-----END CERTIFICATE-----")] + b"\n"
    return SealingCertificate(certificate, public_key, first_block)
