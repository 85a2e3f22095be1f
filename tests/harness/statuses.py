"""The status that Flux's controllers and the controller-manager write, shaped as upstream writes it.

Shared by the harness (tests setting status as a controller would) and the fake flux CLI
(whose bootstrap stands in for the controllers it would have installed).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def condition(kind: str, status: str, reason: str, message: str = "", generation: int = 1) -> dict[str, Any]:
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message or reason,
        "lastTransitionTime": now(),
        "observedGeneration": generation,
    }


def git_repository_status(revision: str, *, ready: bool = True) -> dict[str, Any]:
    return {
        "observedGeneration": 1,
        "artifact": {
            "revision": revision,
            "digest": "sha256:" + "0" * 64,
            "path": "x",
            "url": "http://x",
            "lastUpdateTime": now(),
        },
        "conditions": [
            condition(
                "Ready",
                "True" if ready else "False",
                "Succeeded" if ready else "GitOperationFailed",
                f"stored artifact for revision '{revision}'" if ready else "auth failed",
            )
        ],
    }


def kustomization_applied_status(revision: str, inventory: list[str] | None = None) -> dict[str, Any]:
    return {
        "observedGeneration": 1,
        "lastAppliedRevision": revision,
        "lastAttemptedRevision": revision,
        "conditions": [
            condition("Ready", "True", "ReconciliationSucceeded", f"Applied revision: {revision}"),
            condition("Healthy", "True", "Succeeded", "Health check passed"),
        ],
        "inventory": {"entries": [{"id": entry, "v": "v1"} for entry in inventory or []]},
    }


def deployment_status(*, available: bool = True) -> dict[str, Any]:
    return {
        "observedGeneration": 1,
        "replicas": 1,
        "updatedReplicas": 1,
        "availableReplicas": 1 if available else 0,
        "readyReplicas": 1 if available else 0,
        "conditions": [
            {
                "type": "Available",
                "status": "True" if available else "False",
                "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                "message": "Deployment has minimum availability." if available else "not available",
                "lastUpdateTime": now(),
                "lastTransitionTime": now(),
            },
            # kstatus (helm --wait, Flux health checks) also wants the rollout finished.
            {
                "type": "Progressing",
                "status": "True",
                "reason": "NewReplicaSetAvailable",
                "message": "ReplicaSet has successfully progressed.",
                "lastUpdateTime": now(),
                "lastTransitionTime": now(),
            },
        ],
    }
