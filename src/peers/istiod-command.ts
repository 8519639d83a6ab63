// How istiod (pilot-discovery 1.31) runs as a plain process beside Horizon, outside any cluster: what
// docs/istiod-beside-horizon.md explains, as one pure function so a test can hold it to the document.
//
// What it reads from the clusters is what Horizon reads: the primary through --kubeconfig, remotes
// through Secrets labelled istio/multiCluster=true in the system namespace, ConfigMap `istio` (keys
// mesh, meshNetworks) in the system namespace (no mesh file is passed on purpose), networks from the
// system namespace's topology.istio.io/network label and gateways from Services with that label.

export interface IstiodCommandInput {
  /** A kubeconfig file whose current context is the primary (config) cluster. */
  kubeconfig: string;
  clusterId: string;
  /** Where its Secrets and ConfigMap `istio` are (default istio-system). */
  systemNamespace?: string;
  /** The address every listener binds (default 127.0.0.1: nothing of it is reachable from elsewhere). */
  host?: string;
  /** xDS plaintext (istiod's 15010), readiness + debug over HTTP (8080), metrics + /debug (15014). */
  ports: { grpc: number; http: number; monitoring: number };
  /** istiod's push debounce; its own defaults (100 ms quiet, 10 s cap) when not given. */
  debounce?: { afterMs: number; maxMs: number };
  /** Extra environment (feature flags) for an experiment; applied last. */
  env?: Readonly<Record<string, string>>;
  /** --log_output_level (default `default:info`). */
  logLevel?: string;
}

export interface IstiodCommand {
  args: string[];
  env: Record<string, string>;
}

export function istiodCommand(input: IstiodCommandInput): IstiodCommand {
  const host = input.host ?? '127.0.0.1';
  const ns = input.systemNamespace ?? 'istio-system';
  const at = (port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const args = [
    'discovery',
    '--kubeconfig', input.kubeconfig,
    '--clusterID', input.clusterId,
    '--namespace', ns,
    '--grpcAddr', at(input.ports.grpc),
    '--httpAddr', at(input.ports.http),
    '--monitoringAddr', at(input.ports.monitoring),
    // Off: the mTLS xDS port (needs the CA), the webhook server (nothing calls it from outside a
    // cluster) and ControlZ on a fixed port (9876 would collide between two istiods).
    '--secureGRPCAddr', '',
    '--httpsAddr', '',
    '--ctrlz_port', '0',
    '--ctrlz_address', host,
    '--log_output_level', input.logLevel ?? 'default:info',
  ];
  const env: Record<string, string> = {
    POD_NAMESPACE: ns,
    // No CA: nothing here asks for certificates, and the CA would write its root into every namespace
    // of the primary (ConfigMap istio-ca-root-cert) and a Secret istio-ca-secret.
    ENABLE_CA_SERVER: 'false',
    // No webhook patching: there is no istiod Service for the API server to call.
    VALIDATION_WEBHOOK_CONFIG_NAME: '',
    INJECTION_WEBHOOK_CONFIG_NAME: '',
    // Name istiod reports for itself (its own pod does not exist).
    POD_NAME: `istiod-${input.clusterId}`,
    // Without them istiod takes the machine's name and tries a cluster-local address for itself.
    ISTIOD_CUSTOM_HOST: host,
    PILOT_ENABLE_ANALYSIS: 'false',
  };
  if (input.debounce) {
    env.PILOT_DEBOUNCE_AFTER = `${input.debounce.afterMs}ms`;
    env.PILOT_DEBOUNCE_MAX = `${input.debounce.maxMs}ms`;
  }
  return { args, env: { ...env, ...input.env } };
}
