"""A command that writes the repository writes every file or none, in files that cannot collide.

Reported by the reliability issue: `a-b/c` and `a/b-c` shared `a-b-c.yaml` (the first was
overwritten, exit 0); a broken kustomization.yaml said "nothing was changed" after the sealed
file was written; Ctrl-C in a 300-Secret `seal file` left a file written but unlisted in 8 of
10 runs; a kill -9 left `.name.yaml.XXXX` files that `git add -A` commits.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitopsctl.errors import Interrupted, OperationFailed
from gitopsctl.files import FileChanges
from gitopsctl.yamlfiles import load_yaml_documents
from tests.conftest import TEST_CERT, TEST_KEY

STORE = "flux/sealed-secrets/production"
SECRET = (
    "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {namespace}\nstringData:\n  k: v{n}\n"
)


def manifest(count: int, namespace: str = "default") -> str:
    return "".join(SECRET.format(name=f"app-{n}", namespace=namespace, n=n) for n in range(count))


def listed(repo: Path) -> list[str]:
    return load_yaml_documents((repo / STORE / "kustomization.yaml").read_text(), "kustomization.yaml")[0]["resources"]


def sealed_files(repo: Path) -> set[str]:
    return {path.name for path in (repo / STORE).glob("default.app-*.yaml")}


def untracked(repo: Path) -> list[str]:
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=repo, capture_output=True, text=True, check=True
    )
    return [line[3:] for line in status.stdout.splitlines()]


def unsealed(gitopsctl, path: Path) -> dict:
    result = gitopsctl(f"unseal {path} --private-key {TEST_KEY} -o json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# -- names that cannot collide ---------------------------------------------------------------


def test_secrets_whose_old_names_collided_get_a_file_each(gitopsctl, sealing_repo):
    for name, namespace in (("c", "a-b"), ("b-c", "a")):
        result = gitopsctl(f"--repo {sealing_repo} seal generic {name} -n {namespace} --from-literal k={name}")
        assert result.exit_code == 0, result.stderr
    for file, name in (("a-b.c.yaml", "c"), ("a.b-c.yaml", "b-c")):
        assert unsealed(gitopsctl, sealing_repo / STORE / file)["metadata"]["name"] == name
    assert listed(sealing_repo)[-2:] == ["a-b.c.yaml", "a.b-c.yaml"]


def test_the_same_secret_twice_in_one_input_is_refused_before_any_write(gitopsctl, sealing_repo):
    before = untracked(sealing_repo)
    twice = SECRET.format(name="app", namespace="default", n=1) + SECRET.format(name="app", namespace="default", n=2)
    result = gitopsctl(f"--repo {sealing_repo} seal file -", input=twice)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "✗ the input has Secret default/app more than once: keep one of them (or merge their keys) and run again"
    )
    assert untracked(sealing_repo) == before


def test_a_file_named_by_an_older_version_is_found_and_replaced_in_place(gitopsctl, sealing_repo):
    assert gitopsctl(f"--repo {sealing_repo} seal generic app -n default --from-literal k=old").exit_code == 0
    store = sealing_repo / STORE
    (store / "default.app.yaml").rename(store / "default-app.yaml")
    kustomization = store / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("default.app.yaml", "default-app.yaml"))

    again = gitopsctl(f"--repo {sealing_repo} seal generic app -n default --from-literal k=new")
    assert again.exit_code == 2
    assert f"{STORE}/default-app.yaml already exists" in again.stderr

    forced = gitopsctl(f"--repo {sealing_repo} seal generic app -n default --from-literal k=new --force")
    assert forced.exit_code == 0, forced.stderr
    assert not (store / "default.app.yaml").exists()
    assert unsealed(gitopsctl, store / "default-app.yaml")["data"] == {"k": "bmV3"}
    assert listed(sealing_repo).count("default-app.yaml") == 1


def test_an_old_name_that_holds_another_secret_is_left_alone(gitopsctl, sealing_repo):
    # default-app.yaml was also the old name of Secret "ault-app" in namespace "def".
    assert gitopsctl(f"--repo {sealing_repo} seal generic ault-app -n def --from-literal k=theirs").exit_code == 0
    store = sealing_repo / STORE
    (store / "def.ault-app.yaml").rename(store / "default-app.yaml")
    result = gitopsctl(f"--repo {sealing_repo} seal generic app -n default --from-literal k=ours")
    assert result.exit_code == 0, result.stderr
    assert unsealed(gitopsctl, store / "default-app.yaml")["metadata"]["namespace"] == "def"
    assert unsealed(gitopsctl, store / "default.app.yaml")["metadata"]["namespace"] == "default"


def test_a_hand_written_file_under_the_new_name_is_not_overwritten(gitopsctl, sealing_repo):
    (sealing_repo / STORE / "default.app.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    result = gitopsctl(f"--repo {sealing_repo} seal generic app -n default --from-literal k=v --force")
    assert result.exit_code == 2
    assert "holds something other than the SealedSecret default/app" in result.stderr
    assert "ConfigMap" in (sealing_repo / STORE / "default.app.yaml").read_text()


# -- one transaction ---------------------------------------------------------------------------


def test_a_failing_last_write_puts_every_earlier_file_back(tmp_path):
    kept = tmp_path / "kept.yaml"
    kept.write_bytes(b"\xef\xbb\xbfold: bytes\r\n")
    kept.chmod(0o600)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder is needed")
    changes = FileChanges()
    changes.write(kept, "new: text\n")
    changes.write(tmp_path / "new" / "deep" / "file.yaml", "x: y\n")
    changes.write(blocker / "kustomization.yaml", "resources: []\n")
    with pytest.raises(OperationFailed) as failed:
        changes.apply()
    assert str(failed.value) == (
        f"could not write {blocker} (File exists); 2 of 3 file(s) written, "
        "then rolled back: nothing was changed: fix the folder's permissions or free space, then run again"
    )
    assert kept.read_bytes() == b"\xef\xbb\xbfold: bytes\r\n"
    assert kept.stat().st_mode & 0o777 == 0o600
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kept.yaml", "not-a-folder"]


def test_ctrl_c_between_writes_puts_them_back_and_says_so(tmp_path):
    changes = FileChanges()
    for n in range(5):
        changes.write(tmp_path / f"{n}.yaml", "x: y\n")

    def interrupt_after_the_third(path: Path) -> None:
        if path.name == "2.yaml":
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as interrupted:
        changes.apply(on_written=interrupt_after_the_third)
    assert str(interrupted.value) == "interrupted: 3 of 5 file(s) written, then rolled back: nothing was changed"
    assert list(tmp_path.iterdir()) == []


def test_a_kustomization_that_cannot_take_the_entry_stops_the_command_before_any_write(gitopsctl, sealing_repo):
    (sealing_repo / STORE / "kustomization.yaml").write_text("resources: [unclosed\n")
    before = untracked(sealing_repo)
    result = gitopsctl(f"--repo {sealing_repo} seal file -", input=manifest(3))
    assert result.exit_code == 2
    assert "kustomization.yaml: not valid YAML" in result.stderr
    assert untracked(sealing_repo) == before


# -- interrupted and killed processes ----------------------------------------------------------


def start_seal(repo: Path, count: int) -> subprocess.Popen[bytes]:
    source = repo.parent / f"secrets-{count}.yaml"  # outside the repository
    if not source.exists():
        source.write_text(manifest(count))
    return subprocess.Popen(
        [sys.executable, "-m", "gitopsctl", "--repo", str(repo), "seal", "file", str(source), "--cert", str(TEST_CERT)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def interrupt_seals(repo: Path, iterations: int, *, count: int = 300) -> dict[str, int]:
    """Ctrl-C a `seal file` of ``count`` Secrets at random moments; after each, the store holds all of
    them or none, every listed file exists, and nothing is left that `git add -A` would pick up."""
    outcomes = {"finished": 0, "rolled back": 0, "before writing": 0, "after writing": 0}
    randomness = random.Random(iterations)
    clean = untracked(repo)
    kustomization = repo / STORE / "kustomization.yaml"
    original_listing = kustomization.read_bytes()
    for _ in range(iterations):
        process = start_seal(repo, count)
        time.sleep(randomness.uniform(0.1, 0.8))
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        text = stderr.decode()
        files, entries = sealed_files(repo), [e for e in listed(repo) if e.startswith("default.app-")]
        assert set(entries) == files, text
        assert len(files) in (0, count), text
        # Died of the signal after its last word (the interpreter was shutting down): the same as 0.
        if process.returncode == 0 or (process.returncode == -signal.SIGINT and text.rstrip().endswith("next sync")):
            outcomes["finished"] += 1
            assert len(files) == count
        else:
            assert process.returncode == 130, text
            last = text.splitlines()[-1]
            if "complete" in last:  # after the last write: what it says is what happened
                outcomes["after writing"] += 1
                assert last == f"✗ interrupted after all {count + 1} file(s) were written: the change is complete"
                assert len(files) == count
            elif "rolled back" in last:
                outcomes["rolled back"] += 1
                assert last.startswith("✗ interrupted: ") and last.endswith(" then rolled back: nothing was changed")
                assert files == set()
            else:
                outcomes["before writing"] += 1
                assert last == "✗ interrupted"
                assert files == set()
        reset(repo, files, original_listing, clean)
    return outcomes


def reset(repo: Path, files: set[str], original_listing: bytes, clean: list[str]) -> None:
    assert not [name for name in untracked(repo) if Path(name).name.startswith(".")]
    for name in files:
        (repo / STORE / name).unlink()
    (repo / STORE / "kustomization.yaml").write_bytes(original_listing)
    assert untracked(repo) == clean


def test_ctrl_c_during_a_300_secret_seal_leaves_all_or_nothing(sealing_repo):
    interrupt_seals(sealing_repo, 3)


@pytest.mark.slow
def test_ctrl_c_during_a_300_secret_seal_leaves_all_or_nothing_many_times(sealing_repo):
    outcomes = interrupt_seals(sealing_repo, 60)
    # The check is only worth something if some interrupts landed among the writes.
    assert outcomes["rolled back"] > 0, outcomes


def test_kill_9_during_writes_leaves_no_file_that_git_add_would_pick_up(gitopsctl, sealing_repo):
    randomness = random.Random(9)
    for _ in range(3):
        process = start_seal(sealing_repo, 300)
        time.sleep(randomness.uniform(0.2, 0.8))
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
        assert not [name for name in untracked(sealing_repo) if Path(name).name.startswith(".")]
    # The next command that takes the lock sweeps what the killed ones left in the git directory.
    assert gitopsctl(f"--repo {sealing_repo} seal generic swept -n default --from-literal k=v --force").exit_code == 0
    assert list((sealing_repo / ".git" / "gitopsctl-tmp").iterdir()) == []
