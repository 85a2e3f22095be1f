"""The hybrid scheme of bitnami/sealed-secrets (pkg/crypto/crypto.go).

blob = uint16_be(len(rsa_ct)) || RSA-OAEP-SHA256(session_key, label) || AES-256-GCM(plaintext)
with a fresh 32-byte session key and an all-zero nonce, which is safe because every
session key encrypts exactly one value.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SESSION_KEY_BYTES = 32
_NONCE = b"\0" * 12


class DecryptionError(Exception):
    """No key could decrypt the value (wrong key, wrong scope or a corrupted value)."""


def _oaep(label: bytes) -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=label or None)


def hybrid_encrypt(public_key: rsa.RSAPublicKey, plaintext: bytes, label: bytes) -> bytes:
    session_key = os.urandom(SESSION_KEY_BYTES)
    wrapped = public_key.encrypt(session_key, _oaep(label))
    sealed = AESGCM(session_key).encrypt(_NONCE, plaintext, None)
    return struct.pack(">H", len(wrapped)) + wrapped + sealed


def hybrid_decrypt(private_keys: Iterable[rsa.RSAPrivateKey], blob: bytes, label: bytes) -> bytes:
    if len(blob) < 2:
        raise DecryptionError("no key could decrypt secret (value too short)")
    (wrapped_length,) = struct.unpack(">H", blob[:2])
    wrapped = blob[2 : 2 + wrapped_length]
    sealed = blob[2 + wrapped_length :]
    if len(wrapped) != wrapped_length:
        raise DecryptionError("no key could decrypt secret (value truncated)")
    for key in private_keys:
        if key.key_size // 8 != wrapped_length:
            continue
        try:
            session_key = key.decrypt(wrapped, _oaep(label))
            return AESGCM(session_key).decrypt(_NONCE, sealed, None)
        except (ValueError, InvalidTag):
            continue
    raise DecryptionError("no key could decrypt secret")
