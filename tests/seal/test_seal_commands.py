"""seal harbor-creds / vm-ssh-key / generic / file writing into the GitOps repository."""

from __future__ import annotations

import base64
import json
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gitopsctl.yamlfiles import load_yaml_documents
from tests.conftest import TEST_CERT, TEST_KEY
from tests.harness.pki import self_signed_certificate
from tests.harness.ssh import make_key, make_known_hosts

STORE = "flux/sealed-secrets/production"


def unseal_file(run_cli, path) -> list[dict]:
    result = run_cli("unseal", str(path), "--private-key", str(TEST_KEY), "-o", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    return document["items"] if document["kind"] == "List" else [document]


def test_harbor_creds_seals_for_app_and_flux_namespaces(run_cli, sealing_repo):
    result = run_cli(
        "--repo",
        str(sealing_repo),
        "seal",
        "harbor-creds",
        "--no-check",
        "--username",
        "robot$homelab+ci",
        "--password-stdin",
        input="pa$$word\n",
    )
    assert result.exit_code == 0, result.stderr
    store = sealing_repo / STORE
    for namespace in ("default", "flux-system"):
        (secret,) = unseal_file(run_cli, store / f"{namespace}.harbor-credentials.yaml")
        import base64

        config = json.loads(base64.b64decode(secret["data"][".dockerconfigjson"]))
        assert config["auths"]["192.168.0.40:5000"]["username"] == "robot$homelab+ci"
        assert config["auths"]["192.168.0.40:5000"]["password"] == "pa$$word"
    kustomization = (store / "kustomization.yaml").read_text()
    assert kustomization.startswith("# SealedSecrets written by 'gitopsctl seal …' are listed here")
    resources = load_yaml_documents(kustomization, "k")[0]["resources"]
    assert resources == ["networkpolicy.yaml", "default.harbor-credentials.yaml", "flux-system.harbor-credentials.yaml"]


def test_prompted_password_is_asked_twice_hidden(run_cli, sealing_repo):
    result = run_cli(
        "--repo",
        str(sealing_repo),
        "seal",
        "harbor-creds",
        "--no-check",
        "--username",
        "ci",
        "-n",
        "default",
        input="hunter2hunter2\nhunter2hunter2\n",
    )
    assert result.exit_code == 0, result.stderr
    assert "hunter2hunter2" not in result.stdout + result.stderr
    assert "Registry password: \nRepeat for confirmation: \n" in result.stderr


def test_existing_file_is_kept_without_force_and_replaced_with_it(run_cli, sealing_repo):
    args = [
        "--repo",
        str(sealing_repo),
        "seal",
        "generic",
        "app",
        "-n",
        "default",
        "--from-literal",
        "k=first1",
    ]
    assert run_cli(*args).exit_code == 0
    target = sealing_repo / STORE / "default.app.yaml"
    before = target.read_text()
    again = run_cli(*args)
    assert again.exit_code == 2
    assert again.stderr.strip() == (
        f"✗ {STORE}/default.app.yaml already exists: pass --force to replace it, "
        "or --merge-into it to add or replace single keys"
    )
    assert target.read_text() == before
    assert run_cli(*args, "--force").exit_code == 0
    assert target.read_text() != before
    resources = load_yaml_documents((sealing_repo / STORE / "kustomization.yaml").read_text(), "k")[0]["resources"]
    assert resources == ["networkpolicy.yaml", "default.app.yaml"]


def test_merge_into_adds_a_key_and_keeps_the_others(run_cli, sealing_repo):
    base = ["--repo", str(sealing_repo), "seal", "generic", "app", "-n", "default"]
    assert run_cli(*base, "--from-literal", "a=alpha-one", "--from-literal", "b=beta-two").exit_code == 0
    target = sealing_repo / STORE / "default.app.yaml"
    original_b = load_yaml_documents(target.read_text(), "t")[0]["spec"]["encryptedData"]["b"]
    result = run_cli(*base, "--from-literal", "a=alpha-new", "--from-literal", "c=gamma", "--merge-into", str(target))
    assert result.exit_code == 0, result.stderr
    sealed = load_yaml_documents(target.read_text(), "t")[0]
    assert sealed["spec"]["encryptedData"]["b"] == original_b
    (secret,) = unseal_file(run_cli, target)
    import base64

    assert {k: base64.b64decode(v).decode() for k, v in secret["data"].items()} == {
        "a": "alpha-new",
        "b": "beta-two",
        "c": "gamma",
    }


def test_merge_into_refuses_another_secret(run_cli, sealing_repo):
    base = ["--repo", str(sealing_repo), "seal", "generic"]
    assert run_cli(*base, "app", "-n", "default", "--from-literal", "a=alpha").exit_code == 0
    target = sealing_repo / STORE / "default.app.yaml"
    result = run_cli(*base, "other", "-n", "default", "--from-literal", "a=x", "--merge-into", str(target))
    assert result.exit_code == 2
    assert "holds default/app, not default/other" in result.stderr


def test_dry_run_writes_nothing(run_cli, sealing_repo):
    before = subprocess.run(["git", "status", "--porcelain"], cwd=sealing_repo, capture_output=True, text=True).stdout
    result = run_cli(
        "--repo",
        str(sealing_repo),
        "seal",
        "generic",
        "app",
        "-n",
        "default",
        "--from-literal",
        "a=alpha",
        "--dry-run",
    )
    assert result.exit_code == 0
    assert f"would write {STORE}/default.app.yaml (dry run)" in result.stderr
    after = subprocess.run(["git", "status", "--porcelain"], cwd=sealing_repo, capture_output=True, text=True).stdout
    assert before == after


def test_vm_ssh_key(run_cli, sealing_repo, tmp_path):
    make_key(tmp_path / "id")
    make_known_hosts(tmp_path / "known_hosts")
    result = run_cli(
        "--repo",
        str(sealing_repo),
        "seal",
        "vm-ssh-key",
        "--key-file",
        str(tmp_path / "id"),
        "--known-hosts",
        str(tmp_path / "known_hosts"),
    )
    assert result.exit_code == 0, result.stderr
    (secret,) = unseal_file(run_cli, sealing_repo / STORE / "default.vm-ssh-key.yaml")
    assert secret["type"] == "kubernetes.io/ssh-auth"
    assert set(secret["data"]) == {"ssh-privatekey", "known_hosts"}
    # known_hosts is sealed byte for byte, as given.
    assert base64.b64decode(secret["data"]["known_hosts"]) == (tmp_path / "known_hosts").read_bytes()


def test_vm_ssh_key_refuses_a_public_key(run_cli, sealing_repo, tmp_path):
    (tmp_path / "id.pub").write_text("ssh-ed25519 AAAAC3Nza user@host\n")
    make_known_hosts(tmp_path / "known_hosts")
    result = run_cli(
        "--repo",
        str(sealing_repo),
        "seal",
        "vm-ssh-key",
        "--key-file",
        str(tmp_path / "id.pub"),
        "--known-hosts",
        str(tmp_path / "known_hosts"),
    )
    assert result.exit_code == 2
    assert "not a PEM or OpenSSH private key" in result.stderr


def test_seal_file_of_a_200_secret_list(run_cli, tmp_path):
    items = [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": f"s{i}", "namespace": "default"},
            "stringData": {"token": f"value-{i}"},
        }
        for i in range(200)
    ]
    source = tmp_path / "list.json"
    source.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    result = run_cli("seal", "file", str(source), "--cert", str(TEST_CERT), "--stdout")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("kind: SealedSecret") == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["generic", "Bad_Name", "-n", "default", "--from-literal", "a=b"],
            "secret name 'Bad_Name' is not a valid DNS-1123",
        ),
        (
            ["generic", "ok", "-n", "Default", "--from-literal", "a=b"],
            "namespace 'Default' is not a valid DNS-1123",
        ),
        (
            ["generic", "ok", "-n", "default", "--from-file", "/no/such/file"],
            "--from-file /no/such/file: no such file",
        ),
        (["generic", "ok", "-n", "default"], "no values to seal"),
        (
            ["generic", "ok", "-n", "default", "--from-literal", "bad key=v"],
            "secret key 'bad key' is not valid",
        ),
        (["file", "/no/such.yaml"], "secret file /no/such.yaml: no such file"),
        (
            ["harbor-creds", "--no-check", "--username", "u", "--password-stdin", "--registry", "http://h:5000"],
            "registry 'http://h:5000' must be host[:port]",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(run_cli, args, message):
    result = run_cli("seal", *args, "--cert", str(TEST_CERT), "--stdout", input="password1")
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def make_cert(tmp_path, **options):
    return self_signed_certificate(tmp_path / "cert.pem", **options)


def test_certificate_problems(run_cli, tmp_path):
    args = ["seal", "generic", "ok", "-n", "default", "--from-literal", "a=b", "--stdout", "--cert"]
    (tmp_path / "garbage.pem").write_text("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n")
    malformed = run_cli(*args, str(tmp_path / "garbage.pem"))
    assert (malformed.exit_code, "the certificate is malformed" in malformed.stderr) == (2, True)

    public = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (tmp_path / "public.pem").write_bytes(public)
    bare = run_cli(*args, str(tmp_path / "public.pem"))
    assert (bare.exit_code, "this is a bare public key" in bare.stderr) == (2, True)

    expired = run_cli(*args, str(make_cert(tmp_path, days=-1, start_days_ago=30)))
    assert (expired.exit_code, "the certificate expired on" in expired.stderr) == (2, True)

    non_rsa = run_cli(*args, str(make_cert(tmp_path, key=ec.generate_private_key(ec.SECP256R1()))))
    assert (non_rsa.exit_code, "not RSA" in non_rsa.stderr) == (2, True)

    soon = run_cli(*args, str(make_cert(tmp_path, days=10)))
    assert soon.exit_code == 0
    assert "⚠ the sealing certificate expires on" in soon.stderr

    missing = run_cli(*args, str(tmp_path / "nope.pem"))
    assert (missing.exit_code, f"--cert {tmp_path / 'nope.pem'}: no such file" in missing.stderr) == (2, True)


def test_a_certificate_that_differs_from_the_pin_is_refused(run_cli, git_world):
    # The example repository pins the example certificate; the test certificate differs.
    result = run_cli(
        "--repo",
        str(git_world.clone),
        "seal",
        "generic",
        "ok",
        "-n",
        "default",
        "--from-literal",
        "a=b",
        "--cert",
        str(TEST_CERT),
        "--stdout",
    )
    assert result.exit_code == 2
    assert "but gitopsctl.toml pins sha256:460bfc63" in result.stderr
    assert "gitopsctl seal fetch-cert --force" in result.stderr


def test_sealed_output_is_accepted_by_the_api_server(run_cli, cluster, tmp_path):
    result = run_cli(
        "seal",
        "generic",
        "app",
        "-n",
        "default",
        "--from-literal",
        "a=alpha",
        "--scope",
        "namespace-wide",
        "--cert",
        str(TEST_CERT),
        "--stdout",
    )
    applied = cluster.kubectl("apply", "--dry-run=server", "-f", "-", stdin=result.stdout)
    assert "sealedsecret.bitnami.com/app created (server dry run)" in applied.stdout


def test_merge_into_keeps_comments_and_other_documents(gitopsctl, sealing_repo):
    base = f"--repo {sealing_repo} seal generic app -n default"
    assert gitopsctl(f"{base} --from-literal a=alpha").exit_code == 0
    target = sealing_repo / STORE / "default.app.yaml"
    sealed = target.read_text().replace("spec:\n", "spec:  # rotated by hand in March\n", 1)
    target.write_text("# The app's credentials.\n" + sealed + "---\napiVersion: v1\nkind: ConfigMap  # beside it\n")
    result = gitopsctl(f"{base} --from-literal b=beta --merge-into {target}")
    assert result.exit_code == 0, result.stderr
    text = target.read_text()
    for kept in ("# The app's credentials.", "spec:  # rotated by hand in March", "kind: ConfigMap  # beside it"):
        assert kept in text
    sealed_document, config_map = load_yaml_documents(text, "merged")
    assert sorted(sealed_document["spec"]["encryptedData"]) == ["a", "b"]
    assert config_map["kind"] == "ConfigMap"


def test_merge_into_with_stdout_prints_the_whole_merged_file_and_writes_nothing(gitopsctl, sealing_repo):
    base = f"--repo {sealing_repo} seal generic app -n default"
    assert gitopsctl(f"{base} --from-literal a=alpha").exit_code == 0
    target = sealing_repo / STORE / "default.app.yaml"
    before = target.read_text()
    result = gitopsctl(f"{base} --from-literal b=beta --merge-into {target} --stdout")
    assert result.exit_code == 0, result.stderr
    assert target.read_text() == before
    (printed,) = load_yaml_documents(result.stdout, "stdout")
    assert sorted(printed["spec"]["encryptedData"]) == ["a", "b"]
