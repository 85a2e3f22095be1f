"""What a rollback writes into Git, and how it reads git's refusals."""

from __future__ import annotations

import pytest

from gitopsctl.git import Commit, is_non_fast_forward, rejection_reason
from gitopsctl.rollback.revert import revert_message

SHA, PARENT = "c0ffee" + "0" * 34, "beef" + "1" * 36


@pytest.mark.parametrize(
    ("parents", "reason", "message"),
    [
        ((PARENT,), "", f'Revert "Bump the frontend"\n\nThis reverts commit {SHA}.\n\nRollback-Of: {SHA}\n'),
        (
            (PARENT,),
            "500s after the bump",
            f'Revert "Bump the frontend"\n\nThis reverts commit {SHA}.\n\nReason: 500s after the bump\n\n'
            f"Rollback-Of: {SHA}\n",
        ),
        (
            (PARENT, "f" * 40),
            "",
            f'Revert "Bump the frontend"\n\nThis reverts commit {SHA}. (mainline {PARENT[:8]})\n\nRollback-Of: {SHA}\n',
        ),
    ],
    ids=["plain", "with-reason", "merge"],
)
def test_the_revert_message(parents, reason, message):
    commit = Commit(SHA, parents, "bot", "bot@example.test", "2026-11-27T12:00:00Z", "Bump the frontend", "")
    assert revert_message(commit, reason) == message


REMOTE_MOVED = (
    "To github.com:o/r.git\n ! [rejected]        HEAD -> main (fetch first)\n"
    "error: failed to push some refs to 'github.com:o/r.git'\n"
)
HOOK_REFUSED = (
    "remote: protected branch: pushes need a review\nTo github.com:o/r.git\n"
    " ! [remote rejected] HEAD -> main (pre-receive hook declined)\nerror: failed to push some refs\n"
)


@pytest.mark.parametrize(
    ("stderr", "moved", "reason"),
    [
        (REMOTE_MOVED, True, "[rejected]        HEAD -> main (fetch first)"),
        (" ! [rejected] HEAD -> main (non-fast-forward)\n", True, "[rejected] HEAD -> main (non-fast-forward)"),
        (HOOK_REFUSED, False, "[remote rejected] HEAD -> main (pre-receive hook declined)"),
        ("fatal: could not read from remote repository\n", False, "fatal: could not read from remote repository"),
        ("", False, "no reason given"),
    ],
    ids=["fetch-first", "non-fast-forward", "hook", "unreachable", "silent"],
)
def test_a_push_rejection_is_read(stderr, moved, reason):
    assert is_non_fast_forward(stderr) is moved
    assert rejection_reason(stderr) == reason
