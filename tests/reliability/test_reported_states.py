"""What gitopsctl reports is what is there: no silent fall-backs, no empty JSON."""

from __future__ import annotations

import json

import pytest

from tests.harness.controlplane import free_port
from tests.harness.pki import self_signed_certificate


def unreachable_kubeconfig(path):
    path.write_text(
        f"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:{free_port()}\n"
        "users:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n"
        "current-context: c\n"
    )
    return path


def test_verify_json_says_when_the_cluster_cannot_be_asked(gitopsctl, git_world, tmp_path):
    kubeconfig = unreachable_kubeconfig(tmp_path / "kubeconfig")
    result = gitopsctl(f"--repo {git_world.clone} --kubeconfig {kubeconfig} verify -o json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["healthy"] is False and document["error"].startswith("the cluster is unreachable")


@pytest.mark.parametrize("shape", ["dangling link", "folder"])
def test_a_config_that_cannot_be_read_is_not_silently_ignored(gitopsctl, git_world, shape):
    config = git_world.clone / "gitopsctl.toml"
    config.unlink()
    if shape == "folder":
        config.mkdir()
    else:
        config.symlink_to("nowhere.toml")
    result = gitopsctl(f"--repo {git_world.clone} verify --offline")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"✗ {config}: ") and "gitopsctl.toml" in line


@pytest.mark.parametrize(
    ("bits", "starts", "warning"),
    [
        (1024, -1, "the sealing certificate's key is RSA-1024: anything under 2048 bits is weak"),
        (2048, 3, "the sealing certificate is not valid before"),
    ],
)
def test_a_weak_or_future_certificate_is_warned_about(gitopsctl, tmp_path, bits, starts, warning):
    cert = self_signed_certificate(tmp_path / "cert.pem", bits=bits, start_days_ago=-starts)
    result = gitopsctl(f"seal generic app -n default --from-literal k=v --cert {cert} --stdout")
    assert result.exit_code == 0, result.stderr
    assert f"⚠ {warning}" in result.stderr


def test_ctrl_c_at_the_hidden_password_prompt_is_an_interruption(sealing_repo):
    """It exited 1 with click's "Aborted!"; Ctrl-C is exit 130 wherever it lands."""
    import os
    import pty
    import select
    import subprocess
    import sys
    import termios
    from fcntl import ioctl

    from tests.conftest import TEST_CERT

    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "gitopsctl", "--repo", str(sealing_repo), "seal", "harbor-creds",
         "--username", "robot", "--no-check", "--cert", str(TEST_CERT)],
        stdin=terminal, stdout=terminal, stderr=terminal, env={**os.environ, "NO_COLOR": "1"},
        # Its own session with the pseudo-terminal as its terminal: the prompt reads /dev/tty,
        # and ^C typed there becomes SIGINT, as on an operator's keyboard.
        start_new_session=True, preexec_fn=lambda: ioctl(0, termios.TIOCSCTTY, 0),
    )  # fmt: skip
    os.close(terminal)
    seen = b""
    try:
        while b"Registry password" not in seen:
            ready, _, _ = select.select([controller], [], [], 30)
            assert ready, seen.decode(errors="replace")
            seen += os.read(controller, 4096)
        os.write(controller, b"\x03")  # the terminal turns it into SIGINT, as a keyboard does
        assert process.wait(timeout=30) == 130
        while select.select([controller], [], [], 0.5)[0]:
            try:
                seen += os.read(controller, 4096)
            except OSError:
                break
    finally:
        os.close(controller)
    assert seen.decode(errors="replace").rstrip().endswith("✗ interrupted")


def test_an_unreachable_cluster_is_named_in_kubectls_own_words_not_klogs(gitopsctl, git_world, tmp_path):
    kubeconfig = unreachable_kubeconfig(tmp_path / "kubeconfig")
    result = gitopsctl(f"--repo {git_world.clone} --kubeconfig {kubeconfig} verify")
    assert result.exit_code == 1
    last = result.stderr.splitlines()[-1]
    assert last.startswith("✗ the cluster is unreachable: The connection to the server 127.0.0.1:"), last
    assert "memcache.go" not in last


def test_klog_lines_are_the_headline_only_when_nothing_else_is_said():
    from gitopsctl.errors import headline

    klog = 'E1127 15:00:02.889817   10030 memcache.go:265] "Unhandled Error" err="refused"'
    assert headline(f"{klog}\n{klog}\nThe connection to the server x was refused\n") == (
        "The connection to the server x was refused"
    )
    assert headline(f"{klog}\n") == '"Unhandled Error" err="refused"'


def test_a_certificate_over_plain_http_is_warned_about_unless_a_pin_checks_it(gitopsctl, controller, tmp_path):
    url = f"{controller.url}/v1/cert.pem"
    result = gitopsctl(f"seal generic app -n default --from-literal k=v --cert {url} --stdout")
    assert result.exit_code == 0, result.stderr
    assert f"⚠ --cert {url} came over plain HTTP and no pin checks it" in result.stderr
