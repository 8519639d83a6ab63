// A cluster provider gives the end-to-end suite two clusters on two networks; everything after
// provisioning (Horizon, kubectl, the assertions) is the same for every provider.

export interface ClusterRef {
  /** kubeconfig context of the cluster. */
  context: string;
  /** The ID Horizon knows it by (the remote Secret key, `--cluster-id` of the primary). */
  clusterId: string;
  /** Network of the cluster's pods (label topology.istio.io/network of its istio-system). */
  network: string;
}

export interface ProvisionedClusters {
  /** A kubeconfig file holding both contexts. */
  kubeconfig: string;
  primary: ClusterRef;
  remote: ClusterRef;
  /** Leaves everything as it was before provision() (stops what it started, restores what it moved). */
  cleanup(): Promise<void>;
}

export interface ClusterProvider {
  readonly name: string;
  /** Why the provider cannot run here (the suite skips and prints it), or undefined when it can. */
  unavailable(): Promise<string | undefined>;
  provision(): Promise<ProvisionedClusters>;
}
