"""A network namespace of the test's own, joined to the host by a veth pair.

The API server refuses to proxy to loopback, so a controller reached through its service
proxy needs an address of its own: it runs inside this namespace. Nothing listens beyond
loopback and these two addresses.
"""

from __future__ import annotations

import os
import random
import subprocess
from dataclasses import dataclass, field


class NetworkUnavailable(Exception):
    pass


def _ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise NetworkUnavailable(f"ip {' '.join(args)}: {result.stderr.strip()}")


@dataclass
class IsolatedNetwork:
    """A network namespace and veth pair of the test's own (not a test class)."""

    subnet: int = field(default_factory=lambda: random.randint(1, 250))
    name: str = field(default_factory=lambda: f"gitopsctl-{os.getpid()}")

    @property
    def host_ip(self) -> str:
        return f"10.231.{self.subnet}.1"

    @property
    def namespace_ip(self) -> str:
        return f"10.231.{self.subnet}.2"

    @property
    def _host_link(self) -> str:
        return f"gh{os.getpid() % 100000}"

    @property
    def _namespace_link(self) -> str:
        return f"gn{os.getpid() % 100000}"

    @property
    def pod_cidr(self) -> str:
        """Addresses for kwok to give Pods: inside this network, clear of its two own addresses."""
        return f"10.231.{self.subnet}.128/25"

    def add_address(self, ip: str) -> None:
        """Make ``ip`` (a Pod's, from pod_cidr) an address of the namespace, reachable from the host.
        kwok gives a replaced Pod an address again, which an earlier Pod may have had: replace."""
        _ip("-n", self.name, "addr", "replace", f"{ip}/32", "dev", self._namespace_link)
        _ip("route", "replace", f"{ip}/32", "dev", self._host_link)

    def create(self) -> IsolatedNetwork:
        if os.geteuid() != 0:
            raise NetworkUnavailable("network namespaces need root")
        peer = self._namespace_link
        _ip("netns", "add", self.name)
        try:
            _ip("link", "add", self._host_link, "type", "veth", "peer", "name", peer)
            _ip("link", "set", peer, "netns", self.name)
            _ip("addr", "add", f"{self.host_ip}/30", "dev", self._host_link)
            _ip("link", "set", self._host_link, "up")
            _ip("-n", self.name, "addr", "add", f"{self.namespace_ip}/30", "dev", peer)
            _ip("-n", self.name, "link", "set", peer, "up")
            _ip("-n", self.name, "link", "set", "lo", "up")
            # Pod addresses not yet given to the namespace must fail at once, not leave the host
            # by its default route (where something on the way answered port 8080 with a 404).
            _ip("route", "replace", "unreachable", self.pod_cidr)  # replace: a killed run may have left one
        except NetworkUnavailable:
            self.delete()
            raise
        return self

    def delete(self) -> None:
        subprocess.run(["ip", "route", "del", "unreachable", self.pod_cidr], capture_output=True, timeout=30)
        subprocess.run(["ip", "link", "del", self._host_link], capture_output=True, timeout=30)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=30)
