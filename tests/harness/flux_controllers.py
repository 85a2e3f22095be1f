"""Flux's source-controller and kustomize-controller (and, when asked, helm-controller and the
image-reflector- and image-automation-controller), built from source, run as local processes against a local API
server: real fetches, real builds, real applies, real scans, real commits, real status."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field

import requests

from tests.harness.controlplane import BIN, ControlPlane, ensure_built, free_port


@dataclass
class FluxControllers:
    plane: ControlPlane
    namespace: str = "flux-system"
    images: bool = False
    helm: bool = False
    health: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self) -> FluxControllers:
        ensure_built("flux-controllers", "kustomize-controller", "the Flux controllers")
        storage = free_port()
        artifacts = self.plane.workdir / "artifacts"
        artifacts.mkdir(exist_ok=True)  # source-controller refuses a storage path that does not exist
        env = {**os.environ, "KUBECONFIG": str(self.plane.kubeconfig), "RUNTIME_NAMESPACE": self.namespace}
        common = ["--watch-all-namespaces=true", "--log-level=info", "--log-encoding=json"]
        self.health = {"source-controller": free_port(), "kustomize-controller": free_port()}
        self._spawn(
            "source-controller",
            [
                f"--storage-path={artifacts}",
                f"--storage-addr=127.0.0.1:{storage}",
                f"--storage-adv-addr=127.0.0.1:{storage}",
            ],
            common,
            env,
        )
        # A Kustomization whose dependency is not ready yet is looked at again after this long
        # (30s by default): short here, as every interval in the test world.
        self._spawn("kustomize-controller", ["--no-remote-bases", "--requeue-dependency=2s"], common, env)
        if self.helm:
            self.health["helm-controller"] = free_port()
            self._spawn("helm-controller", ["--requeue-dependency=2s"], common, env)
        if self.images:
            self.start_image_controllers()
        self._wait_healthy()
        return self

    def start_image_controllers(self) -> None:
        ensure_built("image-controllers", "image-automation-controller", "the Flux image controllers")
        env = {**os.environ, "KUBECONFIG": str(self.plane.kubeconfig), "RUNTIME_NAMESPACE": self.namespace}
        common = ["--watch-all-namespaces=true", "--log-level=info", "--log-encoding=json"]
        database = self.plane.workdir / "image-tags"
        database.mkdir(exist_ok=True)
        for name in ("image-reflector-controller", "image-automation-controller"):
            self.health[name] = free_port()
        # Badger maps its value log into memory: 16 MiB instead of 256 is plenty for a few tags.
        self._spawn(
            "image-reflector-controller",
            [f"--storage-path={database}", f"--storage-value-log-file-size={16 << 20}"],
            common,
            env,
        )
        self._spawn("image-automation-controller", [], common, env)

    def _spawn(self, name: str, args: list[str], common: list[str], env: dict[str, str]) -> None:
        argv = [
            str(BIN / name),
            *args,
            *common,
            f"--metrics-addr=127.0.0.1:{free_port()}",
            f"--health-addr=127.0.0.1:{self.health[name]}",
        ]
        log = open(self.plane.workdir / "logs" / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.plane.processes.append(process)
        self.processes[name] = process

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)

    def _wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for name, port in self.health.items():
            while True:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{self.plane.log_tail()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} not ready after {timeout}s:\n{self.plane.log_tail()}")
                time.sleep(0.2)
