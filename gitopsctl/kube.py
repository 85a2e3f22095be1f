"""kubectl, driven through the runner: the cluster as gitopsctl reads and nudges it.

Reads are batched (one ``kubectl get`` for many kinds, ``-A -o json``) so the number of
process spawns does not grow with the number of objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitopsctl.durations import parse_duration
from gitopsctl.errors import OperationFailed, ToolFailed
from gitopsctl.runner import Runner, Watcher

REQUEST_TIMEOUT = "15s"


# Who owns the fields gitopsctl writes. Not kubectl's own names: kustomize-controller takes every
# field of a manager whose name starts with "kubectl" for itself at its next apply and drops what
# its manifests do not say, so a rollback's `suspend: true` made as kubectl-patch would be undone
# within one interval (seen with the real controller). flux's CLI is not undone for the same reason.
FIELD_MANAGER = "gitopsctl"


class ClusterUnreachable(OperationFailed):
    pass


@dataclass
class Kube:
    runner: Runner
    context: str | None = None
    kubeconfig: str | None = None
    request_timeout: str = REQUEST_TIMEOUT
    # How to name a resource to kubectl once the cluster is known to serve it in a version:
    # plural.version.group. Named plural.group, kubectl first takes a dotted group for
    # version.group, misses, and reads the server's discovery again before trying the name as
    # meant: a tenth of a second at every call (verify's batched read: 0.25-0.31 s → 0.17-0.24 s).
    # Filled by whoever learnt the version; a name the cluster does not serve is replaced by
    # plural.group for good, and the call made again.
    served_as: dict[str, str] = field(default_factory=dict)

    def global_flags(self) -> list[str]:
        """--context/--kubeconfig, in the form kubectl and flux accept."""
        return self._selection("--context")

    def helm_flags(self) -> list[str]:
        """The same cluster selection in helm's spelling (--kube-context, not --context)."""
        return self._selection("--kube-context")

    def _selection(self, context_flag: str) -> list[str]:
        flags = []
        if self.kubeconfig:
            flags.append(f"--kubeconfig={self.kubeconfig}")
        if self.context:
            flags.append(f"{context_flag}={self.context}")
        return flags

    def kubectl(self, args: Sequence[str], *, stdin: str | None = None, timeout: float = 30.0) -> str:
        try:
            return self.runner.run(
                "kubectl",
                [*self.global_flags(), f"--request-timeout={self.request_timeout}", *args],
                stdin=stdin,
                timeout=timeout,
            ).stdout
        except ToolFailed as error:
            if _is_connection_error(error.stderr):
                raise unreachable(error) from None
            raise

    def server_version(self) -> str:
        try:
            document = json.loads(self.kubectl(["version", "-o", "json"]))
        except ToolFailed as error:
            # `kubectl version` fails only when it cannot talk to the server.
            raise unreachable(error) from None
        version = document.get("serverVersion", {}).get("gitVersion")
        if not version:
            raise ClusterUnreachable("the cluster did not report its version", hint="check the kube context")
        return str(version)

    def get_all(
        self, kinds: Iterable[str], *, namespace: str | None = None, unserved: set[str] | None = None
    ) -> list[dict[str, Any]]:
        """Every object of ``kinds`` in one call; kinds the cluster does not serve are skipped.

        ``--ignore-not-found`` covers missing objects, not a missing resource type: on a cluster
        without the Flux CRDs (before bootstrap, or without image automation) kubectl refuses the
        whole list. Each refusal names one unknown type, which is dropped before asking again, so a
        cluster that has every CRD is read in one call. A caller that reads again and again (a wait)
        passes ``unserved``: the types found missing are added to it and not asked for again.
        """
        scope = ["-n", namespace] if namespace else ["-A"]
        unserved = set() if unserved is None else unserved
        remaining = [kind for kind in kinds if kind not in unserved]
        while remaining:
            try:
                output = self.kubectl(
                    ["get", self._names(remaining), *scope, "-o", "json", "--ignore-not-found"],
                    timeout=self._batched_read_timeout(),
                )
            except ToolFailed as error:
                if self._forget_unserved_name(remaining, error):
                    continue
                unknown = _UNKNOWN_TYPE.search(error.stderr)
                if unknown is None:
                    raise
                served = [kind for kind in remaining if not _names_type(kind, unknown.group(1))]
                if served == remaining:
                    raise
                unserved.update(set(remaining) - set(served))
                remaining = served
                continue
            if not output.strip():
                return []
            items: list[dict[str, Any]] = json.loads(output).get("items", [])
            return items
        return []

    def _names(self, resources: Sequence[str]) -> str:
        return ",".join(self.served_as.get(resource, resource) for resource in resources)

    def _forget_unserved_name(self, resources: Sequence[str], error: ToolFailed) -> bool:
        """Whether kubectl refused a name this cluster was thought to serve (which is now forgotten)."""
        unknown = _UNKNOWN_TYPE.search(error.stderr)
        if unknown is None:
            return False
        for resource in resources:
            name = self.served_as.get(resource, resource)
            if name != resource and _names_type(name, unknown.group(1)):
                self.served_as[resource] = resource  # and not learnt again
                return True
        return False

    def _kubectl_naming(self, resources: Sequence[str], args: Callable[[str], list[str]]) -> str:
        """kubectl with ``args(names)``: ``resources`` named as the cluster serves them."""
        while True:
            try:
                return self.kubectl(args(self._names(resources)))
            except ToolFailed as error:
                if not self._forget_unserved_name(resources, error):
                    raise

    def _batched_read_timeout(self) -> float:
        """A few request timeouts, at most 30s: on a server that accepts connections and never
        answers, kubectl spends a request timeout looking up each kind it was asked for, one after
        another, and a batched read names many kinds."""
        try:
            request = parse_duration(self.request_timeout)
        except ValueError:
            return 30.0
        return min(30.0, max(5.0, 4 * request))

    def get_raw(self, path: str) -> str:
        return self.kubectl(["get", "--raw", path])

    def watch(self, resource: str, on_change: Callable[[str], None]) -> Watcher:
        """Stream changes of ``resource`` (all namespaces) until stopped."""
        args = [*self.global_flags(), "get", self._names([resource]), "-A", "--watch-only", "-o", "name"]
        return self.runner.stream("kubectl", args, on_change)

    def annotate_all(self, resources: Sequence[str], key: str, value: str) -> None:
        """Annotate every object of ``resources`` in every namespace in one call."""
        self._kubectl_naming(
            resources,
            lambda names: [
                "annotate",
                "--overwrite",
                f"--field-manager={FIELD_MANAGER}",
                "--all-namespaces",
                names,
                "--all",
                f"{key}={value}",
            ],
        )

    def merge_patch(self, kind: str, name: str, namespace: str, patch: dict[str, Any]) -> None:
        self._kubectl_naming(
            [kind],
            lambda names: [
                "patch",
                f"--field-manager={FIELD_MANAGER}",
                "-n",
                namespace,
                names,
                name,
                "--type=merge",
                "-p",
                json.dumps(patch),
            ],
        )


_UNKNOWN_TYPE = re.compile(r'doesn\'t have a resource type "([^"]+)"')


def _names_type(kind: str, named: str) -> bool:
    """kubectl names an unknown type as it was asked (plural.group) or by its plural alone (also
    when asked plural.version.group)."""
    return kind == named or kind.split(".")[0] == named


def unreachable(error: ToolFailed) -> ClusterUnreachable:
    return ClusterUnreachable(
        f"the cluster is unreachable: {error.message.split(': ', 1)[-1]}",
        hint="check --context/--kubeconfig and that the API server is up (kubectl cluster-info)",
    )


_CONNECTION_MARKERS = (
    "connection refused",
    "unable to connect to the server",
    "no such host",
    "i/o timeout",
    "context deadline exceeded",
    "was refused",
    "couldn't get current server api group list",
    "invalid configuration",
    "tls handshake timeout",
    "please enter username",  # the kubeconfig has no credentials for this cluster
)


def _is_connection_error(stderr: str) -> bool:
    lowered = stderr.lower()
    return any(marker in lowered for marker in _CONNECTION_MARKERS)
