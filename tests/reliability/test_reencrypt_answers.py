"""seal reencrypt writes only what a controller could have answered for that SealedSecret.

A 200 with {} used to overwrite every SealedSecret with a stub, exit 0.
"""

from __future__ import annotations

import subprocess

import pytest

STORE = "flux/sealed-secrets/production"


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({}, "has no encryptedData"),
        (
            {"metadata": {"name": "other", "namespace": "default"}, "spec": {"encryptedData": {"k": "x"}}},
            "is for default/other",
        ),
        (
            {"metadata": {"name": "app", "namespace": "default"}, "spec": {"encryptedData": {"x": "y"}}},
            "has keys x, not k",
        ),
    ],
    ids=["empty", "another-secret", "other-keys"],
)
def test_an_answer_that_is_not_the_same_sealed_secret_is_refused(gitopsctl, sealing_repo, controller, answer, problem):
    assert gitopsctl(f"--repo {sealing_repo} seal generic app -n default --from-literal k=v").exit_code == 0
    subprocess.run(["git", "add", "-A"], cwd=sealing_repo, check=True)
    before = (sealing_repo / STORE / "default.app.yaml").read_text()
    controller.rotate_answer = answer
    result = gitopsctl(f"--repo {sealing_repo} seal reencrypt --controller-url {controller.url}")
    assert result.exit_code == 1
    assert f"the controller's answer for default/app {problem}" in result.stderr
    assert "nothing was written" in result.stderr
    assert (sealing_repo / STORE / "default.app.yaml").read_text() == before
