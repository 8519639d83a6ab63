#!/usr/bin/env bash
# Builds the peers Horizon is compared with, from the pinned Go modules in tools/ (each with its go.sum,
# so the build is checksummed by the Go module proxy's sum database):
#   tools/istiod          istio.io/istio         -> pilot-discovery (istiod), and Istio's CRDs of that version
#   tools/grpc-go-client  google.golang.org/grpc -> grpc-go-xds-client (our own small program, main.go there)
# into a cache outside the repo keyed by those versions and by the modules' files:
#   ${HORIZON_CACHE:-~/.cache/horizon}/peers/<versions>-<hash>/
# A run with the cache complete prints the directory and returns at once. The last line on stdout is
# always the directory, so callers can do: dir=$(scripts/peer-binaries.sh | tail -n1).
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

log() { echo "peer-binaries: $*" >&2; }

# The version a tools module pins for a module path, read from its go.mod (the single source).
pinned() {
  local mod="$1" path="$2" v
  v="$(awk -v p="$path" '$1 == p && $2 ~ /^v/ { print $2; exit }' "$repo/tools/$mod/go.mod")"
  [ -n "$v" ] || die "tools/$mod/go.mod does not require $path"
  echo "$v"
}

istio_module="$(pinned istiod istio.io/istio)"
# Istio releases reach the module proxy as pseudo-versions; go.mod names the release they are.
istio="$(awk '$1 == "//" && $2 == "istio-release:" { print $3; exit }' "$repo/tools/istiod/go.mod")"
[ -n "$istio" ] || die "tools/istiod/go.mod has no '// istio-release: X.Y.Z' line"
grpc="$(pinned grpc-go-client google.golang.org/grpc)"
mods=(istiod grpc-go-client)
sums="$(cd "$repo/tools" && cat "${mods[@]/%//go.mod}" "${mods[@]/%//go.sum}" grpc-go-client/*.go | sha256sum | cut -c1-12)"
cache="${HORIZON_CACHE:-$HOME/.cache/horizon}/peers/istio-$istio.grpc-$grpc-$sums"
binaries=(pilot-discovery grpc-go-xds-client)

complete() {
  local b
  for b in "${binaries[@]}"; do [ -x "$cache/$b" ] || return 1; done
  [ -f "$cache/istio-crds.yaml" ]
}

if complete; then
  [ "$check" = 1 ] || log "cache complete, nothing to build"
  echo "$cache"
  exit 0
fi
if [ "$check" = 1 ]; then
  echo "peer-binaries: not built yet (no complete $cache); run scripts/peer-binaries.sh (istiod takes about 15 minutes cold on 2 cores)" >&2
  exit 3
fi

command -v go >/dev/null 2>&1 || die "Go is not on PATH: the peers are built from Go modules (install Go 1.26 or newer, https://go.dev/doc/install)"
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

# Istio's release build: static, tags vtprotobuf (faster marshalling) and disable_pgv, version stamped
# so /version and the xDS node's ISTIO_VERSION checks see a release, not "unknown".
vpkg=istio.io/istio/pkg/version
commit="${istio_module##*-}"
build istiod "istiod $istio ($istio_module)" -tags vtprotobuf,disable_pgv \
  -ldflags "-s -w -X $vpkg.buildVersion=$istio -X $vpkg.buildGitRevision=$commit -X $vpkg.buildStatus=Clean -X $vpkg.buildTag=$istio" \
  istio.io/istio/pilot/cmd/pilot-discovery
build grpc-go-client "grpc-go $grpc client" -ldflags "-s -w" .
mv "$work/grpc-go-client" "$work/grpc-go-xds-client"
# Istio's own CRDs, from the same module version as the binary.
cp "$(cd "$repo/tools/istiod" && go list -m -f '{{.Dir}}' istio.io/istio)/manifests/charts/base/files/crd-all.gen.yaml" "$work/istio-crds.yaml"

for b in "${binaries[@]}" istio-crds.yaml; do mv "$work/$b" "$cache/$b"; done
log "all built in $((SECONDS - start_all)) s; $(du -sh "$cache" | cut -f1) in $cache"
echo "$cache"
