// The emulated clusters of a scenario, in their own process (cluster-host.ts), and Horizon started
// against them in this process, the way `horizon serve --context ...` would run it.
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { startHorizon, type Horizon, type HorizonOptions } from '../../src/horizon.js';
import { forkRpc, type RpcChild } from './ipc.js';
import type { MeshLayout } from './workload.js';

const hostPath = fileURLToPath(new URL('./cluster-host.ts', import.meta.url));

export interface ChangeEvent {
  host: string;
  t0: number;
  cluster: string;
  /** The network of the cluster where it happened. */
  network: string;
}

export class ClusterHost {
  private constructor(
    readonly rpc: RpcChild,
    readonly kubeconfig: string,
    readonly contexts: string[],
  ) {}

  static async start(layout: MeshLayout): Promise<ClusterHost> {
    const rpc = await forkRpc(hostPath, { execArgv: ['--max-old-space-size=8192'] });
    const { kubeconfig, contexts } = await rpc.call('start', { layout });
    return new ClusterHost(rpc, kubeconfig, contexts);
  }

  get pid(): number {
    return this.rpc.process.pid!;
  }

  load(range: { from?: number; to?: number } = {}): Promise<{ ms: number; objects: number; pods: number; slices: number }> {
    return this.rpc.call('load', range);
  }

  setReady(service: number, endpoint: number, ready: boolean): Promise<ChangeEvent> {
    return this.rpc.call('setReady', { service, endpoint, ready });
  }

  touchPods(services: number[], endpoint: number, rev: string): Promise<{ t0: number }> {
    return this.rpc.call('touchPods', { services, endpoint, rev });
  }

  addEndpoints(from: number, to: number): Promise<{ ms: number; objects: number }> {
    return this.rpc.call('addEndpoints', { from, to });
  }

  churnStart(rate: number, services: number, onChange: (e: ChangeEvent) => void): Promise<void> {
    this.rpc.on('change', onChange);
    return this.rpc.call('churnStart', { rate, services });
  }

  churnStop(): Promise<{ changes: number }> {
    return this.rpc.call('churnStop');
  }

  close(): Promise<void> {
    return this.rpc.close();
  }

  /** Horizon watching every cluster (the first is the primary), xDS on an ephemeral port. */
  async startHorizon(options: Partial<HorizonOptions> = {}): Promise<Horizon> {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(this.kubeconfig);
    return startHorizon({
      kubeConfig,
      contexts: this.contexts,
      xdsAddress: '127.0.0.1:0',
      remoteClusterTimeoutMs: 120_000,
      probeIntervalMs: 0,
      ...options,
    });
  }
}

/** Resolves when Horizon is ready and has every service of the layout with all its endpoints. */
export async function waitForMesh(horizon: Horizon, layout: MeshLayout, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const last = `svc-${layout.services - 1}.bench-${(layout.services - 1) % layout.namespaces}.svc.cluster.local`;
  for (;;) {
    let count = 0;
    for (const _ of horizon.registry.hostnames()) count++;
    // + the gateway services of istio-system
    if (horizon.readiness().ready && count >= layout.services && horizon.mesh.endpoints(last).length === layout.endpointsPerService) return;
    if (Date.now() > deadline) throw new Error(`Horizon did not see the whole mesh within ${timeoutMs} ms (${count} hosts; ${horizon.readiness().reasons.join('; ')})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
