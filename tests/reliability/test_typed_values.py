"""A Secret's values are strings (stringData) or base64 strings (data), as kubectl reads them.

An unquoted `pin: 0123` reads as the number 123, `true` as a boolean, an empty value as null:
sealing their str() silently changed the secret. They are refused, without echoing the value.
"""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import TEST_CERT, TEST_KEY

MANIFEST = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\n  namespace: default\n{field}:\n  pin: {value}\n"


@pytest.mark.parametrize(
    ("field", "value", "word"),
    [
        ("stringData", "0123", "a number"),
        ("stringData", "1e3", "a number"),
        ("stringData", "true", "a boolean"),
        ("stringData", "", "empty (null)"),
        ("stringData", "[a, b]", "a list"),
        ("data", "12345678", "a number"),
        ("data", "{a: b}", "a mapping"),
    ],
)
def test_a_value_that_is_not_a_string_is_refused(gitopsctl, field, value, word):
    result = gitopsctl(f"seal file - --cert {TEST_CERT} --stdout", input=MANIFEST.format(field=field, value=value))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f'✗ stdin: {field}.pin of Secret app is {word}, not a string: quote it (pin: "..."), '
        "as kubectl and kubeseal require"
    ]
    assert result.stdout == ""


def test_a_quoted_value_is_sealed_as_written(gitopsctl):
    sealed = gitopsctl(
        f"seal file - --cert {TEST_CERT} --stdout", input=MANIFEST.format(field="stringData", value='"0123"')
    )
    assert sealed.exit_code == 0, sealed.stderr
    opened = gitopsctl(f"unseal - --private-key {TEST_KEY} -o json", input=sealed.stdout)
    assert base64.b64decode(json.loads(opened.stdout)["data"]["pin"]) == b"0123"
