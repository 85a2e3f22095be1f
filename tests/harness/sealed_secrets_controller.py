"""The real Sealed Secrets controller, run the way it runs in a pod.

It only knows in-cluster configuration: a service account token and CA under
/var/run/secrets/kubernetes.io/serviceaccount and KUBERNETES_SERVICE_HOST/PORT. A private
mount namespace gives it those files without touching the host, and the test network gives
it an address the API server's service proxy will forward to (it refuses loopback).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.harness.controlplane import BIN, ControlPlane
from tests.harness.network import IsolatedNetwork

NAME = "sealed-secrets-controller"
NAMESPACE = "flux-system"
PORT = 8080


@dataclass
class SealedSecretsController:
    plane: ControlPlane
    network: IsolatedNetwork

    @property
    def url(self) -> str:
        return f"http://{self.network.namespace_ip}:{PORT}"

    def start(self) -> SealedSecretsController:
        plane = self.plane
        plane.kubectl("create", "serviceaccount", NAME, "-n", NAMESPACE)
        # The chart's RBAC is narrower; the tests exercise gitopsctl, not the chart.
        plane.kubectl(
            "create", "clusterrolebinding", NAME, "--clusterrole=cluster-admin", f"--serviceaccount={NAMESPACE}:{NAME}"
        )
        spawn_in_pod_network(plane, self.network, self.network.namespace_ip)
        self._service()
        self._wait_healthy()
        return self

    def _service(self) -> None:
        publish_service(self.plane, self.network.namespace_ip)

    def _wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/v1/cert.pem", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the Sealed Secrets controller did not come up:\n{self.plane.log_tail()}")

    def keys_dir(self, into: Path) -> list[Path]:
        """The controller's private keys (its backup), for offline unsealing in tests."""
        import base64
        import json

        secrets = json.loads(
            self.plane.kubectl(
                "get", "secrets", "-n", NAMESPACE, "-l", "sealedsecrets.bitnami.com/sealed-secrets-key", "-o", "json"
            ).stdout
        )
        paths = []
        for index, item in enumerate(secrets["items"]):
            path = into / f"key-{index}.pem"
            path.write_bytes(base64.b64decode(item["data"]["tls.key"]))
            paths.append(path)
        return paths


def spawn_in_pod_network(
    plane: ControlPlane, network: IsolatedNetwork, ip: str, extra_args: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    """The controller as a pod runs it: listening on ``ip`` inside the test network, with the
    service account's token (the chart's, or the test's) where in-cluster clients look for it."""
    token = plane.kubectl("create", "token", NAME, "-n", NAMESPACE, "--duration=6h").stdout.strip()
    account = plane.workdir / f"serviceaccount-{ip}"
    account.mkdir(exist_ok=True)  # kwok may give a replaced Pod an address an earlier one had
    (account / "token").write_text(token)
    (account / "ca.crt").write_bytes((plane.workdir / "pki" / "ca.crt").read_bytes())
    (account / "namespace").write_text(NAMESPACE)
    mounts = (
        "mount -t tmpfs tmpfs /run && mkdir -p /run/secrets/kubernetes.io/serviceaccount && "
        f"mount --bind {shlex.quote(str(account))} /run/secrets/kubernetes.io/serviceaccount && "
        f"exec {shlex.quote(str(BIN / NAME))} --listen-addr={ip}:{PORT} "
        f"--listen-metrics-addr={ip}:{PORT + 1} --key-renew-period=0 {shlex.join(extra_args)}"
    )
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "KUBERNETES_SERVICE_HOST": plane.address,
        "KUBERNETES_SERVICE_PORT": str(plane.port),
        "POD_NAMESPACE": NAMESPACE,
    }
    log = open(plane.workdir / "logs" / f"{NAME}-{ip}.log", "ab")  # noqa: SIM115 - closed with the process
    argv = ["ip", "netns", "exec", network.name, "unshare", "-m", "--propagation", "private", "sh", "-c", mounts]
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    plane.processes.append(process)
    return process


@dataclass
class ControllerBehindTheChart:
    """Runs the real controller for the Pod the Sealed Secrets chart's Deployment gets.

    kwok gives the Pod an address from the test network's pod CIDR and calls it Running; this
    supervisor then makes that address the network's and starts the controller on it, so the
    chart's own Service and the EndpointSlice the controllers made lead to a real controller.
    A replaced Pod (a new address) gets a new process: "restart the controller" means that.
    """

    plane: ControlPlane
    network: IsolatedNetwork
    current: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Cleared, the Pod's process is not started (a controller that never comes up).
    enabled: threading.Event = field(default_factory=threading.Event)
    # Flags the next Pod's process starts with, as if the chart's values had changed.
    extra_args: tuple[str, ...] = ()

    def start(self) -> ControllerBehindTheChart:
        self.enabled.set()
        self._stopped = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped.set()

    def _watch(self) -> None:
        while not self._stopped.wait(0.2):
            result = self.plane.kubectl(
                "get", "pods", "-n", NAMESPACE, "-l", "app.kubernetes.io/name=sealed-secrets",
                "-o", "jsonpath={.items[*].status.podIP}", check=False,
            )  # fmt: skip
            addresses = set(result.stdout.split()) if result.returncode == 0 else set()
            for ip in set(self.current) - addresses:
                with contextlib.suppress(ProcessLookupError):  # it ended on its own
                    os.killpg(self.current.pop(ip).pid, signal.SIGTERM)
            for ip in addresses - set(self.current) if self.enabled.is_set() else ():
                self.network.add_address(ip)
                self.current[ip] = spawn_in_pod_network(self.plane, self.network, ip, self.extra_args)


def publish_service(plane: ControlPlane, ip: str, *, name: str = NAME, namespace: str = NAMESPACE) -> None:
    """A Service whose endpoint is ``ip``: the API server proxies only to addresses that belong
    to a Pod, so a Pod object stands for the process listening there and carries its address."""
    pod = f"{name}-0"
    plane.kubectl(
        "apply",
        "-f",
        "-",
        stdin=f"""apiVersion: v1
kind: Pod
metadata: {{name: {pod}, namespace: {namespace}, labels: {{app: {name}}}}}
spec:
  containers: [{{name: controller, image: "docker.io/bitnami/sealed-secrets-controller:0.38.4"}}]
""",
    )
    plane.kubectl(
        "patch",
        "pod",
        pod,
        "-n",
        namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        f'{{"status": {{"phase": "Running", "podIP": "{ip}", "podIPs": [{{"ip": "{ip}"}}]}}}}',
    )
    plane.kubectl(
        "apply",
        "-f",
        "-",
        stdin=_service(name, namespace)
        + f"""apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: {name}-test
  namespace: {namespace}
  labels: {{kubernetes.io/service-name: {name}}}
addressType: IPv4
ports: [{{name: http, port: {PORT}, protocol: TCP}}]
endpoints:
- addresses: ["{ip}"]
  conditions: {{ready: true}}
  targetRef: {{kind: Pod, name: {pod}, namespace: {namespace}}}
---
apiVersion: v1
kind: Endpoints
metadata: {{name: {name}, namespace: {namespace}}}
subsets:
- addresses: [{{ip: "{ip}", targetRef: {{kind: Pod, name: {pod}, namespace: {namespace}}}}}]
  ports: [{{name: http, port: {PORT}}}]
""",
    )


def publish_unreachable_service(plane: ControlPlane, *, name: str = NAME, namespace: str = NAMESPACE) -> None:
    """The controller's Service with no endpoint the API server can reach: its proxy answers 503.

    As the endpoints controller leaves it when no pod is ready, or as a NetworkPolicy that keeps
    the node out looks from the proxy: an Endpoints object, empty.
    """
    plane.kubectl(
        "apply",
        "-f",
        "-",
        stdin=_service(name, namespace)
        + f"apiVersion: v1\nkind: Endpoints\nmetadata: {{name: {name}, namespace: {namespace}}}\n",
    )


def _service(name: str, namespace: str) -> str:
    return f"""apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  ports: [{{name: http, port: {PORT}, targetPort: {PORT}}}]
---
"""
