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
#   tools/build.sh assemble W   prints a scratch folder where wrapper W (flux or an image
#                               controller) builds; tools/align_versions.py edits it there
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

# Two programs are not buildable in a wrapper folder, so each is assembled in a scratch folder
# around our wrapper's go.mod and go.sum (tools/align_versions.py edits those the same way):
# - flux: cmd/flux has replace lines and embeds generated files, so its sources are copied from
#   the module cache, with the manifests from ../shared;
# - the image controllers: the module proxy refuses their root modules, so the upstream release
#   archives in ../shared/src are unpacked, with our go.mod and go.sum over the ones they shipped
#   (so their Kubernetes, controller-runtime and fluxcd/pkg versions are the other wrappers').
flux_manifests=$shared/testdata/flux-install/manifests
declare -A archive=(
  [image-reflector-controller]=$shared/src/image-reflector-controller-v1.2.0-cf3258bac412.tar.gz
  [image-automation-controller]=$shared/src/image-automation-controller-v1.2.1-aec086297d39.tar.gz
)

# Prints a new folder holding the wrapper's sources and its go.mod and go.sum; the caller removes it.
assemble() {
  local wrapper=$1 scratch module
  scratch=$(mktemp -d)
  case $wrapper in
    flux)
      module=$(cd "$here/flux" && go mod download -json github.com/fluxcd/flux2/v2 | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
      find "$module/cmd/flux" -maxdepth 1 -name '*.go' ! -name '*_test.go' -exec cp {} "$scratch/" \;
      mkdir "$scratch/manifests" && cp "$flux_manifests"/*.yaml "$scratch/manifests/"
      ;;
    *) tar -xzf "${archive[$wrapper]}" -C "$scratch" --strip-components=1 ;;
  esac
  cp "$here/$wrapper/go.mod" "$here/$wrapper/go.sum" "$scratch/"
  chmod -R u+w "$scratch"
  echo "$scratch"
}

assembled() {
  local dest=$1 name=$2 ldflags=$3 sources=$4
  local stamp="$dest/.$name.stamp" want
  want=$(cat "$here/$name/go.sum" <(echo "$ldflags") "$sources" | sha256sum | cut -d' ' -f1)
  if [[ -x "$dest/$name" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  echo "building $name (cached after the first run)" >&2
  local started=$SECONDS scratch
  scratch=$(assemble "$name")
  trap 'rm -rf "$scratch"' RETURN
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
    v=$(version_of github.com/fluxcd/flux2/v2 flux)
    assembled "${GITOPSCTL_E2E_CACHE:-$HOME/.cache/gitopsctl-e2e}/bin" flux "-s -w -X main.VERSION=${v#v}" \
      <(cat "$flux_manifests"/*.yaml)
    ;;
  image-controllers)
    dest=${GITOPSCTL_E2E_CACHE:-$HOME/.cache/gitopsctl-e2e}/bin
    for name in image-reflector-controller image-automation-controller; do
      assembled "$dest" "$name" "-s -w" "${archive[$name]}"
    done
    ;;
  assemble)
    assemble "$2"
    ;;
  *) echo "usage: tools/build.sh [test-tools|control-plane|flux-controllers|flux-cli|image-controllers|assemble WRAPPER]" >&2; exit 2 ;;
esac
