#!/usr/bin/env bash
# Removes what scripts/kind-up.sh made: both kind clusters (and their kubeconfig contexts).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/common.sh
source "$here/common.sh"

need kind
need_docker_daemon
for name in cluster1 cluster2; do
  if kind get clusters 2>/dev/null | grep -qx "$name"; then
    kind delete cluster --name "$name"
  else
    echo "kind cluster $name does not exist"
  fi
done
