"""`make sandbox`: the local control plane for trying gitopsctl by hand; Ctrl-C stops it."""

from __future__ import annotations

import signal
import sys

from tests.harness.controlplane import ControlPlaneUnavailable, start_control_plane


def main() -> int:
    try:
        plane = start_control_plane()
    except ControlPlaneUnavailable as reason:
        print(f"✗ {reason}", file=sys.stderr)
        return 3
    try:
        plane.kubectl("create", "namespace", "flux-system")
        print(f"✔ kube-apiserver {plane.server} (etcd, Flux and SealedSecret CRDs; no controllers)")
        print(f"  export KUBECONFIG={plane.kubeconfig}")
        print("  then e.g.: gitopsctl --repo examples/homelab verify   (Ctrl-C here stops everything)")
        sys.stdout.flush()
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        while True:
            signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        plane.stop()
        print("✔ stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
