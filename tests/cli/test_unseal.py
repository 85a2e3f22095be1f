"""gitopsctl unseal: offline recovery with the controller's backed-up keys."""

from __future__ import annotations

import io
import json

from tests.conftest import TEST_CERT, TEST_KEY


def sealed_app(gitopsctl, value: str = "v4lue") -> str:
    result = gitopsctl(f"seal generic app -n default --from-literal token={value} --cert {TEST_CERT} --stdout")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_unseal_from_stdin_gives_the_secret(gitopsctl):
    result = gitopsctl(f"unseal - --private-key {TEST_KEY} -o json", input=sealed_app(gitopsctl))
    assert result.exit_code == 0, result.stderr
    secret = json.loads(result.stdout)
    assert (secret["kind"], secret["metadata"]["name"], secret["data"]["token"]) == ("Secret", "app", "djRsdWU=")


def test_a_key_that_opens_nothing_is_one_line(gitopsctl, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = tmp_path / "other.key"
    other.write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
    )
    result = gitopsctl(f"unseal - --private-key {other}", input=sealed_app(gitopsctl))
    assert result.exit_code != 0
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


def test_unseal_writes_through_the_terminal(gitopsctl, tmp_path):
    """Data goes out through the terminal like every command's, not around it to sys.stdout."""
    from click.testing import CliRunner

    from gitopsctl.cli.application import Application
    from gitopsctl.cli.terminal import Terminal
    from gitopsctl.cli.unseal import unseal

    sealed = tmp_path / "app.yaml"
    sealed.write_text(sealed_app(gitopsctl))
    stdout = io.StringIO()
    app = Application(terminal=Terminal(stdout=stdout), repo=None, cluster=None, context=None, kubeconfig=None)
    result = CliRunner().invoke(unseal, [str(sealed), "--private-key", str(TEST_KEY)], obj=app)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "kind: Secret" in stdout.getvalue()
