"""Flux objects in the real API server, with the status their controllers would write.

No controller runs in the API-server stage, so tests write status through the status
subresource exactly as source-, kustomize- and image-controllers would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests

from tests.harness.controlplane import ControlPlane
from tests.harness.statuses import (
    condition,
    deployment_status,
    git_repository_status,
    kustomization_applied_status,
    now,
)

COMPONENTS = (
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
    "image-reflector-controller",
    "image-automation-controller",
)
EXAMPLE_KUSTOMIZATIONS = {
    "sealed-secrets": [],
    "frontend": ["sealed-secrets"],
    "image-automation": ["sealed-secrets"],
    "ingress": ["frontend"],
    "backend-deploy": ["frontend"],
}
PATHS = {
    "kustomizations": "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/{ns}/kustomizations/{name}",
    "gitrepositories": "/apis/source.toolkit.fluxcd.io/v1/namespaces/{ns}/gitrepositories/{name}",
    "imageupdateautomations": "/apis/image.toolkit.fluxcd.io/v1/namespaces/{ns}/imageupdateautomations/{name}",
    "sealedsecrets": "/apis/bitnami.com/v1alpha1/namespaces/{ns}/sealedsecrets/{name}",
    "deployments": "/apis/apps/v1/namespaces/{ns}/deployments/{name}",
    "jobs": "/apis/batch/v1/namespaces/{ns}/jobs/{name}",
}


@dataclass
class FluxWorld:
    plane: ControlPlane

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        # verify per request: a session's verify loses to REQUESTS_CA_BUNDLE in the environment.
        pki = self.plane.workdir / "pki"
        response = requests.request(
            method,
            self.plane.server + path,
            verify=str(pki / "ca.crt"),
            cert=(str(pki / "admin.crt"), str(pki / "admin.key")),
            timeout=10,
            **kwargs,
        )
        response.raise_for_status()
        return response

    def apply(self, manifests: str) -> None:
        self.plane.kubectl("apply", "-f", "-", stdin=manifests)

    def get(self, resource: str, namespace: str, name: str) -> dict[str, Any]:
        return dict(self._request("GET", PATHS[resource].format(ns=namespace, name=name)).json())

    def set_status(self, resource: str, namespace: str, name: str, status: dict[str, Any]) -> None:
        self._request(
            "PATCH",
            PATHS[resource].format(ns=namespace, name=name) + "/status",
            data=json.dumps({"status": status}),
            headers={"Content-Type": "application/merge-patch+json"},
        )

    # -- building blocks ------------------------------------------------------------------
    def controllers(self, *, sealed_secrets: bool = True) -> None:
        names = [*COMPONENTS, *(["sealed-secrets-controller"] if sealed_secrets else [])]
        self.apply("".join(_deployment(name, "flux-system") for name in names))
        for name in names:
            self.deployment_available(name, "flux-system")

    def deployment_available(self, name: str, namespace: str, available: bool = True) -> None:
        self.set_status("deployments", namespace, name, deployment_status(available=available))

    def git_repository(self, url: str, sha: str, *, ready: bool = True) -> None:
        self.apply(f"""apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: flux-system, namespace: flux-system}}
spec: {{interval: 1m, url: "{url}", ref: {{branch: main}}, secretRef: {{name: flux-system}}}}
---
""")
        self.source_at(sha, ready=ready)

    def source_at(self, sha: str, *, ready: bool = True) -> None:
        self.set_status(
            "gitrepositories", "flux-system", "flux-system", git_repository_status(f"main@sha1:{sha}", ready=ready)
        )

    def kustomizations(self, graph: dict[str, list[str]] | None = None, *, health_checked: bool = True) -> None:
        graph = graph if graph is not None else EXAMPLE_KUSTOMIZATIONS
        documents = []
        for name, deps in graph.items():
            depends = "".join(f"\n  - name: {d}" for d in deps)
            checks = ""
            if name == "frontend" and health_checked:
                checks = (
                    "\n  healthChecks:\n  - apiVersion: apps/v1\n    kind: Deployment\n    name: frontend\n"
                    "    namespace: default\n  timeout: 5m"
                )
            documents.append(f"""apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  interval: 5m
  path: ./flux/{name}
  prune: true
  sourceRef: {{kind: GitRepository, name: flux-system}}
  dependsOn:{depends or " []"}{checks}
---
""")
        self.apply("".join(documents))

    def kustomization_applied(self, name: str, sha: str, *, inventory: list[str] | None = None) -> None:
        self.set_status(
            "kustomizations", "flux-system", name, kustomization_applied_status(f"main@sha1:{sha}", inventory)
        )

    def kustomization_failed(
        self,
        name: str,
        reason: str,
        message: str,
        *,
        applied: str = "",
        attempted: str = "",
        healthy: str | None = None,
    ) -> None:
        conditions = [condition("Ready", "False", reason, message)]
        if healthy is not None:
            conditions.append(condition("Healthy", healthy, "HealthCheckFailed", message))
        self.set_status(
            "kustomizations",
            "flux-system",
            name,
            {
                "observedGeneration": 1,
                "conditions": conditions,
                "lastAppliedRevision": f"main@sha1:{applied}" if applied else "",
                "lastAttemptedRevision": f"main@sha1:{attempted}" if attempted else "",
            },
        )

    def workloads(self) -> None:
        self.apply(
            _deployment("frontend", "default")
            + """apiVersion: batch/v1
kind: Job
metadata: {name: backend-deploy, namespace: default}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: deploy, image: alpine:3.22}]
---
"""
        )
        self.deployment_available("frontend", "default")
        self.set_status(
            "jobs",
            "default",
            "backend-deploy",
            {
                "succeeded": 1,
                "startTime": now(),
                "completionTime": now(),
                "conditions": [
                    {"type": "SuccessCriteriaMet", "status": "True", "lastTransitionTime": now()},
                    {"type": "Complete", "status": "True", "lastTransitionTime": now()},
                ],
            },
        )

    def image_automation(self, *, suspended: bool = False) -> None:
        """The example's ImageUpdateAutomation, for the rollback guard to suspend. Only the real
        image controllers write image objects' status (tests/e2e/test_image_automation.py), so
        the ImageRepository and ImagePolicy, which are unhealthy until scanned, are not here."""
        self.apply(f"""apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata: {{name: flux-system, namespace: flux-system}}
spec:
  interval: 10m
  suspend: {str(suspended).lower()}
  sourceRef: {{kind: GitRepository, name: flux-system}}
  git:
    commit: {{author: {{name: fluxcdbot, email: fluxcdbot@users.noreply.github.com}}}}
    push: {{branch: main}}
  update: {{path: ./flux/apps, strategy: Setters}}
---
""")

    def of_every_kind(self, count: int) -> None:
        """``count`` objects spread over the sources, HelmReleases and Kustomizations a public
        Flux repository creates (no status: only how many reads verify needs is at stake)."""
        shapes = (
            ("source.toolkit.fluxcd.io/v1", "GitRepository", "{url: 'https://git.lan/app.git', interval: 1m}"),
            ("source.toolkit.fluxcd.io/v1", "OCIRepository", "{url: 'oci://registry.lan/app', interval: 1m}"),
            ("source.toolkit.fluxcd.io/v1", "HelmRepository", "{url: 'https://charts.lan', interval: 1h}"),
            ("source.toolkit.fluxcd.io/v1", "HelmChart",
             "{chart: app, interval: 1h, sourceRef: {kind: HelmRepository, name: charts}}"),
            ("source.toolkit.fluxcd.io/v1", "Bucket", "{bucketName: app, endpoint: minio.lan, interval: 1h}"),
            ("helm.toolkit.fluxcd.io/v2", "HelmRelease",
             "{interval: 1h, chart: {spec: {chart: app, sourceRef: {kind: HelmRepository, name: charts}}}}"),
            ("kustomize.toolkit.fluxcd.io/v1", "Kustomization",
             "{interval: 1h, prune: true, sourceRef: {kind: OCIRepository, name: app-1}}"),
        )  # fmt: skip
        documents = []
        for number in range(count):
            api_version, kind, spec = shapes[number % len(shapes)]
            documents.append(
                f"apiVersion: {api_version}\nkind: {kind}\n"
                f"metadata: {{name: {kind.lower()}-{number}, namespace: flux-system}}\nspec: {spec}\n---\n"
            )
        self.apply("".join(documents))

    def healthy(self, url: str, sha: str) -> None:
        """The home-lab setup, fully reconciled at ``sha``."""
        self.controllers()
        self.git_repository(url, sha)
        self.kustomizations()
        self.workloads()
        self.image_automation()
        for name in EXAMPLE_KUSTOMIZATIONS:
            inventory = ["default_backend-deploy_batch_Job"] if name == "backend-deploy" else []
            self.kustomization_applied(name, sha, inventory=inventory)


def _deployment(name: str, namespace: str) -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
  labels: {{app.kubernetes.io/part-of: flux}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers: [{{name: manager, image: "registry.local/{name}:v1"}}]
---
"""
