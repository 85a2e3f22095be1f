#!/usr/bin/env bash
# Builds the real programs the tests drive, from the wrapper modules beside this script.
#   tools/build.sh              helm, kubeseal and an OCI registry into $GITOPSCTL_TOOLS_DIR/bin
#                               (default .tools/bin)
#   tools/build.sh control-plane etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
#                               kwok into $GITOPSCTL_E2E_CACHE/bin
#                               (default ~/.cache/gitopsctl-e2e), kept between runs on a machine
#   tools/build.sh flux-controllers  source-, kustomize-, helm- and the Sealed Secrets controller,
#                               same cache
#   tools/build.sh flux-cli     the real flux CLI, same cache
#   tools/build.sh image-controllers  image-reflector- and image-automation-controller from the
#                               upstream source archives in ../shared/src, same cache
# A program is rebuilt only when its wrapper's go.sum changes, so warm runs take no time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${GITOPSCTL_SHARED:-$here/../../shared}

build() {
  local dest=$1 name=$2 wrapper=$3 pkg=$4 ldflags=$5 sources=${6:-/dev/null}
  local stamp="$dest/.$name.stamp" want
  mkdir -p "$dest"
  want=$(cat "$here/$wrapper/go.sum" <(echo "$ldflags") "$sources" | sha256sum | cut -d' ' -f1)
  if [[ -x "$dest/$name" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  echo "building $name (cached after the first run)" >&2
  local started=$SECONDS
  (cd "$here/$wrapper" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dest/$name" "$pkg")
  echo "$want" >"$stamp"
  echo "built $name in $((SECONDS - started))s" >&2
}
version_of() { (cd "$here/$2" && go list -m -f '{{.Version}}' "$1"); }

# The Flux CLI: cmd/flux is not buildable in place (its module has replace lines, and the files it
# embeds are generated), so its sources are copied from the module cache into a scratch folder
# beside our wrapper's go.mod, with the generated manifests from ../shared.
flux_cli() {
  local dest=$1 manifests=$shared/testdata/flux-install/manifests
  local v; v=$(version_of github.com/fluxcd/flux2/v2 flux)
  local ldflags="-s -w -X main.VERSION=${v#v}" stamp="$dest/.flux.stamp" want
  want=$(cat "$here/flux/go.sum" <(echo "$ldflags") "$manifests"/*.yaml | sha256sum | cut -d' ' -f1)
  if [[ -x "$dest/flux" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  echo "building flux (cached after the first run)" >&2
  local started=$SECONDS scratch module
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' RETURN
  module=$(cd "$here/flux" && go mod download -json github.com/fluxcd/flux2/v2 | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  cp "$here/flux/go.mod" "$here/flux/go.sum" "$scratch/"
  find "$module/cmd/flux" -maxdepth 1 -name '*.go' ! -name '*_test.go' -exec cp {} "$scratch/" \;
  mkdir "$scratch/manifests" && cp "$manifests"/*.yaml "$scratch/manifests/"
  chmod -R u+w "$scratch"
  mkdir -p "$dest"
  (cd "$scratch" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dest/flux" .)
  echo "$want" >"$stamp"
  echo "built flux in $((SECONDS - started))s" >&2
}

# The image controllers: the module proxy refuses their root modules, so they are built in place
# from the upstream release archives in ../shared/src, with the go.mod and go.sum they shipped.
from_archive() {
  local dest=$1 name=$2 archive=$3
  local stamp="$dest/.$name.stamp" want ldflags="-s -w"
  want=$(cat "$archive" <(echo "$ldflags") | sha256sum | cut -d' ' -f1)
  if [[ -x "$dest/$name" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  echo "building $name from $(basename "$archive") (cached after the first run)" >&2
  local started=$SECONDS scratch
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' RETURN
  tar -xzf "$archive" -C "$scratch" --strip-components=1
  mkdir -p "$dest"
  (cd "$scratch" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dest/$name" .)
  echo "$want" >"$stamp"
  echo "built $name in $((SECONDS - started))s" >&2
}

case "${1:-test-tools}" in
  test-tools)
    dest=${GITOPSCTL_TOOLS_DIR:-$here/../.tools}/bin
    v=$(version_of github.com/bitnami/sealed-secrets sealed-secrets)
    build "$dest" kubeseal sealed-secrets github.com/bitnami/sealed-secrets/cmd/kubeseal "-s -w -X main.VERSION=$v"
    v=$(version_of helm.sh/helm/v4 helm)
    build "$dest" helm helm helm.sh/helm/v4/cmd/helm "-s -w -X helm.sh/helm/v4/internal/version.version=$v"
    # The registry's wrapper is a main of ours: its source is part of what the stamp covers.
    build "$dest" registry registry . "-s -w" "$here/registry/main.go"
    ;;
  control-plane)
    dest=${GITOPSCTL_E2E_CACHE:-$HOME/.cache/gitopsctl-e2e}/bin
    v=$(version_of go.etcd.io/etcd/server/v3 etcd)
    build "$dest" etcd etcd go.etcd.io/etcd/server/v3 "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$v"
    v=$(version_of k8s.io/kubernetes kubernetes)
    minor=$(echo "$v" | cut -d. -f2)
    stamp="-X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1"
    stamp="$stamp -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
    # One wrapper for all three: after the first, the others mostly link what is already compiled.
    for program in kube-apiserver kube-controller-manager kube-scheduler; do
      build "$dest" "$program" kubernetes "k8s.io/kubernetes/cmd/$program" "-s -w $stamp"
    done
    build "$dest" kwok kwok sigs.k8s.io/kwok/cmd/kwok "-s -w"
    ;;
  flux-controllers)
    dest=${GITOPSCTL_E2E_CACHE:-$HOME/.cache/gitopsctl-e2e}/bin
    build "$dest" source-controller source-controller github.com/fluxcd/source-controller "-s -w"
    build "$dest" kustomize-controller kustomize-controller github.com/fluxcd/kustomize-controller "-s -w"
    build "$dest" helm-controller helm-controller github.com/fluxcd/helm-controller "-s -w"
    v=$(version_of github.com/bitnami/sealed-secrets sealed-secrets)
    build "$dest" sealed-secrets-controller sealed-secrets github.com/bitnami/sealed-secrets/cmd/controller \
      "-s -w -X main.VERSION=$v"
    ;;
  flux-cli)
    flux_cli "${GITOPSCTL_E2E_CACHE:-$HOME/.cache/gitopsctl-e2e}/bin"
    ;;
  image-controllers)
    dest=${GITOPSCTL_E2E_CACHE:-$HOME/.cache/gitopsctl-e2e}/bin
    from_archive "$dest" image-reflector-controller "$shared/src/image-reflector-controller-v1.2.0-cf3258bac412.tar.gz"
    from_archive "$dest" image-automation-controller "$shared/src/image-automation-controller-v1.2.1-aec086297d39.tar.gz"
    ;;
  *) echo "usage: tools/build.sh [test-tools|control-plane|flux-controllers|flux-cli|image-controllers]" >&2; exit 2 ;;
esac
