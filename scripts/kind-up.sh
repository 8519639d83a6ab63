#!/usr/bin/env bash
# Two kind clusters on two networks, ready for Horizon (the laptop setup of the README):
#   cluster1 (network1, pods 10.10.0.0/16, services 10.11.0.0/16): helloworld v1 + sleep
#   cluster2 (network2, pods 10.20.0.0/16, services 10.21.0.0/16): helloworld v2 + sleep
# each with istio-system labelled with its network, Horizon's networking.istio.io CRDs and a NodePort
# east-west gateway Service; then cluster2 is registered into cluster1 with a remote Secret
# (scripts/register-remote.sh). Contexts kind-cluster1 / kind-cluster2 go to your kubeconfig
# ($KUBECONFIG or ~/.kube/config), as kind always does. Safe to run again. Undo: scripts/kind-down.sh.
#
# Usage: scripts/kind-up.sh [--internal]
#   --internal  register cluster2 with its address on the docker network (https://cluster2-control-plane:6443)
#               instead of 127.0.0.1:<port> of this machine: for Horizon deployed INSIDE cluster1
#               (clusters/deploy/), which cannot reach the host's loopback.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
# shellcheck source=scripts/common.sh
source "$here/common.sh"

internal=false
case "${1:-}" in
  "") ;;
  --internal) internal=true ;;
  *)
    echo "usage: $0 [--internal]" >&2
    exit 2
    ;;
esac

need kind kubectl
need_docker_daemon

for i in 1 2; do
  name=cluster$i
  if kind get clusters 2>/dev/null | grep -qx "$name"; then
    echo "kind cluster $name exists; keeping it"
    kind export kubeconfig --name "$name"
  else
    kind create cluster --name "$name" --config "$root/clusters/kind/$name.yaml"
  fi
done

"$here/prepare-cluster.sh" kind-cluster1 network1 cluster1
"$here/prepare-cluster.sh" kind-cluster2 network2 cluster2

if $internal; then
  REMOTE_SERVER=$(kind get kubeconfig --internal --name cluster2 | sed -n 's/^ *server: *//p' | head -n 1)
  export REMOTE_SERVER
fi
"$here/register-remote.sh" kind-cluster1 kind-cluster2 cluster2

cat <<DONE

Both clusters are up and cluster2 is registered in cluster1. Run Horizon beside them:

  node bin/horizon.mjs serve --context kind-cluster1 --cluster-id cluster1

Callers on network1 reach cluster2's helloworld through cluster2's east-west gateway: a node
address (INTERNAL-IP) with the node port of 15443, which is what Horizon serves them:

  kubectl --context kind-cluster2 get nodes -o wide
  kubectl --context kind-cluster2 -n istio-system get service istio-eastwestgateway

DONE
