"""Every upstream vector (made by bitnami/sealed-secrets' Go code) opens with gitopsctl unseal."""

from __future__ import annotations

import json

import pytest

from gitopsctl.sealing.scope import Scope
from gitopsctl.yamlfiles import dump_all, load_yaml_documents
from tests.conftest import SHARED, TEST_KEY

VECTORS = json.loads((SHARED / "testdata" / "sealed-secrets" / "vectors.json").read_text())["vectors"]


def sealed_from_vector(vector: dict) -> dict:
    metadata = {"name": vector["name"], "namespace": vector["namespace"]}
    annotations = Scope(vector["scope"]).annotations()
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "bitnami.com/v1alpha1",
        "kind": "SealedSecret",
        "metadata": metadata,
        "spec": {"encryptedData": {"value": vector["ciphertext_b64"]}, "template": {"metadata": metadata}},
    }


def test_vectors_cover_all_three_scopes():
    assert {v["scope"] for v in VECTORS} == {"strict", "namespace-wide", "cluster-wide"}


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{v['scope']}-{v['name']}" for v in VECTORS])
def test_upstream_vector_unseals(run_cli, tmp_path, vector):
    path = tmp_path / "sealed.yaml"
    path.write_text(dump_all([sealed_from_vector(vector)]))
    result = run_cli("unseal", str(path), "--private-key", str(TEST_KEY))
    assert result.exit_code == 0, result.stderr
    (secret,) = load_yaml_documents(result.stdout, "out")
    assert secret["data"]["value"] == vector["plaintext_b64"]
    assert secret["metadata"]["name"] == vector["name"]


@pytest.mark.parametrize("vector", VECTORS[:3], ids=lambda v: f"{v['scope']}-{v['name']}")
def test_a_vector_moved_to_another_name_does_not_open(run_cli, tmp_path, vector):
    moved = sealed_from_vector(vector)
    moved["metadata"]["namespace"] = "elsewhere"
    path = tmp_path / "sealed.yaml"
    path.write_text(dump_all([moved]))
    result = run_cli("unseal", str(path), "--private-key", str(TEST_KEY))
    if vector["scope"] == "cluster-wide":
        assert result.exit_code == 0
    else:
        assert result.exit_code == 2
        assert "no key could decrypt secret" in result.stderr
