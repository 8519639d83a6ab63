#!/usr/bin/env bash
# Prepares one real cluster (kind, k3s, any) for the two-network demo, with kubectl only:
#   - namespace istio-system labelled topology.istio.io/network=<network> (the network of its pods),
#   - the networking.istio.io CRDs Horizon reads (clusters/crds/, Horizon's own minimal ones),
#   - the helloworld sample of clusters/demo/<sample>/ (cluster1: v1, cluster2: v2) and sleep,
#   - the east-west gateway Service, labelled with the network too,
# then waits until the sample deployments are available. Safe to run again.
#
# Usage: scripts/prepare-cluster.sh <context> <network> <sample>
#   e.g. scripts/prepare-cluster.sh kind-cluster1 network1 cluster1
# Env:   KUBECONFIG as usual; ROLLOUT_TIMEOUT (default 300s) for the sample deployments.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
# shellcheck source=scripts/common.sh
source "$here/common.sh"

if [ $# -ne 3 ]; then
  echo "usage: $0 <context> <network> <sample: cluster1|cluster2>" >&2
  exit 2
fi
context=$1
network=$2
sample="$root/clusters/demo/$3"
[ -f "$sample/sample.yaml" ] || die "no sample at $sample/sample.yaml (sample must be a folder of clusters/demo)"
need kubectl

k() { kubectl --context "$context" "$@"; }
k get --raw /version >/dev/null 2>&1 || die "cannot reach the cluster of context \"$context\" (kubectl get --raw /version failed)"

echo "[$context] istio-system on $network"
k create namespace istio-system --dry-run=client -o yaml | k apply -f -
k label namespace istio-system "topology.istio.io/network=$network" --overwrite

echo "[$context] networking.istio.io CRDs"
k apply -f "$root/clusters/crds/networking-istio-io.yaml"
k wait --for condition=Established --timeout 60s -f "$root/clusters/crds/networking-istio-io.yaml"

echo "[$context] helloworld ($3) and sleep"
k apply -f "$sample/sample.yaml"
k apply -f "$root/clusters/demo/cluster1/sleep.yaml"

echo "[$context] east-west gateway"
k apply -f "$root/clusters/kind/eastwest-gateway.yaml"
k label service istio-eastwestgateway -n istio-system "topology.istio.io/network=$network" --overwrite

echo "[$context] waiting for the sample deployments"
k wait --for condition=Available deployment --all -n sample --timeout "${ROLLOUT_TIMEOUT:-300s}"
