from __future__ import annotations

from pathlib import Path

import pytest

from gitopsctl.config import Config, load_config, pin_fingerprint
from gitopsctl.errors import InputError
from gitopsctl.files import FileChanges

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_the_homelab_values():
    config = Config()
    assert config.registry.host == "192.168.0.40:5000"
    assert config.sealed_secrets.controller_namespace == "flux-system"
    assert config.cluster.name == "production"


def test_example_config_loads():
    config = load_config(ROOT / "examples" / "homelab")
    assert config.github.repository == "homelab-gitops"
    assert config.sealed_secrets.cert_fingerprints["production"].startswith("sha256:")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[github]\nownr = 'x'\n", "unknown key 'github.ownr'"),
        ("[githb]\nowner = 'x'\n", "unknown section [githb]"),
        ("[github]\npersonal = 'yes'\n", "'github.personal' must be a boolean"),
        ("[apps]\nnamespaces = 'default'\n", "'apps.namespaces' must be a list of strings"),
        ("[github\n", "not valid TOML"),
    ],
)
def test_bad_config_names_the_problem(tmp_path: Path, text: str, message: str):
    (tmp_path / "gitopsctl.toml").write_text(text)
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(tmp_path)


def test_pinning_keeps_comments_and_order(tmp_path: Path):
    original = "# my setup\n[github]\nowner = 'me'  # the owner\n\n[registry]\nhost = 'harbor.lan:8080'\n"
    (tmp_path / "gitopsctl.toml").write_text(original)
    changes = FileChanges()
    pin_fingerprint(tmp_path, "production", "sha256:abc", changes)
    changes.apply()
    text = (tmp_path / "gitopsctl.toml").read_text()
    assert text.startswith(original)
    assert load_config(tmp_path).sealed_secrets.cert_fingerprints == {"production": "sha256:abc"}
