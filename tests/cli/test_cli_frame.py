from __future__ import annotations

import subprocess
import sys

from gitopsctl import __version__


def test_help_lists_the_commands(run_cli):
    result = run_cli("--help")
    assert result.exit_code == 0
    for command in ("doctor", "seal", "unseal"):
        assert command in result.stdout


def test_version(run_cli):
    assert run_cli("--version").stdout.strip() == f"gitopsctl, version {__version__}"


def test_every_option_has_an_environment_twin(run_cli):
    assert "GITOPSCTL_REPO" in run_cli("--help").stdout
    assert "GITOPSCTL_CONTEXT" in run_cli("--help").stdout


def test_repo_that_is_not_git_is_one_line_exit_2(run_cli, tmp_path):
    result = run_cli(
        "--repo", str(tmp_path), "seal", "generic", "x", "-n", "default", "--from-literal", "a=b", "--stdout"
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"✗ --repo {tmp_path} is not inside a git repository: run gitopsctl from your GitOps repository "
        "or pass --repo PATH"
    ]


def test_unknown_config_key_is_exit_2(run_cli, git_world):
    (git_world.clone / "gitopsctl.toml").write_text("[registry]\nhots = 'x'\n")
    result = run_cli(
        "--repo",
        str(git_world.clone),
        "seal",
        "generic",
        "x",
        "-n",
        "default",
        "--from-literal",
        "a=b",
        "--stdout",
    )
    assert result.exit_code == 2
    assert "unknown key 'registry.hots'" in result.stderr
    assert "Traceback" not in result.stderr


def test_environment_twin_sets_the_option(run_cli, tmp_path):
    result = run_cli(
        "seal",
        "generic",
        "x",
        "-n",
        "default",
        "--from-literal",
        "a=b",
        "--stdout",
        env={"GITOPSCTL_REPO": str(tmp_path)},
    )
    assert f"--repo {tmp_path} is not inside a git repository" in result.stderr


def test_installed_entry_point_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gitopsctl", "--version"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_an_unexpected_error_is_one_redacted_line(run_cli, monkeypatch):
    from gitopsctl.cli.application import Application
    from gitopsctl.redaction import register_secret

    register_secret("hunter2-secret-value")

    def explode(app):
        raise RuntimeError("boom while holding hunter2-secret-value")

    monkeypatch.setattr(Application, "prerequisites", explode)
    result = run_cli("doctor")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "✗ unexpected error: RuntimeError: boom while holding [REDACTED]"
    assert "Traceback" not in result.stderr
    verbose = run_cli("-vv", "doctor")
    assert "Traceback" in verbose.stderr and "hunter2-secret-value" not in verbose.stderr


def test_subcommand_options_have_environment_twins(run_cli):
    from tests.conftest import TEST_CERT

    result = run_cli(
        "seal",
        "harbor-creds",
        "--no-check",
        "--password-stdin",
        "-n",
        "default",
        "--cert",
        str(TEST_CERT),
        "--stdout",
        input="password1",
        env={"GITOPSCTL_SEAL_HARBOR_CREDS_USERNAME": "robot$env+ci"},
    )
    assert result.exit_code == 0, result.stderr
    assert "kind: SealedSecret" in result.stdout
