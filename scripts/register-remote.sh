#!/usr/bin/env bash
# Registers a remote cluster with the primary by hand, the way Istio's multicluster docs do it (and
# what `istioctl create-remote-secret` / `horizon create-remote-secret` automate):
#   in the remote:  a service account that may read what Horizon watches (ClusterRole + binding) and
#                   a long-lived token for it (a kubernetes.io/service-account-token Secret);
#   locally:        a kubeconfig `remote_kubecfg` = the remote's server + CA (from
#                   `kubectl config view --minify --flatten`) + that token;
#   in the primary: `kubectl create secret generic <name> --from-file=<cluster-id>=remote_kubecfg`
#                   in the system namespace, labelled istio/multiCluster=true. Horizon (or istiod)
#                   watching the primary picks it up and starts watching the remote.
#
# Usage: scripts/register-remote.sh <primary-context> <remote-context> <cluster-id>
# Env:   SYSTEM_NAMESPACE (default istio-system)
#        REMOTE_SERVER    API server URL written into the Secret (default: the remote context's).
#                         The default suits Horizon running on this machine: kind API servers
#                         listen on 127.0.0.1 of the host. Horizon running INSIDE a kind cluster
#                         cannot reach 127.0.0.1 of the host; give it the address on the docker
#                         network instead, e.g.
#                         REMOTE_SERVER=$(kind get kubeconfig --internal --name cluster2 | sed -n 's/^ *server: //p')
#                         (https://cluster2-control-plane:6443; the API server certificate is valid
#                         for that name too, so the CA stays the same).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/common.sh
source "$here/common.sh"

if [ $# -ne 3 ]; then
  echo "usage: $0 <primary-context> <remote-context> <cluster-id>" >&2
  exit 2
fi
primary=$1
remote=$2
id=$3
ns=${SYSTEM_NAMESPACE:-istio-system}
# The names istioctl uses, so both ways of registering share one reader account.
sa=istio-reader-service-account
role=istio-reader-clusterrole-$ns
secret=istio-remote-secret-$id
[[ $id =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || die "cluster ID \"$id\" must be a DNS label (lowercase letters, digits, '-'): it becomes a Secret key and name"
need kubectl base64

kp() { kubectl --context "$primary" "$@"; }
kr() { kubectl --context "$remote" "$@"; }
kp get --raw /version >/dev/null 2>&1 || die "cannot reach the primary cluster of context \"$primary\""
kr get --raw /version >/dev/null 2>&1 || die "cannot reach the remote cluster of context \"$remote\""

echo "[$remote] reader account $ns/$sa"
kr create namespace "$ns" --dry-run=client -o yaml | kr apply -f -
kr apply -f - <<YAML
apiVersion: v1
kind: ServiceAccount
metadata:
  name: $sa
  namespace: $ns
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: $role
rules:
  - apiGroups: [""]
    resources: [services, endpoints, pods, nodes, namespaces]
    verbs: [get, list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [get, list, watch]
  - apiGroups: [networking.istio.io]
    resources: [virtualservices, destinationrules, gateways]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: istio-reader-clusterrolebinding-$ns
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: $role
subjects:
  - kind: ServiceAccount
    name: $sa
    namespace: $ns
---
# Kubernetes 1.24+ no longer makes such a Secret by itself; its token does not expire (a TokenRequest
# token would, under a Secret nobody refreshes).
apiVersion: v1
kind: Secret
metadata:
  name: $sa-token
  namespace: $ns
  annotations:
    kubernetes.io/service-account.name: $sa
type: kubernetes.io/service-account-token
YAML

token=""
for _ in $(seq 1 60); do
  token=$(kr -n "$ns" get secret "$sa-token" -o jsonpath='{.data.token}')
  [ -n "$token" ] && break
  sleep 1
done
[ -n "$token" ] || die "secret $ns/$sa-token in \"$remote\" got no token within 60 s: is the token controller running?"
token=$(printf '%s' "$token" | base64 --decode)

server=${REMOTE_SERVER:-$(kubectl config view --minify --flatten --context "$remote" -o jsonpath='{.clusters[0].cluster.server}')}
ca=$(kubectl config view --minify --flatten --context "$remote" -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
[ -n "$server" ] || die "context \"$remote\" has no cluster server"

# The kubeconfig holds a credential: a private scratch folder, removed on exit.
umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "$ca" ]; then
  tls="certificate-authority-data: $ca"
else
  tls="insecure-skip-tls-verify: true"
fi
cat >"$work/remote_kubecfg" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: $id
    cluster:
      server: $server
      $tls
users:
  - name: $id
    user:
      token: $token
contexts:
  - name: $id
    context:
      cluster: $id
      user: $id
current-context: $id
KUBECONFIG

echo "[$primary] secret $ns/$secret (key $id)"
if kp -n "$ns" get secret "$secret" >/dev/null 2>&1; then
  # Already registered: replace it in one write, label included. (Replacing it without the label
  # and labelling afterwards would make it vanish from the label watch in between: Horizon would drop
  # the cluster and add it again.) An unchanged kubeconfig is then a no-op for Horizon, a changed
  # one a make-before-break rotation.
  kp -n "$ns" create secret generic "$secret" --from-file="$id=$work/remote_kubecfg" --dry-run=client -o yaml |
    kp label --local -f - istio/multiCluster=true -o yaml |
    kp annotate --local -f - "networking.istio.io/cluster=$id" -o yaml |
    kp replace -f -
else
  kp -n "$ns" create secret generic "$secret" --from-file="$id=$work/remote_kubecfg"
  kp -n "$ns" annotate secret "$secret" "networking.istio.io/cluster=$id"
  kp -n "$ns" label secret "$secret" istio/multiCluster=true
fi
echo "registered \"$remote\" as cluster $id in \"$primary\" (secret $ns/$secret)"
