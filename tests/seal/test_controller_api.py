"""fetch-cert, seal verify and reencrypt against a real HTTP server speaking the controller API."""

from __future__ import annotations

import json

from gitopsctl.config import load_config
from gitopsctl.yamlfiles import load_yaml_documents
from tests.conftest import TEST_CERT
from tests.seal.test_seal_commands import STORE, make_cert, unseal_file


def test_fetch_cert_writes_and_pins_then_is_idempotent(run_cli, sealing_repo, controller):
    (sealing_repo / STORE / "sealed-secrets-cert.pem").unlink()
    result = run_cli("--repo", str(sealing_repo), "seal", "fetch-cert", "--controller-url", controller.url)
    assert result.exit_code == 0, result.stderr
    assert (sealing_repo / STORE / "sealed-secrets-cert.pem").read_bytes() == TEST_CERT.read_bytes()
    pins = load_config(sealing_repo).sealed_secrets.cert_fingerprints
    assert pins["production"].startswith("sha256:")
    assert "# GITHUB_USER overrides the owner." in (sealing_repo / "gitopsctl.toml").read_text()
    again = run_cli("--repo", str(sealing_repo), "seal", "fetch-cert", "--controller-url", controller.url)
    assert again.exit_code == 0
    assert "certificate unchanged" in again.stderr


def test_fetch_cert_refuses_a_changed_certificate_unless_forced(run_cli, sealing_repo, controller, tmp_path):
    assert run_cli("--repo", str(sealing_repo), "seal", "fetch-cert", "--controller-url", controller.url).exit_code == 0
    controller.cert_pem = make_cert(tmp_path).read_bytes()
    refused = run_cli("--repo", str(sealing_repo), "seal", "fetch-cert", "--controller-url", controller.url)
    assert refused.exit_code == 2
    assert "but gitopsctl.toml pins" in refused.stderr
    forced = run_cli("--repo", str(sealing_repo), "seal", "fetch-cert", "--controller-url", controller.url, "--force")
    assert forced.exit_code == 0


def test_seal_verify_reports_each_and_exits_4_when_one_cannot_be_opened(run_cli, sealing_repo, controller, tmp_path):
    base = ["--repo", str(sealing_repo), "seal"]
    assert run_cli(*base, "generic", "good", "-n", "default", "--from-literal", "k=value1").exit_code == 0
    ok = run_cli(*base, "verify", "--controller-url", controller.url, "-o", "json")
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout)["ok"] is True

    stranger = make_cert(tmp_path)
    assert (
        run_cli(
            *base, "generic", "bad", "-n", "default", "--from-literal", "k=value2", "--cert", str(stranger)
        ).exit_code
        == 0
    )
    result = run_cli(*base, "verify", "--controller-url", controller.url)
    assert result.exit_code == 4
    assert "1 of 2 cannot be decrypted" in result.stderr
    assert controller.calls.count("POST /v1/verify") == 3


def test_reencrypt_rewrites_with_the_newest_key_and_values_survive(run_cli, sealing_repo, controller):
    base = ["--repo", str(sealing_repo), "seal"]
    assert (
        run_cli(
            *base,
            "generic",
            "app",
            "-n",
            "default",
            "--from-literal",
            "k=value1",
            "--scope",
            "namespace-wide",
        ).exit_code
        == 0
    )
    path = sealing_repo / STORE / "default.app.yaml"
    before = load_yaml_documents(path.read_text(), "p")[0]
    result = run_cli(*base, "reencrypt", "--controller-url", controller.url)
    assert result.exit_code == 0, result.stderr
    after = load_yaml_documents(path.read_text(), "p")[0]
    assert after["spec"]["encryptedData"]["k"] != before["spec"]["encryptedData"]["k"]
    assert after["metadata"] == before["metadata"]
    assert after["kind"] == "SealedSecret"
    (secret,) = unseal_file(run_cli, path)
    assert secret["data"]["k"] == "dmFsdWUx"


def test_unreachable_controller_is_one_line(run_cli, sealing_repo):
    result = run_cli("--repo", str(sealing_repo), "seal", "fetch-cert", "--controller-url", "http://127.0.0.1:9")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "✗ cannot reach the controller at http://127.0.0.1:9 (ConnectionError): check --controller-url "
        "(e.g. after kubectl port-forward)"
    ]


def test_reencrypt_keeps_the_other_documents_and_comments_of_a_mixed_file(run_cli, sealing_repo, controller):
    """Operators keep a SealedSecret beside the Deployment that uses it: only the SealedSecret changes."""
    sealed = run_cli(
        "--repo", str(sealing_repo), "seal", "generic", "app", "-n", "default", "--from-literal", "k=v", "--stdout"
    )
    assert sealed.exit_code == 0, sealed.stderr
    config_map = (
        "# The app's settings; edit freely.\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app  # same name\n"
    )
    mixed = sealing_repo / "flux/apps/frontend/app.yaml"
    sealed_document = sealed.stdout.removeprefix("---\n")
    mixed.write_text(f"{config_map}---\n# Sealed by gitopsctl.\n{sealed_document}---\n{config_map}")
    before = load_yaml_documents(mixed.read_text(), "before")
    result = run_cli("--repo", str(sealing_repo), "seal", "reencrypt", "--controller-url", controller.url, str(mixed))
    assert result.exit_code == 0, result.stderr
    text = mixed.read_text()
    assert text.startswith(config_map + "---\n# Sealed by gitopsctl.\n") and text.endswith("---\n" + config_map)
    after = load_yaml_documents(text, "after")
    assert [d["kind"] for d in after] == ["ConfigMap", "SealedSecret", "ConfigMap"]
    assert after[1]["spec"]["encryptedData"]["k"] != before[1]["spec"]["encryptedData"]["k"]
