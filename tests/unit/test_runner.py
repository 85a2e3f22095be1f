from __future__ import annotations

import pytest

from gitopsctl.errors import ExitCode, ToolFailed, ToolMissing, ToolTimedOut
from gitopsctl.redaction import MASK, REDACTOR
from gitopsctl.runner import Runner


@pytest.fixture(autouse=True)
def fresh_redactor():
    REDACTOR.clear()
    yield
    REDACTOR.clear()


def test_captures_output_and_passes_stdin():
    result = Runner().run("cat", [], stdin="hello")
    assert (result.exit_code, result.stdout) == (0, "hello")


def test_missing_program_names_it_and_how_to_install():
    with pytest.raises(ToolMissing) as caught:
        Runner().run("flux-does-not-exist", [])
    assert "'flux-does-not-exist' was not found on PATH" in str(caught.value)
    assert caught.value.exit_code == ExitCode.PREREQUISITES


def test_missing_known_tool_gets_its_install_hint(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ToolMissing, match="install Helm"):
        Runner().run("helm", ["version"])


def test_non_zero_exit_is_typed_and_carries_the_error_line():
    with pytest.raises(ToolFailed) as caught:
        Runner().run("git", ["rev-parse", "--verify", "no-such-ref"], cwd="/")
    assert caught.value.tool_exit_code != 0
    assert "fatal" in str(caught.value)


def test_timeout_is_enforced():
    with pytest.raises(ToolTimedOut, match=r"sleep did not finish within 0\.3s"):
        Runner().run("sleep", ["5"], timeout=0.3)


def test_secret_env_reaches_the_child_but_not_argv_or_the_verbose_line():
    lines: list[str] = []
    result = Runner(on_command=lines.append).run(
        "sh", ["-c", 'printf %s "$TOKEN"'], secret_env={"TOKEN": "s3cr3t-token-value"}
    )
    assert result.stdout == "s3cr3t-token-value"
    assert lines == [f"$ sh -c 'printf %s \"$TOKEN\"'  (env: TOKEN={MASK})"]


def test_a_tool_echoing_a_secret_in_its_error_is_redacted():
    with pytest.raises(ToolFailed) as caught:
        Runner().run(
            "sh",
            ["-c", 'echo "error: bad token $TOKEN" >&2; exit 3'],
            secret_env={"TOKEN": "s3cr3t-token-value"},
        )
    assert "s3cr3t-token-value" not in str(caught.value)
    assert "s3cr3t-token-value" not in caught.value.stderr
    assert MASK in str(caught.value)


def test_spawns_are_counted():
    runner = Runner()
    runner.run("true", [])
    runner.run("true", [])
    assert runner.spawn_count == 2
