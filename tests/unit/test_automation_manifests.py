"""Which files declare an ImageUpdateAutomation: rollback, history and images read them first thing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitopsctl.flux import automation
from tests.conftest import SHARED

UPSTREAM_CRDS = SHARED / "testdata" / "flux-install" / "all-crds.yaml"
AUTOMATION = """apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation  # the bot that bumps tags
metadata:
  name: flux-system
  namespace: flux-system
spec:
  git:
    commit:
      author: {name: fluxcdbot, email: fluxcdbot@users.noreply.github.com}
"""


def test_flux_bootstraps_crds_are_not_parsed_as_automation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """gotk-components.yaml defines the ImageUpdateAutomation CRD (the kind's name appears,
    indented): it is neither an automation nor parsed; a manifest whose top-level kind it is, is."""
    shutil.copy(UPSTREAM_CRDS, tmp_path / "gotk-components.yaml")
    (tmp_path / "automation.yaml").write_text(AUTOMATION)
    parsed: list[str] = []
    load = automation.load_yaml_documents

    def spy(text: str, where: str):
        parsed.append(where)
        return load(text, where)

    monkeypatch.setattr(automation, "load_yaml_documents", spy)
    found, unreadable = automation.automation_manifests(tmp_path)
    assert [(m.name, m.author_name) for m in found] == [("flux-system", "fluxcdbot")]
    assert unreadable == []
    assert parsed == ["automation.yaml"]
