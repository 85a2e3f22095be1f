"""Real SSH material for the vm-ssh-key tests: keys from ssh-keygen, and a real sshd on loopback."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness.controlplane import free_port

SSHD = Path("/usr/sbin/sshd")


def make_key(path: Path, *, passphrase: str = "", comment: str = "deploy@homelab") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", comment, "-f", str(path)],
        check=True,
        timeout=30,
    )
    return path


def known_hosts_line(host: str, public_key: Path) -> str:
    key_type, blob = public_key.read_text().split()[:2]
    return f"{host} {key_type} {blob}\n"


def make_known_hosts(path: Path, host: str = "192.168.0.50") -> Path:
    """A known_hosts file for ``host`` with a freshly made host key."""
    host_key = make_key(path.parent / f"{path.name}-host-key", comment="")
    path.write_text(known_hosts_line(host, host_key.with_suffix(".pub")))
    return path


def fingerprint(public_key: Path) -> str:
    """SHA256:… as ssh-keygen -l prints it."""
    output = subprocess.run(["ssh-keygen", "-l", "-f", str(public_key)], capture_output=True, text=True, check=True)
    return output.stdout.split()[1]


@dataclass
class Sshd:
    """The real OpenSSH server on 127.0.0.1, with a host key of its own, for ssh-keyscan."""

    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def host_key(self) -> Path:
        return self.workdir / "ssh_host_ed25519_key"

    def start(self) -> Sshd:
        self.workdir.mkdir(parents=True, exist_ok=True)
        make_key(self.host_key, comment="")
        config = self.workdir / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.host_key}\n"
            f"PidFile {self.workdir / 'sshd.pid'}\nUsePAM no\nStrictModes no\nPasswordAuthentication no\n"
        )
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation directory
        self.process = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd exited: {self.process.stderr.read().decode() if self.process.stderr else ''}")
            scan = subprocess.run(
                ["ssh-keyscan", "-T", "2", "-p", str(self.port), "127.0.0.1"], capture_output=True, text=True
            )
            if scan.stdout.strip():
                return self
            time.sleep(0.1)
        raise RuntimeError("sshd did not answer within 20s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)
