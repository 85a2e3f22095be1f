"""The wrappers in tools/ agree on one version of each Kubernetes, controller-runtime, fluxcd/pkg and
Helm module, so Go's build cache compiles each shared package once for every program."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"


def _load_align_versions():
    spec = importlib.util.spec_from_file_location("align_versions", TOOLS / "align_versions.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


align = _load_align_versions()


def test_every_wrapper_asks_for_the_same_shared_versions():
    behind = align.disagreements(align.read_all())
    assert not behind, f"run python3 tools/align_versions.py: {behind}"


def test_every_program_tools_builds_has_its_versions_here():
    wrappers = {path.name for path in align.wrappers()}
    assert {"kubernetes", "flux", "source-controller", "kustomize-controller", "helm-controller"} <= wrappers
    # Built from archives, but with our go.mod and go.sum: their versions count too.
    assert {"image-reflector-controller", "image-automation-controller"} <= wrappers


GO_MOD = """\
module example.local/tools/demo

go 1.26.0

require github.com/fluxcd/pkg/runtime v0.110.0 // direct

require (
\tk8s.io/api v0.0.0 // indirect
\tk8s.io/client-go v0.36.1 // indirect
\tgithub.com/spf13/cobra v1.10.2
)

replace k8s.io/api => k8s.io/api v0.36.3

replace (
\tgithub.com/opencontainers/go-digest => github.com/opencontainers/go-digest v1.0.1-0.20231025023718-d50d2fec9c98
\tk8s.io/client-go => ../client-go
)
"""


def test_a_replace_pinning_a_release_wins_over_the_require_line():
    assert align.shared_versions(GO_MOD) == {
        "github.com/fluxcd/pkg/runtime": "v0.110.0",
        "k8s.io/api": "v0.36.3",
        # A replace by a local folder does not name a version: the require line stands.
        "k8s.io/client-go": "v0.36.1",
    }


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("v0.36.1", "v0.36.4"),
        ("v0.36.9", "v0.36.10"),
        ("v0.110.3", "v0.111.0"),
        ("v1.0.0-rc.1", "v1.0.0"),
        ("v0.0.0-20260317180543-43fb72c5454a", "v0.0.0-20260603220949-865597e52e25"),
        ("v0.0.0-20260603220949-865597e52e25", "v0.0.1"),
    ],
)
def test_versions_are_ordered_as_go_orders_them(older, newer):
    assert align.newest({"a": {"m": older}, "b": {"m": newer}}) == {"m": newer}
    assert align.newest({"a": {"m": newer}, "b": {"m": older}}) == {"m": newer}


def test_a_wrapper_behind_is_named_with_its_version():
    versions = {
        "kubernetes": {"k8s.io/api": "v0.36.3", "k8s.io/kubernetes": "v1.36.3"},
        "flux": {"k8s.io/api": "v0.36.4"},
    }
    # k8s.io/kubernetes moves with its staging modules (v1.X.Y beside v0.X.Y), so it is not compared.
    assert align.disagreements(versions) == {"k8s.io/api": {"kubernetes": "v0.36.3"}}
