"""`make sandbox`: an empty cluster, its GitHub Enterprise host and a registry with two images,
for trying gitopsctl by hand.

It prints the exports and the quick start's commands for this world, from an empty
repository to `gitopsctl bootstrap`, the sealed secrets and `verify`; Ctrl-C stops everything. Needs root (the
test network) and Go (the programs).
"""

from __future__ import annotations

import signal
import sys
import tempfile
from pathlib import Path

from tests.harness.controlplane import BIN, TOOLS_BIN, ControlPlaneUnavailable
from tests.harness.empty_cluster import REGISTRY_PASSWORD, REGISTRY_USER, EmptyCluster
from tests.harness.network import NetworkUnavailable

OWNER, REPOSITORY, TOKEN = "sandbox", "my-gitops", "sandbox-token"


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="gitopsctl-sandbox-"))
    try:
        cluster = EmptyCluster(workdir, OWNER, TOKEN, images=True, helm=True).start()
    except (ControlPlaneUnavailable, NetworkUnavailable) as reason:
        print(f"✗ {reason}", file=sys.stderr)
        return 3
    try:
        cluster.github.create_repository(REPOSITORY)
        for image in ("homelab/frontend", "homelab/backend"):
            cluster.registry.push_image(image, "main-0a1b2c3-1764115200")
        print(f"✔ an empty cluster ({cluster.plane.server}: no CRDs; controllers, scheduler and kwok run)")
        print(f"✔ a GitHub Enterprise host at {cluster.github.hostname} with the empty repository {OWNER}/{REPOSITORY}")
        print(f"✔ a registry at {cluster.registry.host} with homelab/frontend and homelab/backend")
        print("\nIn another shell:")
        print(f"  export KUBECONFIG={cluster.plane.kubeconfig}")
        print(f"  export GITHUB_TOKEN={TOKEN} GITHUB_USER={OWNER}")
        print(f"  export GIT_SSL_CAINFO={cluster.github.ca_file}   # the host's CA, for git over HTTPS")
        print(f"  export PATH={BIN}:{TOOLS_BIN}:$PATH   # the real flux, helm and kubeseal")
        github, registry = cluster.github, cluster.registry
        print(
            f"  gitopsctl init {REPOSITORY} --owner {OWNER} --repository {REPOSITORY} --hostname {github.hostname} "
            f"--ssh-hostname {github.ssh_hostname} --ca-file {github.ca_file} --registry {registry.host}"
        )
        chart_repo = f"s#https://bitnami.github.io/sealed-secrets#{cluster.charts.url}#"
        print(f"  cd {REPOSITORY} && sed -i '{chart_repo}' gitopsctl.toml   # the chart from this world")
        print(f"  git remote set-url origin {github.clone_url(REPOSITORY)}")
        print("  git add -A && git commit -m 'GitOps layout' && git push -u origin main")
        print("  gitopsctl bootstrap")
        print(f"  gitopsctl seal harbor-creds --username '{REGISTRY_USER}'   # the password: {REGISTRY_PASSWORD}")
        print("  gitopsctl seal vm-ssh-key --key-file ~/.ssh/id_ed25519 --scan 127.0.0.1:22   # any key and host")
        print("  git add -A && git commit -m 'Seal secrets' && git push && gitopsctl sync --wait")
        print("  gitopsctl verify   # the image automation commits the first tags within seconds")
        print("\n(Ctrl-C here stops everything)")
        sys.stdout.flush()
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        while True:
            signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
        print("✔ stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
