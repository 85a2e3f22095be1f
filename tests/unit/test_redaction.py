"""Redaction masks secrets without becoming an oracle for them."""

from __future__ import annotations

import pytest

from gitopsctl.redaction import MASK, Redactor


@pytest.mark.parametrize(
    ("secret", "line", "shown"),
    [
        # A short value inside a longer word is left alone: masking it would reveal it.
        ("prod", "flux/sealed-secrets/production/default-app.yaml", "flux/sealed-secrets/production/default-app.yaml"),
        ("prod", "password prod rejected", f"password {MASK} rejected"),
        ("prod", "https://robot:prod@harbor.lan/v2/", f"https://robot:{MASK}@harbor.lan/v2/"),
        ("prod", "--password=prod", f"--password={MASK}"),
        # A long value is masked wherever it appears, glued to a word or not.
        ("correct-horse-battery", "xcorrect-horse-batteryx", f"x{MASK}x"),
        # Its base64 travels too (Authorization headers, dockerconfigjson).
        ("hunter2-secret", "auth aHVudGVyMi1zZWNyZXQ=", f"auth {MASK}"),
    ],
)
def test_redact(secret, line, shown):
    redactor = Redactor()
    redactor.register(secret)
    assert redactor.redact(line) == shown
