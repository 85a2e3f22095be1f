"""A real control plane on loopback: etcd and kube-apiserver built from source (tools/build.sh),
and on request (``workloads=True``) kube-controller-manager, kube-scheduler and kwok, so that
Deployments, ReplicaSets, Jobs and Pods get their status from the real controllers and Pods
run (Ready, on one fake node) without a kubelet. Every process is stopped on exit, also when a
test fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness.pki import make_pki

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("GITOPSCTL_E2E_CACHE", Path.home() / ".cache" / "gitopsctl-e2e"))
BIN = CACHE / "bin"
# helm, kubeseal and the registry (tools/build.sh test-tools), per checkout.
TOOLS_BIN = Path(os.environ.get("GITOPSCTL_TOOLS_DIR", ROOT / ".tools")) / "bin"
SHARED = ROOT.parent / "shared"
CRDS = SHARED / "testdata" / "crds"
# kwok's "fast" stages (the kwok module's kustomize/stage/fast): Pods become Running and Ready
# at once, a Job's Pods complete, and the node keeps its lease.
KWOK_STAGES = SHARED / "testdata" / "flux-install" / "kwok-stages-fast.yaml"
KWOK_NODE = SHARED / "testdata" / "flux-install" / "kwok-node.yaml"


class ControlPlaneUnavailable(Exception):
    """The binaries cannot be had on this machine (no Go): tests are skipped with this reason."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Found when the tests are collected: a test's own PATH holds only the programs it drives.
GO = shutil.which("go")


def ensure_built(target: str, probe: str, what: str) -> None:
    """Build a tools/build.sh target (a no-op when cached); unavailable without Go."""
    if GO is None and not (BIN / probe).exists():
        raise ControlPlaneUnavailable(f"Go is not installed, so {what} cannot be built")
    path = os.pathsep.join([*([os.path.dirname(GO)] if GO else []), os.environ.get("PATH", "")])
    result = subprocess.run(
        ["bash", str(ROOT / "tools" / "build.sh"), target],
        capture_output=True, text=True, timeout=3600, env={**os.environ, "PATH": path},
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"building {what} failed:\n{result.stderr[-4000:]}")


@dataclass
class ControlPlane:
    workdir: Path
    address: str = "127.0.0.1"
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    kubeconfig: Path = field(init=False)
    pki: dict[str, Path] = field(init=False)
    server: str = field(init=False)
    port: int = field(init=False)

    def start(self) -> ControlPlane:
        ensure_built("control-plane", "kube-apiserver", "etcd and kube-apiserver")
        pki = make_pki(self.workdir / "pki", extra_ips=(self.address,))
        etcd_port, peer_port, api_port = free_port(), free_port(), free_port()
        logs = self.workdir / "logs"
        logs.mkdir(exist_ok=True)
        self._spawn(
            "etcd",
            [
                str(BIN / "etcd"),
                "--name=default",
                f"--data-dir={self.workdir / 'etcd'}",
                f"--listen-client-urls=http://127.0.0.1:{etcd_port}",
                f"--advertise-client-urls=http://127.0.0.1:{etcd_port}",
                f"--listen-peer-urls=http://127.0.0.1:{peer_port}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{peer_port}",
                f"--initial-cluster=default=http://127.0.0.1:{peer_port}",
                "--unsafe-no-fsync",
                "--log-level=warn",
            ],
            logs,
        )
        self._spawn(
            "kube-apiserver",
            [
                str(BIN / "kube-apiserver"),
                f"--etcd-servers=http://127.0.0.1:{etcd_port}",
                f"--bind-address={self.address}",
                f"--advertise-address={self.address}",
                f"--secure-port={api_port}",
                f"--cert-dir={self.workdir / 'certs'}",
                f"--tls-cert-file={pki['serving.crt']}",
                f"--tls-private-key-file={pki['serving.key']}",
                f"--client-ca-file={pki['ca.crt']}",
                f"--service-account-key-file={pki['sa.pub']}",
                f"--service-account-signing-key-file={pki['sa.key']}",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-cluster-ip-range=10.0.0.0/24",
                "--allow-privileged=true",
                "--authorization-mode=RBAC",
                "--disable-admission-plugins=ServiceAccount",
                "--endpoint-reconciler-type=none",
            ],
            logs,
        )
        self.server = f"https://{self.address}:{api_port}"
        self.port = api_port
        self.kubeconfig = self.workdir / "kubeconfig"
        self.kubeconfig.write_text(_kubeconfig(self.server, pki))
        self._wait_ready(pki)
        self.pki = pki
        return self

    def start_workloads(self, pod_cidr: str = "10.231.200.0/24") -> None:
        """Run the controllers that give workloads their status, and one fake node for Pods
        (their addresses from ``pod_cidr``)."""
        logs = self.workdir / "logs"
        self._spawn(
            "kube-controller-manager",
            [
                str(BIN / "kube-controller-manager"),
                f"--kubeconfig={self.kubeconfig}",
                "--leader-elect=false",
                "--secure-port=0",
                f"--service-account-private-key-file={self.pki['sa.key']}",
                f"--root-ca-file={self.pki['ca.crt']}",
                "--use-service-account-credentials=false",
                # No node IPAM: the one node is kwok's, with its own pod CIDR.
                "--controllers=*,-nodeipam",
            ],
            logs,
        )
        self._spawn(
            "kube-scheduler",
            [str(BIN / "kube-scheduler"), f"--kubeconfig={self.kubeconfig}", "--leader-elect=false", "--secure-port=0"],
            logs,
        )
        self._spawn(
            "kwok",
            [
                str(BIN / "kwok"),
                f"--kubeconfig={self.kubeconfig}",
                f"--config={KWOK_STAGES}",
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                f"--cidr={pod_cidr}",
                # The fast stages renew the node's status every ten minutes and count on a lease
                # for liveness; without one the node lifecycle controller calls it NotReady after
                # 40 s and evicts its Pods.
                "--node-lease-duration-seconds=40",
                "--server-address=127.0.0.1:0",
            ],
            logs,
        )
        # Two nodes, one per architecture: the home-lab layout pins its frontend to arm64 (the Pi).
        amd64 = KWOK_NODE.read_text()
        arm64 = amd64.replace("kwok-node-0", "kwok-node-arm64").replace("amd64", "arm64")
        self.kubectl("apply", "-f", "-", stdin=amd64 + "---\n" + arm64)
        self.kubectl("wait", "--for=condition=Ready", "node/kwok-node-0", "node/kwok-node-arm64", "--timeout=60s")

    def _spawn(self, name: str, argv: list[str], logs: Path) -> None:
        log = open(logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)

    def _wait_ready(self, pki: dict[str, Path], timeout: float = 120.0) -> None:
        import requests

        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.args[0]} exited early:\n{self.log_tail()}")
            try:
                response = requests.get(
                    f"{self.server}/readyz",
                    verify=str(pki["ca.crt"]),
                    cert=(str(pki["admin.crt"]), str(pki["admin.key"])),
                    timeout=2,
                )
                if response.status_code == 200:
                    return
                last = response.text
            except requests.RequestException as exc:
                last = str(exc)
            time.sleep(0.2)
        raise RuntimeError(f"kube-apiserver not ready after {timeout}s: {last}\n{self.log_tail()}")

    def log_tail(self) -> str:
        tails = []
        for log in sorted((self.workdir / "logs").glob("*.log")):
            tails.append(f"--- {log.name}\n" + log.read_text(errors="replace")[-3000:])
        return "\n".join(tails)

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["kubectl", f"--kubeconfig={self.kubeconfig}", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)} failed: {result.stderr}")
        return result

    def install_crds(self) -> None:
        self.kubectl("apply", "--server-side", "-f", str(CRDS))
        self.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
        # Established comes a moment before the new resources are served (429 until then):
        # one read of each lets kubectl's retries absorb that here, not in a test.
        self.kubectl("get", ",".join(crd.stem.split("_", 1)[1] for crd in CRDS.glob("*.yaml")), "-A")

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.processes.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _kubeconfig(server: str, pki: dict[str, Path]) -> str:
    return f"""apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: {server}
    certificate-authority: {pki["ca.crt"]}
users:
- name: admin
  user:
    client-certificate: {pki["admin.crt"]}
    client-key: {pki["admin.key"]}
contexts:
- name: local
  context:
    cluster: local
    user: admin
current-context: local
"""


def start_control_plane(
    address: str = "127.0.0.1", *, crds: bool = True, workloads: bool = False, pod_cidr: str | None = None
) -> ControlPlane:
    """etcd and kube-apiserver on ``address`` (loopback, or a test network's host side);
    without ``crds`` it is as empty as a new cluster: no Flux or SealedSecret CRDs; with
    ``workloads`` the controllers, the scheduler and kwok run too."""
    workdir = Path(tempfile.mkdtemp(prefix="gitopsctl-cp-"))
    plane = ControlPlane(workdir, address)
    try:
        plane.start()
        if workloads:
            plane.start_workloads(*([pod_cidr] if pod_cidr else []))
        if crds:
            plane.install_crds()
    except BaseException:
        plane.stop()
        raise
    return plane
