#!/usr/bin/env bash
# Builds the real control-plane binaries Horizon's `kwok` provider runs, from the pinned Go modules in
# tools/ (each with its go.sum, so the build is checksummed by the Go module proxy's sum database):
#   tools/kube    k8s.io/kubernetes  -> kube-apiserver, kube-controller-manager, kube-scheduler
#   tools/etcd    go.etcd.io/etcd    -> etcd (the version that Kubernetes release is built against)
#   tools/kwok    sigs.k8s.io/kwok   -> kwok (fake nodes and pods), kwokctl (cluster PKI and config)
#   tools/metallb go.universe.tf/metallb -> metallb-controller (LoadBalancer addresses from a pool)
# into a cache outside the repo keyed by those versions and by the go.sum files:
#   ${HORIZON_CACHE:-~/.cache/horizon}/kube/<versions>-<sum hash>/
# A run with the cache complete prints the directory and returns at once. The last line on stdout is
# always the directory, so callers can do: dir=$(scripts/kube-binaries.sh | tail -n1).
# With --check it builds nothing: prints the directory if the cache is complete, else exits 3.
set -euo pipefail
check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
# shellcheck source=scripts/common.sh
. "$here/common.sh"

log() { echo "kube-binaries: $*" >&2; }

# The version a tools module pins for a module path, read from its go.mod (the single source).
pinned() {
  local mod="$1" path="$2" v
  v="$(awk -v p="$path" '$1 == p && $2 ~ /^v/ { print $2; exit }' "$repo/tools/$mod/go.mod")"
  [ -n "$v" ] || die "tools/$mod/go.mod does not require $path"
  echo "$v"
}

k8s="$(pinned kube k8s.io/kubernetes)"
etcd="$(pinned etcd go.etcd.io/etcd/server/v3)"
kwok="$(pinned kwok sigs.k8s.io/kwok)"
metallb="$(pinned metallb go.universe.tf/metallb)"
# Only this script's own modules key the cache (tools/ also holds the peers' modules, see peer-binaries.sh).
mods=(etcd kube kwok metallb)
sums="$(cd "$repo/tools" && cat "${mods[@]/%//go.mod}" "${mods[@]/%//go.sum}" | sha256sum | cut -c1-12)"
cache="${HORIZON_CACHE:-$HOME/.cache/horizon}/kube/k8s-$k8s.etcd-$etcd.kwok-$kwok.metallb-$metallb-$sums"
binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok kwokctl metallb-controller)

complete() {
  local b
  for b in "${binaries[@]}"; do [ -x "$cache/$b" ] || return 1; done
  [ -f "$cache/metallb-crds.yaml" ]
}

if complete; then
  [ "$check" = 1 ] || log "cache complete, nothing to build"
  echo "$cache"
  exit 0
fi
if [ "$check" = 1 ]; then
  echo "kube-binaries: not built yet (no complete $cache); run scripts/kube-binaries.sh (about 15 minutes cold)" >&2
  exit 3
fi

command -v go >/dev/null 2>&1 || die "Go is not on PATH: the control-plane binaries are built from Go modules (install Go 1.25 or newer, https://go.dev/doc/install)"
proxy="$(go env GOPROXY)"
[ "$proxy" != "off" ] || die "GOPROXY is off: the pinned modules come from a Go module proxy (set GOPROXY, e.g. https://proxy.golang.org)"
log "building into $cache with $(go version | cut -d' ' -f3) from $proxy"
mkdir -p "$cache"
work="$(mktemp -d "$cache/.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"
start_all=$SECONDS

# build <module dir> <what> <go build args...>: downloads (verified against go.sum) and builds.
build() {
  local mod="$1" what="$2" start=$SECONDS
  shift 2
  log "$what: downloading and building (tools/$mod)"
  if ! (cd "$repo/tools/$mod" && go mod download && go build -trimpath -o "$work/" "$@") >"$work/$mod.log" 2>&1; then
    tail -n 30 "$work/$mod.log" >&2
    die "$what failed to build (tools/$mod); if the lines above name the network, check that $proxy is reachable"
  fi
  log "$what: done in $((SECONDS - start)) s"
}

# Version stamps: without them the binaries report v0.0.0 and `kubectl version` shows no server version.
vpkg=k8s.io/component-base/version
minor="${k8s#v1.}"; minor="${minor%%.*}"
build kube "kubernetes $k8s" -tags selinux,notest \
  -ldflags "-s -w -X $vpkg.gitVersion=$k8s -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
build etcd "etcd $etcd" -ldflags "-s -w" go.etcd.io/etcd/server/v3
mv "$work/v3" "$work/etcd" 2>/dev/null || mv "$work/server" "$work/etcd"
build kwok "kwok $kwok" -ldflags "-s -w" \
  sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl
build metallb "metallb $metallb" -ldflags "-s -w" go.universe.tf/metallb/controller
mv "$work/controller" "$work/metallb-controller"
# MetalLB's CRDs (IPAddressPool and friends) come from the same module version as the controller.
crds="$(cd "$repo/tools/metallb" && go list -m -f '{{.Dir}}' go.universe.tf/metallb)/config/crd/bases"
for f in "$crds"/*.yaml; do cat "$f"; echo "---"; done >"$work/metallb-crds.yaml"

for b in "${binaries[@]}" metallb-crds.yaml; do mv "$work/$b" "$cache/$b"; done
log "all built in $((SECONDS - start_all)) s; $(du -sh "$cache" | cut -f1) in $cache"
echo "$cache"
