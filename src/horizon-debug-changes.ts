// DebugSource.onChange for a running Horizon (part of the composition root, beside
// horizon-debug-source.ts): the parts' own events, said as which debug views they make stale. The mesh
// model, registry and meshNetworks sources are listened to only while someone listens here (an open web
// view); the xDS server and the remote Secret controller take their hooks when they are built, and
// those return at once while nobody listens.
import { logger } from './log.js';
import type { DebugChange } from './debug/source.js';
import type { MeshChanges, MeshModel } from './mesh/mesh-model.js';
import type { MeshNetworksSources } from './mesh-networks/sources.js';
import type { MeshNetworks } from './mesh-networks/types.js';
import type { Registry } from './registry/registry.js';
import type { XdsServerObserver } from './xds/server/observer.js';

type Listener = (change: DebugChange) => void;

export interface DebugChangeParts {
  mesh: MeshModel;
  registry: Registry;
  meshNetworks: MeshNetworksSources<MeshNetworks>;
}

export class DebugChanges {
  private readonly log = logger('debug-changes');
  private readonly listeners = new Set<Listener>();
  private detach: (() => void) | undefined;

  /** For the xDS server: connects, disconnects, sends, ACKs and NACKs change what /debug/syncz says. */
  readonly xdsObserver: XdsServerObserver;

  constructor(private readonly parts: DebugChangeParts) {
    const proxies = () => this.announce({ proxies: true });
    this.xdsObserver = { onConnect: proxies, onDisconnect: proxies, onPushSent: proxies, onAck: proxies, onNack: proxies };
  }

  /** For the remote Secret controller: a Secret's clusters or refusals changed (/debug/clusterz). */
  readonly secretsChanged = (): void => this.announce({ clusters: true });

  /** DebugSource.onChange. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    this.attach();
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) this.stop();
    };
  }

  /** Stops listening to the parts and forgets every listener (Horizon closing). */
  close(): void {
    this.listeners.clear();
    this.stop();
  }

  private attach(): void {
    if (this.detach) return;
    const { mesh, registry, meshNetworks } = this.parts;
    const meshChanged = (c: MeshChanges) =>
      this.announce(() => (c.full ? { topology: true } : { services: [...new Set([...c.services, ...c.endpoints, ...c.configHosts])] }));
    const clusters = () => this.announce({ clusters: true });
    const networks = () => this.announce({ mesh: true, topology: true });
    mesh.on('changes', meshChanged);
    mesh.on('clusters', clusters);
    registry.on('status', clusters);
    meshNetworks.on('changed', networks);
    meshNetworks.on('error-changed', networks);
    this.detach = () => {
      mesh.off('changes', meshChanged);
      mesh.off('clusters', clusters);
      registry.off('status', clusters);
      meshNetworks.off('changed', networks);
      meshNetworks.off('error-changed', networks);
    };
  }

  private stop(): void {
    this.detach?.();
    this.detach = undefined;
  }

  /** Calls every listener; a change worth computing is computed only when someone listens. */
  private announce(change: DebugChange | (() => DebugChange)): void {
    if (this.listeners.size === 0) return;
    const c = typeof change === 'function' ? change() : change;
    for (const l of [...this.listeners]) {
      try {
        l(c);
      } catch (err) {
        this.log.error({ err }, 'debug change listener threw; ignored');
      }
    }
  }
}
