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
name=peer-binaries
# shellcheck source=scripts/common.sh
. "$here/common.sh"
# shellcheck source=scripts/go-tools.sh
. "$here/go-tools.sh"

istio_module="$(pinned istiod istio.io/istio)"
# Istio releases reach the module proxy as pseudo-versions; go.mod names the release they are.
istio="$(awk '$1 == "//" && $2 == "istio-release:" { print $3; exit }' "$repo/tools/istiod/go.mod")"
[ -n "$istio" ] || die "tools/istiod/go.mod has no '// istio-release: X.Y.Z' line"
grpc="$(pinned grpc-go-client google.golang.org/grpc)"
# The grpc-go client is our own program: its source keys the cache too.
extra_key_files=("$repo"/tools/grpc-go-client/*.go)
cache="${HORIZON_CACHE:-$HOME/.cache/horizon}/peers/istio-$istio.grpc-$grpc-$(modules_hash istiod grpc-go-client)"
binaries=(pilot-discovery grpc-go-xds-client)
files=(istio-crds.yaml)

go_tools_cached "istiod takes about 10-15 minutes cold on 2 cores"
go_tools_begin "the peers"

# Istio's release build: static, tags vtprotobuf (faster marshalling) and disable_pgv, version stamped
# so /version and the xDS node's ISTIO_VERSION checks see a release, not "unknown".
vpkg=istio.io/istio/pkg/version
commit="${istio_module##*-}"
go_tools_build istiod "istiod $istio ($istio_module)" -tags vtprotobuf,disable_pgv \
  -ldflags "-s -w -X $vpkg.buildVersion=$istio -X $vpkg.buildGitRevision=$commit -X $vpkg.buildStatus=Clean -X $vpkg.buildTag=$istio" \
  istio.io/istio/pilot/cmd/pilot-discovery
go_tools_build grpc-go-client "grpc-go $grpc client" -ldflags "-s -w" .
mv "$work/grpc-go-client" "$work/grpc-go-xds-client"
# Istio's own CRDs, from the same module version as the binary.
cp "$(module_dir istiod istio.io/istio)/manifests/charts/base/files/crd-all.gen.yaml" "$work/istio-crds.yaml"

go_tools_finish
