// Plays kubelet for the demo: watches a cluster's pods (an informer on the Kubernetes API, as any
// controller would) and keeps one helloworld backend running on every Running and Ready pod it
// selects, bound to the pod's IP and container port. A pod that goes away, stops being ready or
// terminates has its backend stopped, so what Horizon sends and what answers stay in step.
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { ResilientInformer } from '../kube/informer.js';
import { KubeRest } from '../kube/rest.js';
import { logger } from '../log.js';
import { HelloworldFleet, type DesiredPod } from './helloworld-fleet.js';

export interface PodBackendsOptions {
  kubeConfig: KubeConfig;
  /** Pods to serve, e.g. `app=helloworld`. */
  labelSelector: string;
  /** Grace for running calls when a backend stops (default 500 ms). */
  stopGraceMs?: number;
}

/** The backend a pod should have, or undefined when it should have none. Pure. */
export function desiredBackend(pod: V1Pod): DesiredPod | undefined {
  if (pod.metadata?.deletionTimestamp) return undefined;
  if (pod.status?.phase !== 'Running') return undefined;
  const ready = pod.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  const address = pod.status.podIP;
  const port = pod.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => (p.protocol ?? 'TCP') === 'TCP')?.containerPort;
  if (!ready || !address || !port) return undefined;
  return { podName: pod.metadata?.name ?? '', address, port, version: pod.metadata?.labels?.version ?? 'unknown' };
}

export class PodBackends {
  readonly fleet: HelloworldFleet;
  private readonly informer: ResilientInformer<V1Pod>;
  private readonly log = logger('dataplane.pods');
  private scheduled = false;
  private lastSync: Promise<unknown> = Promise.resolve();

  constructor(options: PodBackendsOptions) {
    this.fleet = new HelloworldFleet({ stopGraceMs: options.stopGraceMs ?? 500 });
    this.informer = new ResilientInformer<V1Pod>({
      rest: new KubeRest(options.kubeConfig),
      path: '/api/v1/pods',
      labelSelector: options.labelSelector,
      handlers: { upsert: () => this.schedule(), remove: () => this.schedule() },
    });
  }

  start(): void {
    this.informer.start();
  }

  /** Resolves once the backends match the pods known now. */
  async settled(): Promise<void> {
    while (this.scheduled) await new Promise((r) => setImmediate(r));
    await this.lastSync;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const desired = [...this.informer.list()].map(desiredBackend).filter((p): p is DesiredPod => p !== undefined);
      this.lastSync = this.fleet.sync(desired).then(
        (r) => {
          if (r.started.length || r.stopped.length) this.log.info({ started: r.started, stopped: r.stopped }, 'helloworld backends changed');
        },
        (err: unknown) => this.log.warn({ err: (err as Error).message }, 'helloworld backends not synced'),
      );
    });
  }

  async close(): Promise<void> {
    this.informer.stop();
    await this.settled();
    await this.fleet.close();
  }
}
