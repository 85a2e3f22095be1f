"""Sealing scopes: which name and namespace a sealed value is bound to."""

from __future__ import annotations

from enum import StrEnum

ANNOTATION_PREFIX = "sealedsecrets.bitnami.com/"
NAMESPACE_WIDE = ANNOTATION_PREFIX + "namespace-wide"
CLUSTER_WIDE = ANNOTATION_PREFIX + "cluster-wide"


class Scope(StrEnum):
    STRICT = "strict"
    NAMESPACE_WIDE = "namespace-wide"
    CLUSTER_WIDE = "cluster-wide"

    def label(self, namespace: str, name: str) -> bytes:
        if self is Scope.STRICT:
            return f"{namespace}/{name}".encode()
        if self is Scope.NAMESPACE_WIDE:
            return namespace.encode()
        return b""

    def annotations(self) -> dict[str, str]:
        if self is Scope.NAMESPACE_WIDE:
            return {NAMESPACE_WIDE: "true"}
        if self is Scope.CLUSTER_WIDE:
            return {CLUSTER_WIDE: "true"}
        return {}

    @classmethod
    def from_annotations(cls, annotations: dict[str, str] | None) -> Scope:
        """As the controller reads it: exact "true", cluster-wide winning over namespace-wide."""
        annotations = annotations or {}
        if annotations.get(CLUSTER_WIDE) == "true":
            return cls.CLUSTER_WIDE
        if annotations.get(NAMESPACE_WIDE) == "true":
            return cls.NAMESPACE_WIDE
        return cls.STRICT
