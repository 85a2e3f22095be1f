"""Atomic writes: the old file or the new one, never a half-written one or a stray temporary."""

from __future__ import annotations

import os

import pytest

from gitopsctl.files import write_atomically


def test_a_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "deep" / "file.yaml"
    write_atomically(target, "one\n")
    write_atomically(target, "two\n", mode=0o600)
    assert target.read_text() == "two\n" and (target.stat().st_mode & 0o777) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.yaml"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "file.yaml"
    target.write_text("old\n")

    def refuse(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, "new\n")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.yaml"]
