"""The causes of "unexpected error" the reliability issue listed, each answered in one line.

The fuzz corpus (test_fuzzed_inputs.py) covers shapes at random; these are the named cases:
wrong shapes, non-UTF-8 input, alias loops and bombs, names no file system takes, and a
malformed ImageUpdateAutomation that used to block every rollback, even --dry-run.
"""

from __future__ import annotations

import pytest

from tests.conftest import TEST_CERT, TEST_KEY
from tests.harness.git import git

STORE = "flux/sealed-secrets/production"
HEAD = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\n  namespace: default\n"


def one_line(result, code: int = 2) -> str:
    assert result.exit_code == code, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("apiVersion: v1\nkind: Secret\nmetadata: [app]\n", "✗ stdin: Secret: metadata must be a mapping, not a list"),
        ("apiVersion: v1\nkind: Secret\nmetadata: app\n", "✗ stdin: Secret: metadata must be a mapping, not a string"),
        (HEAD + "data: [a]\n", "✗ stdin: Secret app: data must be a mapping, not a list"),
        (HEAD.replace("  namespace: default\n", "  labels: [a]\n"), "✗ stdin: Secret app: metadata.labels must be"),
        ("kind: List\nitems: [a]\n", "✗ stdin: List: items[0] must be a mapping, not a string"),
        ("a: &a [*a]\n", "✗ stdin: a YAML alias refers to itself (an endless loop)"),
    ],
)
def test_seal_file_answers_wrong_shapes_in_one_line(gitopsctl, manifest, message):
    line = one_line(gitopsctl(f"seal file - --cert {TEST_CERT} --stdout", input=manifest))
    assert line.startswith(message), line


def test_an_alias_bomb_is_refused_without_being_expanded(gitopsctl, tmp_path):
    levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    bomb = tmp_path / "bomb.yaml"  # 1.6 KB; expanded, 387 million strings
    bomb.write_text(HEAD + "stringData:\n  k: v\nbomb:\n" + "".join(f"  {line}\n" for line in levels))
    line = one_line(gitopsctl(f"seal file {bomb} --cert {TEST_CERT} --stdout"))
    assert line == (
        f"✗ {bomb}: YAML aliases expand to over 1,000,000 values (an alias bomb): write the values out, "
        "or use fewer nested aliases"
    )


def test_non_utf8_input_is_named_and_never_echoed(gitopsctl, sealing_repo, tmp_path):
    env_file = tmp_path / "bad.env"
    env_file.write_bytes(b"TOKEN=\xff\xfe\n")
    assert one_line(gitopsctl(f"seal generic app -n default --from-env-file {env_file} --cert {TEST_CERT} --stdout"))
    password = gitopsctl(
        f"seal harbor-creds --username u --password-stdin --no-check --cert {TEST_CERT} --stdout", input=b"\xff\xfepw"
    )
    assert one_line(password) == "✗ --password-stdin: the password is not UTF-8 text: pipe it as UTF-8"
    manifest = tmp_path / "secret.yaml"
    manifest.write_bytes(HEAD.encode() + b"stringData:\n  k: \xff\n")
    assert one_line(gitopsctl(f"seal file {manifest} --cert {TEST_CERT} --stdout")).endswith(
        "not UTF-8 text: save it as UTF-8 and run again"
    )
    sealed = tmp_path / "sealed.yaml"
    sealed.write_bytes(b"kind: SealedSecret\nmetadata: {name: \xff}\n")
    assert "not UTF-8 text" in one_line(gitopsctl(f"unseal {sealed} --private-key {TEST_KEY}"))
    (sealing_repo / "gitopsctl.toml").write_bytes(b"[apps]\nnamespaces = ['\xff']\n")
    assert one_line(gitopsctl(f"--repo {sealing_repo} seal generic app -n default --from-literal k=v")) == (
        f"✗ {sealing_repo / 'gitopsctl.toml'}: not UTF-8 text: save it as UTF-8 and run again"
    )


def test_a_name_too_long_for_a_file_name_is_refused_before_sealing(gitopsctl, sealing_repo):
    name = "a" * 250  # a valid Kubernetes name: 253 characters are allowed
    line = one_line(gitopsctl(f"--repo {sealing_repo} seal generic {name} -n default --from-literal k=v"))
    assert line.startswith(f"✗ Secret default/{'a' * 40}…: its file name would be 263 bytes, and file systems take 255")


def test_wrong_shapes_in_the_repository_name_the_kustomization_and_the_field(gitopsctl, git_world):
    """A manifest Flux cannot build is the build's problem, in kustomize's words: exit 4, not 2."""
    deployment = git_world.clone / "flux/apps/frontend/deployment.yaml"
    deployment.write_text(deployment.read_text().replace("      containers:\n", "      containers:\n      - web\n", 1))
    result = gitopsctl(f"--repo {git_world.clone} verify --offline")
    assert result.exit_code == 4, result.stderr
    failures = [line for line in result.stderr.splitlines() if line.startswith("✗")]
    assert len(failures) == 2, result.stderr
    assert failures[0].startswith("✗ Kustomization flux-system/frontend: kustomize build fails: ")
    assert "Deployment.v1.apps/frontend.default" in failures[0] and "containers" in failures[0]
    assert failures[1] == "✗ 1 problem(s) in the repository"


# -- a malformed ImageUpdateAutomation and rollback ---------------------------------------------

AUTOMATION = "flux/image-automation/update-automation.yaml"


def break_automation(git_world) -> str:
    path = git_world.clone / AUTOMATION
    path.write_text(path.read_text().replace("  git:\n", "  git: [broken]\n  was:\n", 1))
    git(git_world.clone, "commit", "-qam", "Break the automation")
    bad = git_world.commit_file("flux/apps/frontend/extra.yaml", "a: 1\n", "Add something broken")
    git(git_world.clone, "push", "-q", "origin", "main")
    return bad


def test_a_dry_run_warns_about_a_malformed_automation_and_goes_on(gitopsctl, git_world):
    bad = break_automation(git_world)
    result = gitopsctl(f"--repo {git_world.clone} rollback {bad} --dry-run")
    assert result.exit_code == 0, result.stderr
    assert (
        f"⚠ {AUTOMATION}: ImageUpdateAutomation flux-system: spec.git must be a mapping, not a list: "
        "image automation commits may not be recognised"
    ) in result.stderr
    assert "dry run: nothing was changed" in result.stderr


def test_a_rollback_that_must_guard_the_automation_refuses_naming_the_file(gitopsctl, git_world):
    bad = break_automation(git_world)
    head = git_world.head()
    line = one_line(gitopsctl(f"--repo {git_world.clone} rollback {bad} --no-wait"))
    assert line == (
        f"✗ {AUTOMATION}: ImageUpdateAutomation flux-system: spec.git must be a mapping, not a list: the rollback "
        "cannot tell image automation commits or hold the automation back: fix that file, or pass "
        "--keep-automation to roll back without guarding it"
    )
    assert git_world.head() == head


def test_a_null_entry_in_a_list_is_named(gitopsctl, git_world):
    """Found by the long fuzz run: `containers: [null]` reached the reader as None."""
    job = git_world.clone / "flux/apps/backend-deploy/job.yaml"
    job.write_text(job.read_text().replace("      containers:\n", "      containers:\n      - null\n", 1))
    result = gitopsctl(f"--repo {git_world.clone} verify --offline")
    assert result.exit_code == 4, result.stderr
    assert (
        "✗ Kustomization flux-system/backend-deploy: the build of ./flux/apps/backend-deploy: Job backend-deploy: "
        "spec.template.spec.containers[0] must be a mapping, not empty (null)\n"
    ) in result.stderr
