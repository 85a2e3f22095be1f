"""What the real kubectl stores for a registry secret: the reference gitopsctl is compared with."""

from __future__ import annotations

import json
import subprocess


def kubectl_docker_registry_data(username: str, password: str, server: str = "192.168.0.40:5000") -> dict[str, str]:
    """The base64 `data` of `kubectl create secret docker-registry` (client-side, no cluster)."""
    result = subprocess.run(
        [
            "kubectl",
            "create",
            "secret",
            "docker-registry",
            "reference",
            "--namespace=default",
            f"--docker-server={server}",
            f"--docker-username={username}",
            f"--docker-password={password}",
            "--dry-run=client",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    data: dict[str, str] = json.loads(result.stdout)["data"]
    return data
