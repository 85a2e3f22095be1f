"""`make sandbox`: an empty cluster and its GitHub Enterprise host, for trying gitopsctl by hand.

It prints the exports, a gitopsctl.toml for this world and the commands from an empty
repository to `gitopsctl bootstrap` and `verify`; Ctrl-C stops everything. Needs root (the
test network) and Go (the programs).
"""

from __future__ import annotations

import signal
import sys
import tempfile
from pathlib import Path

from tests.harness.controlplane import BIN, ControlPlaneUnavailable
from tests.harness.empty_cluster import EmptyCluster
from tests.harness.network import NetworkUnavailable

OWNER, REPOSITORY, TOKEN = "sandbox", "my-gitops", "sandbox-token"


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="gitopsctl-sandbox-"))
    try:
        cluster = EmptyCluster(workdir, OWNER, TOKEN).start()
    except (ControlPlaneUnavailable, NetworkUnavailable) as reason:
        print(f"✗ {reason}", file=sys.stderr)
        return 3
    try:
        cluster.github.create_repository(REPOSITORY)
        tools = Path(__file__).resolve().parents[2] / ".tools" / "bin"
        print(f"✔ an empty cluster ({cluster.plane.server}: no CRDs; controllers, scheduler and kwok run)")
        print(f"✔ a GitHub Enterprise host at {cluster.github.hostname} with the empty repository {OWNER}/{REPOSITORY}")
        print("\nIn another shell:")
        print(f"  export KUBECONFIG={cluster.plane.kubeconfig}")
        print(f"  export GITHUB_TOKEN={TOKEN} GITHUB_USER={OWNER}")
        print(f"  export GIT_SSL_CAINFO={cluster.github.ca_file}   # the host's CA, for git over HTTPS")
        print(f"  export PATH={BIN}:{tools}:$PATH   # the real flux, helm and kubeseal")
        init = f"gitopsctl init {REPOSITORY} --owner {OWNER} --repository {REPOSITORY}"
        print(f"  {init} --hostname {cluster.github.hostname}")
        print(f"  cd {REPOSITORY} && cat > gitopsctl.toml <<'EOF'   # this world's settings in place of init's")
        print(cluster.gitopsctl_toml(REPOSITORY).rstrip())
        print("EOF")
        print(f"  git remote set-url origin {cluster.github.clone_url(REPOSITORY)}")
        print("  git add -A && git commit -m 'GitOps layout' && git push -u origin main")
        print("  gitopsctl bootstrap && gitopsctl verify --wait")
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
