#!/usr/bin/env bash
# `make demo`: gitopsctl's main jobs on a scratch clone of examples/homelab, offline.
# Nothing here touches a cluster or the network; the example repository stays untouched.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
gitopsctl="$root/.venv/bin/gitopsctl"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export NO_COLOR=1 GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.test \
  GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.test
section() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

section "gitopsctl init: a new repository in the reference layout, with your values"
"$gitopsctl" --cluster staging init "$scratch/new" --owner demo-operator --repository demo-gitops \
  --registry harbor.lan:5000 -n shop
"$gitopsctl" --repo "$scratch/new" verify --offline || echo "(exit $?: a new repository has secrets to seal)"

# A GitOps repository with an origin, as an operator has it.
git init -q --bare -b main "$scratch/origin.git"
git clone -q "$scratch/origin.git" "$scratch/gitops" 2>/dev/null
cp -r "$root/examples/homelab/." "$scratch/gitops/"
cd "$scratch/gitops"
# The demo stays on this machine: doctor asks the registry, so it is looked for on loopback,
# never at the example's LAN address.
sed -i 's/^host = "192.168.0.40:5000"/host = "127.0.0.1:5000"/' gitopsctl.toml
git checkout -q -b main && git add -A && git commit -qm "Home-lab GitOps layout" && git push -q -u origin main

section "gitopsctl doctor (this machine has no cluster or flux: it reports what is missing, exit 3)"
"$gitopsctl" doctor || echo "(doctor exited $?)"

section "gitopsctl bootstrap --dry-run: the plan, nothing run"
GITHUB_TOKEN=demo-token-never-shown "$gitopsctl" bootstrap --dry-run

section "gitopsctl verify --offline: the repository alone"
"$gitopsctl" verify --offline || echo "(verify --offline exited $?: the secrets above are not sealed yet)"

section "gitopsctl seal: with the example certificate committed in the repository"
# --no-check: this demo is offline, so the registry is not asked whether it accepts the password.
printf 'harbor-robot-password' | "$gitopsctl" seal harbor-creds --username 'robot$homelab+ci' --password-stdin --no-check
ssh_key="$scratch/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -C demo -f "$ssh_key"
# What --scan 192.168.0.50 would read from the VM; here a host key made on the spot.
ssh-keygen -q -t ed25519 -N '' -C '' -f "$scratch/vm_host_key"
echo "192.168.0.50 $(cut -d' ' -f1,2 "$scratch/vm_host_key.pub")" >"$scratch/known_hosts"
"$gitopsctl" seal vm-ssh-key --key-file "$ssh_key" --known-hosts "$scratch/known_hosts"
"$gitopsctl" verify --offline
git add -A && git commit -qm "Seal the Harbor credentials and the VM SSH key" && git push -q origin main

section "gitopsctl rollback --dry-run: rehearse undoing the last change"
sed -i 's/replicas: 2/replicas: 3/' flux/apps/frontend/deployment.yaml
git commit -qam "Scale the frontend to 3" && git push -q origin main
"$gitopsctl" rollback "$(git rev-parse --short HEAD)" --dry-run
section "gitopsctl rollback --no-push: the revert commit, locally"
"$gitopsctl" rollback "$(git rev-parse --short HEAD)" --no-push --reason "demo"
git log --format='  %h %s' -3
section "gitopsctl history"
"$gitopsctl" history -n 5
