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
name=kube-binaries
# shellcheck source=scripts/common.sh
. "$here/common.sh"
# shellcheck source=scripts/go-tools.sh
. "$here/go-tools.sh"

k8s="$(pinned kube k8s.io/kubernetes)"
etcd="$(pinned etcd go.etcd.io/etcd/server/v3)"
kwok="$(pinned kwok sigs.k8s.io/kwok)"
metallb="$(pinned metallb go.universe.tf/metallb)"
# Only this script's own modules key the cache (tools/ also holds the peers' modules, see peer-binaries.sh).
extra_key_files=()
cache="${HORIZON_CACHE:-$HOME/.cache/horizon}/kube/k8s-$k8s.etcd-$etcd.kwok-$kwok.metallb-$metallb-$(modules_hash etcd kube kwok metallb)"
binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok kwokctl metallb-controller)
files=(metallb-crds.yaml)

go_tools_cached "about 10-20 minutes cold on 2 cores"
go_tools_begin "the control-plane binaries"

# Version stamps: without them the binaries report v0.0.0 and `kubectl version` shows no server version.
vpkg=k8s.io/component-base/version
minor="${k8s#v1.}"; minor="${minor%%.*}"
go_tools_build kube "kubernetes $k8s" -tags selinux,notest \
  -ldflags "-s -w -X $vpkg.gitVersion=$k8s -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
go_tools_build etcd "etcd $etcd" -ldflags "-s -w" go.etcd.io/etcd/server/v3
mv "$work/v3" "$work/etcd" 2>/dev/null || mv "$work/server" "$work/etcd"
go_tools_build kwok "kwok $kwok" -ldflags "-s -w" \
  sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl
go_tools_build metallb "metallb $metallb" -ldflags "-s -w" go.universe.tf/metallb/controller
mv "$work/controller" "$work/metallb-controller"
# MetalLB's CRDs (IPAddressPool and friends) come from the same module version as the controller.
for f in "$(module_dir metallb go.universe.tf/metallb)"/config/crd/bases/*.yaml; do cat "$f"; echo "---"; done >"$work/metallb-crds.yaml"

go_tools_finish
