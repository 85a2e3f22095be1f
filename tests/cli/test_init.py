"""gitopsctl init: a new repository in the reference layout, from the operator's values."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gitopsctl.config import load_config
from tests.harness.git import EXAMPLE, git

# What the example has that a fresh repository does not: the tags image automation wrote, and
# the certificate seal fetch-cert stored and pinned.
EXAMPLE_TAG = ":main-0a1b2c3-1764115200"
EXAMPLE_ONLY = {"README.md", "flux/sealed-secrets/production/sealed-secrets-cert.pem"}


def files_under(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_init_writes_the_example_layout(run_cli, tmp_path):
    """The example is what init writes, plus what running it added: one source, no drift."""
    result = run_cli("init", str(tmp_path / "new"), "--owner", "homelab-operator", "--repository", "homelab-gitops")
    assert result.exit_code == 0, result.stderr
    written = files_under(tmp_path / "new")
    example = {path: text for path, text in files_under(EXAMPLE).items() if path not in EXAMPLE_ONLY}
    pin = example["gitopsctl.toml"].index("\n# Written by 'gitopsctl seal fetch-cert'")
    example["gitopsctl.toml"] = example["gitopsctl.toml"][:pin]
    assert written == {path: text.replace(EXAMPLE_TAG, "") for path, text in example.items()}
    assert "cert_fingerprints" not in written["gitopsctl.toml"]
    assert not any(path.endswith(".pem") for path in written)


def test_verify_offline_on_a_new_repository_lists_only_the_secrets_to_seal(run_cli, tmp_path):
    assert run_cli("init", str(tmp_path / "new"), "--owner", "o", "--repository", "r").exit_code == 0
    result = run_cli("--repo", str(tmp_path / "new"), "verify", "--offline", "-o", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["order"]) == 3 and len(report["missing_secrets"]) == 3
    # No problem: every warning is a secret still to seal, each with the command that seals it.
    assert report["problems"] == []
    assert report["warnings"] == [
        f"{m['referenced_by']} needs Secret {m['namespace']}/{m['name']}, which is not in Git: "
        f"create it in the cluster, or seal it: {m['seal_command']}"
        for m in report["missing_secrets"]
    ]


def test_the_operators_values_land_everywhere(run_cli, tmp_path):
    target = tmp_path / "lab"
    result = run_cli(
        "--cluster", "staging", "init", str(target),
        "--owner", "acme", "--repository", "fleet", "--organization", "--branch", "trunk",
        "--hostname", "git.acme.lan", "--registry", "harbor.acme.lan:8443", "--tls-registry",
        "--image-project", "web", "-n", "shop", "-n", "payments",
        "--vm-host", "10.1.2.3", "--vm-user", "ops", "--ingress-host", "shop.acme.lan",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    config = load_config(target)
    assert (config.github.owner, config.github.repository, config.github.branch) == ("acme", "fleet", "trunk")
    assert (config.github.personal, config.github.api_url) == (False, "https://git.acme.lan/api/v3")
    assert (config.cluster.name, config.registry.host, config.registry.insecure) == (
        "staging",
        "harbor.acme.lan:8443",
        False,
    )
    assert config.apps.namespaces == ["shop", "payments"]
    text = "\n".join(files_under(target).values())
    assert "image: harbor.acme.lan:8443/web/frontend #" in text and "insecure: false" in text
    assert "ops@10.1.2.3" in text and "- 10.1.2.3" in text and "host: shop.acme.lan" in text
    assert "namespace: shop" in text and "namespace: default" not in text
    assert "branch: trunk" in text
    assert (target / "flux/clusters/staging/sealed-secrets.yaml").read_text().count(
        "./flux/sealed-secrets/staging"
    ) == 1
    assert git(target, "symbolic-ref", "HEAD") == "refs/heads/trunk"
    assert git(target, "remote", "get-url", "origin") == "git@git.acme.lan:acme/fleet.git"
    # The new repository is one gitopsctl reads back without any flag.
    verify = run_cli("--repo", str(target), "verify", "--offline")
    assert "flux-system/frontend" in verify.stderr


def test_a_github_enterprise_host_with_its_own_ssh_address_and_ca(run_cli, tmp_path):
    ca = tmp_path / "ghe-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    target = tmp_path / "lab"
    result = run_cli(
        "init", str(target), "--owner", "acme", "--repository", "fleet",
        "--hostname", "git.acme.lan:8443", "--ssh-hostname", "ssh.acme.lan:2222", "--ca-file", str(ca),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    config = load_config(target)
    assert (config.github.hostname, config.github.ssh_hostname) == ("git.acme.lan:8443", "ssh.acme.lan:2222")
    assert config.github_ca_file == str(ca)
    assert git(target, "remote", "get-url", "origin") == "ssh://git@ssh.acme.lan:2222/acme/fleet.git"


@pytest.mark.parametrize("option", [("--ssh-hostname", "ssh.example.org"), ("--ca-file", "ca.pem")])
def test_enterprise_options_without_an_enterprise_host_are_refused(run_cli, tmp_path, option):
    result = run_cli("init", str(tmp_path / "lab"), "--owner", "acme", "--repository", "fleet", *option)
    assert result.exit_code == 2, result.stderr
    assert f"✗ {option[0]} is for a GitHub Enterprise host, not github.com" in result.stderr
    assert not (tmp_path / "lab").exists()


def test_a_folder_that_is_not_empty_is_refused_without_force(run_cli, tmp_path):
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.md").write_text("mine\n")
    result = run_cli("init", str(target), "--owner", "o", "--repository", "r")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"✗ {target} is not empty (notes.md): name a new or empty folder, or pass --force to write the layout into it"
    ]
    assert sorted(p.name for p in target.iterdir()) == ["notes.md"]
    forced = run_cli("init", str(target), "--owner", "o", "--repository", "r", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert (target / "notes.md").read_text() == "mine\n" and (target / "gitopsctl.toml").is_file()


def test_an_existing_clone_is_used_as_it_is(run_cli, tmp_path):
    """A clone of a new, empty repository holds only .git: it counts as empty and keeps its origin."""
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    subprocess.run(["git", "clone", "-q", str(origin), str(tmp_path / "clone")], check=True, capture_output=True)
    result = run_cli("init", str(tmp_path / "clone"), "--owner", "o", "--repository", "r")
    assert result.exit_code == 0, result.stderr
    assert git(tmp_path / "clone", "remote", "get-url", "origin") == str(origin)
    assert "initialised a git repository" not in result.stderr


def test_bad_values_are_one_line_and_write_nothing(run_cli, tmp_path):
    cases = {
        ("--vm-host", "vm.lan"): "✗ --vm-host 'vm.lan' is not an IPv4 address",
        ("--registry", "harbor lan"): "✗ --registry 'harbor lan' is not HOST or HOST:PORT",
        ("-n", "Apps"): "✗ namespace 'Apps' is not a valid DNS-1123 label",
        ("--branch", "main..x"): "✗ --branch 'main..x' is not a branch name such as main",
    }
    for (option, value), message in cases.items():
        target = tmp_path / f"new-{value.replace(' ', '_')}"
        result = run_cli("init", str(target), "--owner", "o", "--repository", "r", option, value)
        assert result.exit_code == 2, result.stderr
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(message)
        assert not target.exists()
    cluster = run_cli("--cluster", "../x", "init", str(tmp_path / "c"), "--owner", "o", "--repository", "r")
    assert cluster.exit_code == 2 and "--cluster '../x' is not a valid cluster folder name" in cluster.stderr


def test_owner_is_required_off_a_terminal_and_has_its_twins(run_cli, tmp_path):
    missing = run_cli("init", str(tmp_path / "a"))
    assert missing.exit_code == 2
    assert missing.stderr.splitlines() == ["✗ --owner is required: pass --owner (or run gitopsctl init on a terminal)"]
    by_env = run_cli("init", str(tmp_path / "b"), env={"GITOPSCTL_INIT_OWNER": "acme", "GITOPSCTL_INIT_BRANCH": "prod"})
    assert by_env.exit_code == 0, by_env.stderr
    config = load_config(tmp_path / "b")
    # The repository defaults to the folder's name.
    assert (config.github.owner, config.github.repository, config.github.branch) == ("acme", "b", "prod")
    assert run_cli("init", str(tmp_path / "c"), env={"GITHUB_USER": "someone"}).exit_code == 0


def test_on_a_terminal_the_owner_and_repository_are_asked(tmp_path):
    """Run in a pseudo-terminal, as an operator would: the prompts appear and the answers land."""
    import os
    import pty
    import select
    import sys

    target = tmp_path / "lab"
    controller, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_USER"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gitopsctl", "init", str(target)],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={**env, "NO_COLOR": "1"},
        cwd=tmp_path,
    )
    os.close(terminal)
    seen = b""
    answers = [(b"GitHub owner", b"acme\n"), (b"GitHub repository [lab]", b"\n")]
    try:
        while process.poll() is None or select.select([controller], [], [], 0)[0]:
            ready, _, _ = select.select([controller], [], [], 30)
            assert ready, seen.decode(errors="replace")
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed with the process
                break
            seen += chunk
            if answers and answers[0][0] in seen:
                os.write(controller, answers.pop(0)[1])
    finally:
        os.close(controller)
        process.wait(timeout=30)
    assert process.returncode == 0, seen.decode(errors="replace")
    assert not answers
    config = load_config(target)
    assert (config.github.owner, config.github.repository) == ("acme", "lab")
