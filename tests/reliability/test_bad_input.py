"""Bad input to the sealing commands: one line naming the problem and the fix, exit 2, nothing written."""

from __future__ import annotations

from tests.conftest import TEST_CERT


def test_a_secret_value_has_no_environment_twin(gitopsctl, tmp_path):
    (tmp_path / "token").write_text("from-a-file")
    result = gitopsctl(
        f"seal generic app -n default --from-file token={tmp_path / 'token'} --cert {TEST_CERT} --stdout",
        env={"GITOPSCTL_SEAL_GENERIC_LITERALS": "smuggled=value"},
    )
    assert result.exit_code == 0, result.stderr
    assert "smuggled" not in result.stdout and "token:" in result.stdout


def test_stdin_is_read_once(gitopsctl):
    result = gitopsctl(
        f"seal generic app -n default --from-file a=- --from-file b=- --cert {TEST_CERT} --stdout", input="value"
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "✗ --from-file b=- and --from-file a=- both read stdin, which can be read once: give all but one of them a file"
    ]


def test_a_secret_over_one_mebibyte_is_refused_before_sealing(gitopsctl, tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    result = gitopsctl(f"seal generic app -n default --from-file blob={big} --cert {TEST_CERT} --stdout")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "✗ Secret default/app holds 1,048,577 bytes; the API server refuses Secrets over 1 MiB: keep large files "
        "out of Secrets (a ConfigMap, a volume, or an image)"
    ]
    assert result.stdout == ""


def test_a_request_timeout_that_is_not_a_duration_is_a_usage_error(gitopsctl):
    result = gitopsctl("--request-timeout xyz verify --offline")
    assert result.exit_code == 2
    assert "Invalid value for '--request-timeout'" in result.stderr and "Traceback" not in result.stderr
