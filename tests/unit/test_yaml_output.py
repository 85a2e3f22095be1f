"""YAML as Kubernetes tools write it: sorted keys, a string quoted only when it would read as something else."""

from __future__ import annotations

import pytest

from gitopsctl.yamlfiles import dump, dump_all, load_yaml_documents


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("plain", "plain"),
        ("robot$homelab+ci", '"robot$homelab+ci"'),
        ("true", '"true"'),
        ("on", '"on"'),
        ("0123", '"0123"'),
        ("1e3", '"1e3"'),
        ("1.0", '"1.0"'),
        ("", '""'),
        ("a: b", '"a: b"'),
        ("trailing ", '"trailing "'),
        ("main@sha1:abc", '"main@sha1:abc"'),
        ("sha256:0f", '"sha256:0f"'),
        (True, "true"),
        (3, "3"),
        (None, "null"),
    ],
)
def test_a_scalar_reads_back_as_itself(value, written):
    text = dump({"k": value})
    assert text == f"k: {written}\n"
    assert load_yaml_documents(text, "t") == [{"k": value}]


def test_nesting_as_kubectl_writes_it():
    document = {"spec": {"template": {"metadata": {"name": "app"}}, "list": [{"a": 1, "b": [2]}, "x"], "empty": []}}
    assert dump(document) == (
        "spec:\n  empty: []\n  list:\n  - a: 1\n    b:\n    - 2\n  - x\n  template:\n    metadata:\n      name: app\n"
    )


def test_each_document_is_preceded_by_a_separator():
    assert dump_all([{"a": 1}, {"b": 2}]) == "---\na: 1\n---\nb: 2\n"
