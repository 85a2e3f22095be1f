"""A Helm chart repository on loopback: the real `sealed-secrets` chart from the controller's
module (start_upstream), or a small stand-in with the parts gitopsctl relies on (the Service
named by fullnameOverride with an `http` port, a Deployment) for the tests that need several
versions of it (start). Both packaged and indexed by the real helm.
"""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

from tests.harness.controlplane import GO
from tests.harness.http import LoopbackServer

ROOT = Path(__file__).resolve().parents[2]

CHART_YAML = """apiVersion: v2
name: sealed-secrets
description: Stand-in for the Bitnami Sealed Secrets chart (tests only)
version: {version}
appVersion: 0.38.4
"""
TEMPLATE = """{{{{- $name := .Values.fullnameOverride | default .Release.Name }}}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ $name }}}}
  namespace: {{{{ .Release.Namespace }}}}
  labels: {{app.kubernetes.io/name: sealed-secrets}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app.kubernetes.io/name: sealed-secrets}}}}
  template:
    metadata: {{labels: {{app.kubernetes.io/name: sealed-secrets}}}}
    spec:
      containers:
      - name: controller
        image: docker.io/bitnami/sealed-secrets-controller:0.38.4
        ports: [{{name: http, containerPort: 8080}}]
---
apiVersion: v1
kind: Service
metadata:
  name: {{{{ $name }}}}
  namespace: {{{{ .Release.Namespace }}}}
spec:
  selector: {{app.kubernetes.io/name: sealed-secrets}}
  ports: [{{name: http, port: 8080, targetPort: http}}]
"""


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class ChartRepository:
    root: Path

    def start(self, versions: tuple[str, ...] = ("2.19.1",)) -> ChartRepository:
        self.root.mkdir(parents=True, exist_ok=True)
        for version in versions:
            source = self.root.parent / f"chart-src-{version}" / "sealed-secrets"
            (source / "templates").mkdir(parents=True, exist_ok=True)
            (source / "Chart.yaml").write_text(CHART_YAML.format(version=version))
            (source / "values.yaml").write_text('fullnameOverride: ""\n')
            (source / "templates" / "controller.yaml").write_text(TEMPLATE.format())
            self._package(source)
        return self._serve()

    def start_upstream(self, version: str = "2.19.1") -> ChartRepository:
        """Serve the real Sealed Secrets chart (helm/sealed-secrets of the module whose controller
        tools/build.sh builds), packaged as the version gitopsctl pins, for the controller's version."""
        self.root.mkdir(parents=True, exist_ok=True)
        wrapper = ROOT / "tools" / "sealed-secrets"
        found = subprocess.run(
            [GO or "go", "list", "-m", "-f", "{{.Version}} {{.Dir}}", "github.com/bitnami/sealed-secrets"],
            cwd=wrapper, capture_output=True, text=True, check=True, timeout=120,
        ).stdout.split()  # fmt: skip
        app_version, module = found[0].removeprefix("v"), Path(found[1])
        subprocess.run(
            ["helm", "package", str(module / "helm" / "sealed-secrets"), "-d", str(self.root),
             f"--version={version}", f"--app-version={app_version}"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        return self._serve()

    def add_chart(self, name: str, version: str, templates: dict[str, str], values: str = "") -> None:
        """Package one more chart into the served repository and index it again, as a chart
        repository's CI publishes a release."""
        source = self.root.parent / f"chart-src-{name}-{version}" / name
        (source / "templates").mkdir(parents=True, exist_ok=True)
        (source / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: {version}\nappVersion: {version}\n")
        (source / "values.yaml").write_text(values)
        for file, text in templates.items():
            (source / "templates" / file).write_text(text)
        subprocess.run(
            ["helm", "package", str(source), "-d", str(self.root)], check=True, capture_output=True, timeout=60
        )
        self._index()

    def _serve(self) -> ChartRepository:
        self._server = LoopbackServer(functools.partial(QuietFiles, directory=str(self.root)))
        self.url = self._server.url
        self._index()
        return self

    def _package(self, source: Path) -> None:
        subprocess.run(
            ["helm", "package", str(source), "-d", str(self.root)], check=True, capture_output=True, timeout=60
        )

    def _index(self) -> None:
        subprocess.run(
            ["helm", "repo", "index", str(self.root), "--url", self.url], check=True, capture_output=True, timeout=60
        )

    def stop(self) -> None:
        self._server.stop()
