"""gitopsctl and the real kubeseal (built from upstream source) open each other's output."""

from __future__ import annotations

import base64
import json
import subprocess

import pytest

from gitopsctl.yamlfiles import load_yaml_documents
from tests.conftest import TEST_CERT, TEST_KEY
from tests.harness.kubectl_secrets import kubectl_docker_registry_data

SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {
        "name": "app-config",
        "namespace": "default",
        "labels": {"app": "frontend"},
        "annotations": {"team": "web"},
    },
    "type": "Opaque",
    "data": {"password": base64.b64encode(b"p@ss&<word>").decode(), "empty": ""},
    "stringData": {"note": "ünïcode"},
}

pytestmark = pytest.mark.needs_tools("kubeseal")


def kubeseal(*args: str, stdin: str) -> str:
    result = subprocess.run(["kubeseal", *args], input=stdin, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def without_ciphertexts(sealed: dict) -> dict:
    copy = json.loads(json.dumps(sealed))
    copy["spec"]["encryptedData"] = sorted(copy["spec"]["encryptedData"])
    return copy


@pytest.mark.parametrize("scope", ["strict", "namespace-wide", "cluster-wide"])
def test_gitopsctl_output_opens_with_kubeseal(run_cli, tmp_path, scope):
    source = tmp_path / "secret.json"
    source.write_text(json.dumps(SECRET))
    ours = run_cli("seal", "file", str(source), "--cert", str(TEST_CERT), "--scope", scope, "--stdout")
    assert ours.exit_code == 0, ours.stderr
    opened = kubeseal("--recovery-unseal", "--recovery-private-key", str(TEST_KEY), "-o", "json", stdin=ours.stdout)
    secret = json.loads(opened)
    assert base64.b64decode(secret["data"]["password"]) == b"p@ss&<word>"
    assert base64.b64decode(secret["data"]["note"]).decode() == "ünïcode"
    assert secret["data"].get("empty") in ("", None)  # kubeseal prints an empty value as null
    assert secret["metadata"]["labels"] == {"app": "frontend"}


@pytest.mark.parametrize("scope", ["strict", "namespace-wide", "cluster-wide"])
def test_kubeseal_output_opens_with_gitopsctl_and_agrees_on_all_but_ciphertexts(run_cli, tmp_path, scope):
    theirs_yaml = kubeseal("--cert", str(TEST_CERT), "--scope", scope, "-o", "yaml", stdin=json.dumps(SECRET))
    path = tmp_path / "theirs.yaml"
    path.write_text(theirs_yaml)
    opened = run_cli("unseal", str(path), "--private-key", str(TEST_KEY), "-o", "json")
    assert opened.exit_code == 0, opened.stderr
    secret = json.loads(opened.stdout)
    assert base64.b64decode(secret["data"]["password"]) == b"p@ss&<word>"

    source = tmp_path / "secret.json"
    source.write_text(json.dumps(SECRET))
    ours = run_cli("seal", "file", str(source), "--cert", str(TEST_CERT), "--scope", scope, "--stdout")
    (ours_doc,) = load_yaml_documents(ours.stdout, "ours")
    (theirs_doc,) = load_yaml_documents(theirs_yaml, "theirs")
    assert without_ciphertexts(ours_doc) == without_ciphertexts(theirs_doc)
    assert ours.stdout.startswith("---\n") and theirs_yaml.startswith("---\n")


def test_docker_registry_secret_matches_kubectl(run_cli, tmp_path):
    password = "s3cr&t<with>$pecial"
    reference = kubectl_docker_registry_data("robot$homelab+ci", password)
    kubectl_config = base64.b64decode(reference[".dockerconfigjson"])
    sealed = run_cli(
        "seal",
        "harbor-creds",
        "--no-check",
        "--username",
        "robot$homelab+ci",
        "--password-stdin",
        "-n",
        "default",
        "--cert",
        str(TEST_CERT),
        "--stdout",
        input=password,
    )
    assert sealed.exit_code == 0, sealed.stderr
    path = tmp_path / "sealed.yaml"
    path.write_text(sealed.stdout)
    opened = json.loads(run_cli("unseal", str(path), "--private-key", str(TEST_KEY), "-o", "json").stdout)
    ours = base64.b64decode(opened["data"][".dockerconfigjson"])
    assert json.loads(ours) == json.loads(kubectl_config)
    assert ours == kubectl_config  # byte for byte, Go's HTML escaping included
    assert opened["type"] == "kubernetes.io/dockerconfigjson"


def test_generic_secret_matches_kubectl(run_cli, tmp_path):
    (tmp_path / "ca.crt").write_bytes(b"-----BEGIN CERTIFICATE-----\nabc\n")
    (tmp_path / "app.env").write_text("# comment\nLOG_LEVEL=debug\nURL=http://x/?a=b\n")
    kubectl_sets = [
        [
            "app",
            "--from-literal=user=admin",
            f"--from-file={tmp_path / 'ca.crt'}",
            f"--from-file=tls={tmp_path / 'ca.crt'}",
        ],
        ["app", f"--from-env-file={tmp_path / 'app.env'}"],  # kubectl takes an env file alone
    ]
    for args in kubectl_sets:
        assert_same_data_as_kubectl(run_cli, tmp_path, args)


def assert_same_data_as_kubectl(run_cli, tmp_path, args):
    expected = subprocess.run(
        ["kubectl", "create", "secret", "generic", *args, "-n", "default", "--dry-run=client", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    sealed = run_cli("seal", "generic", *args, "-n", "default", "--cert", str(TEST_CERT), "--stdout")
    assert sealed.exit_code == 0, sealed.stderr
    path = tmp_path / "sealed.yaml"
    path.write_text(sealed.stdout)
    opened = json.loads(run_cli("unseal", str(path), "--private-key", str(TEST_KEY), "-o", "json").stdout)
    assert opened["data"] == json.loads(expected.stdout)["data"]
