"""Which Flux release a repository needs: table tests on repositories written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitopsctl.flux.api_versions import required_flux

KUSTOMIZATION = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n"
HELM_RELEASE = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: redis\n"
OCI = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: podinfo\n"
GIT = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: app\n"
IMAGE_POLICY = "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n  name: web\n"
HELM_TEMPLATE = (
    'apiVersion: {{ .Values.apiVersion }}\nkind: Deployment\nmetadata:\n  name: {{ include "x.fullname" . }}\n'
)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, None),
        ({"apps/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\n"}, None),
        ({"clusters/prod/apps.yaml": KUSTOMIZATION}, ("2.0.0", "clusters/prod/apps.yaml")),
        ({"a.yaml": KUSTOMIZATION, "infra/redis.yml": HELM_RELEASE}, ("2.3.0", "infra/redis.yml")),
        # One file, several documents: the newest rule among them wins, whatever the order.
        ({"sources.yaml": f"{OCI}---\n{GIT}"}, ("2.6.0", "sources.yaml")),
        ({"a.yaml": IMAGE_POLICY, "b.yaml": OCI, "c.yaml": HELM_RELEASE}, ("2.7.0", "a.yaml")),
        # Helm chart templates are not YAML: read as text, they neither break nor count.
        ({"charts/x/templates/deploy.yaml": HELM_TEMPLATE, "k.yaml": KUSTOMIZATION}, ("2.0.0", "k.yaml")),
        # A hidden folder (.git, .github) is not part of what Flux applies.
        ({".github/flux.yaml": IMAGE_POLICY, "k.yaml": KUSTOMIZATION}, ("2.0.0", "k.yaml")),
    ],
)
def test_required_flux(tmp_path: Path, files: dict[str, str], expected: tuple[str, str] | None) -> None:
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    found = required_flux(tmp_path)
    if expected is None:
        assert found is None
        return
    assert found is not None
    assert (".".join(map(str, found.version)), found.path) == expected


def test_the_requirement_names_the_object_that_needs_it(tmp_path: Path) -> None:
    (tmp_path / "images.yaml").write_text(IMAGE_POLICY)
    assert str(required_flux(tmp_path)) == "2.7.0, which image.toolkit.fluxcd.io/v1 ImagePolicy (images.yaml) needs"


def test_the_served_table_matches_the_newest_flux_crds():
    """What the table says the newest known Flux serves is what its upstream CRDs serve, kind by kind."""
    import yaml

    from gitopsctl.flux.api_versions import NEWEST_KNOWN, SERVED, served
    from tests.harness.controlplane import CRDS

    upstream: dict[tuple[str, str], list[str]] = {}
    for path in sorted(CRDS.glob("*.toolkit.fluxcd.io_*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if crd:
                spec = crd["spec"]
                key = (spec["group"], spec["names"]["kind"])
                upstream[key] = [v["name"] for v in spec["versions"] if v.get("served")]
    assert set(upstream) == set(SERVED)
    for key, versions in upstream.items():
        assert served(*key, NEWEST_KNOWN) == versions, key


@pytest.mark.parametrize(
    ("api_version", "kind", "flux", "expected"),
    [
        ("source.toolkit.fluxcd.io/v1beta2", "OCIRepository", (2, 7, 0), ""),
        (
            "source.toolkit.fluxcd.io/v1beta2",
            "OCIRepository",
            (2, 8, 0),
            "source.toolkit.fluxcd.io/v1beta2 is not served by Flux 2.8.0: use source.toolkit.fluxcd.io/v1",
        ),
        (
            "source.toolkit.fluxcd.io/v1",
            "OCIRepository",
            (2, 5, 0),
            "needs Flux 2.6.0 or newer (checked against Flux 2.5.0)",
        ),
        (
            "helm.toolkit.fluxcd.io/v3",
            "HelmRelease",
            (2, 9, 4),
            "helm.toolkit.fluxcd.io/v3 is not a HelmRelease version Flux 2.9.4 knows: use helm.toolkit.fluxcd.io/v2",
        ),
        ("example.com/v1", "Widget", (2, 9, 4), ""),
    ],
)
def test_unserved(api_version, kind, flux, expected):
    from gitopsctl.flux.api_versions import unserved

    assert unserved(api_version, kind, flux) == expected
