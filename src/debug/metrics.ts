// Horizon's Prometheus metrics, in a registry of its own (never prom-client's global one), so several
// Horizons in one process each count their own. xDS events arrive through the server's observer
// interface; cluster and endpoint gauges are computed when scraped, from the live state.
import { Counter, Gauge, Registry } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-metrics.js';
import { kindOf } from '../xds/type-urls.js';
import type { AckEvent, ConnectEvent, DisconnectEvent, LimitEvent, NackEvent, PushSentEvent, RequestErrorEvent, XdsServerObserver } from '../xds/server/observer.js';
import { limitNames } from '../limits.js';
import type { DebugSource } from './source.js';

/** What the scrape-time gauges read; bound once Horizon is assembled (metrics exist before it is). */
export type MetricsSource = Pick<DebugSource, 'mesh' | 'clusters' | 'readiness'>;

interface PushMetrics {
  pushes: { inc(v?: number): void };
  bytes: { inc(v?: number): void };
  time: { observe(v: number): void };
  eventToSend: { observe(v: number): void };
  acks: { inc(v?: number): void };
}

const SYNC_STATUSES = ['syncing', 'synced', 'timeout', 'closed', 'refused'] as const;
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class HorizonMetrics implements XdsServerObserver {
  readonly registry = new Registry();
  private source: MetricsSource | undefined;

  private readonly connections = new Gauge({
    name: 'horizon_xds_connections',
    help: 'Open xDS streams that have identified themselves, by stream kind and client kind',
    labelNames: ['kind', 'client'] as const,
    registers: [this.registry],
  });
  // Counted on every response and ACK of every stream: the fast kinds (see fast-metrics.ts).
  private readonly pushes = new FastCounter('horizon_xds_pushes_total', 'xDS responses sent, by resource type and what caused them (push or request)', this.registry);
  private readonly pushBytes = new FastCounter('horizon_xds_push_bytes_total', 'Bytes of xDS responses sent, by resource type', this.registry);
  private readonly pushTime = new FastHistogram(
    'horizon_xds_push_duration_seconds',
    'From the push or request that caused a response to its write, by resource type',
    LATENCY_BUCKETS,
    this.registry,
  );
  private readonly eventToSend = new FastHistogram(
    'horizon_xds_event_to_send_seconds',
    'From the Kubernetes watch event (or topology change) to the xDS response that carries it, by resource type',
    LATENCY_BUCKETS,
    this.registry,
  );
  private readonly nacks = new Counter({
    name: 'horizon_xds_nacks_total',
    help: 'xDS responses rejected by clients (NACK), by resource type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  private readonly acks = new FastCounter('horizon_xds_acks_total', 'xDS responses acknowledged by clients, by resource type', this.registry);
  private readonly requestErrors = new Counter({
    name: 'horizon_xds_request_errors_total',
    help: 'Malformed or unusable xDS requests, by whether the stream was ended',
    labelNames: ['closed_stream'] as const,
    registers: [this.registry],
  });
  private readonly limitHits = new Counter({
    name: 'horizon_xds_limit_exceeded_total',
    help: 'xDS streams refused or ended for passing a limit, by limit (the --max-<limit> flag that raises it)',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'horizon_remote_secret_refusals_total',
    help: 'Remote cluster Secret keys refused (bad kubeconfig or conflicting cluster ID)',
    registers: [this.registry],
  });
  // Failures are summarised in the logs (first in full, then counted); these say how many there were.
  private readonly watchFailures = new Counter({
    name: 'horizon_cluster_watch_failures_total',
    help: 'Failed list or watch attempts on a cluster API server (every watch of the connection, Secrets and ConfigMap included)',
    labelNames: ['cluster'] as const,
    registers: [this.registry],
  });
  private readonly handlerErrors = new Counter({
    name: 'horizon_cluster_watch_handler_errors_total',
    help: 'Watched objects a handler failed on (caught, skipped; see lastHandlerError in /debug/clusterz)',
    labelNames: ['cluster'] as const,
    registers: [this.registry],
  });

  constructor() {
    const self = this;
    new Gauge({
      name: 'horizon_clusters',
      help: 'Clusters by sync status; refused counts remote Secret keys currently refused',
      labelNames: ['status'] as const,
      registers: [this.registry],
      collect() {
        const counts = new Map<string, number>(SYNC_STATUSES.map((s) => [s, 0]));
        const source = self.source;
        if (source) {
          for (const c of source.clusters.statuses()) counts.set(c.syncStatus, (counts.get(c.syncStatus) ?? 0) + 1);
          for (const r of source.clusters.remoteSecrets()) if (r.state === 'refused') counts.set('refused', counts.get('refused')! + 1);
        }
        for (const [status, n] of counts) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'horizon_cluster_stale',
      help: '1 for a cluster whose API server stopped answering (its last known endpoints are still served)',
      labelNames: ['cluster'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const c of self.source?.clusters.statuses() ?? []) this.set({ cluster: c.id }, c.staleSince !== undefined ? 1 : 0);
      },
    });
    new Gauge({
      name: 'horizon_cluster_watches',
      help: 'Watches on each cluster API server, by state (failing: retrying with backoff)',
      labelNames: ['cluster', 'state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const c of self.source?.clusters.statuses() ?? []) {
          const counts = new Map<string, number>();
          for (const w of c.watches) counts.set(w.state, (counts.get(w.state) ?? 0) + 1);
          for (const [state, n] of counts) this.set({ cluster: c.id, state }, n);
        }
      },
    });
    new Gauge({
      name: 'horizon_endpoints',
      help: 'Endpoints Horizon knows, by cluster of origin and network',
      labelNames: ['cluster', 'network'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const mesh = self.source?.mesh;
        if (!mesh) return;
        const counts = new Map<string, { cluster: string; network: string; n: number }>();
        for (const host of mesh.hostnames()) {
          for (const ep of mesh.endpoints(host)) {
            const key = `${ep.cluster}\u0000${ep.network}`;
            const c = counts.get(key);
            if (c) c.n++;
            else counts.set(key, { cluster: ep.cluster, network: ep.network, n: 1 });
          }
        }
        for (const c of counts.values()) this.set({ cluster: c.cluster, network: c.network }, c.n);
      },
    });
    new Gauge({
      name: 'horizon_ready',
      help: '1 once Horizon is ready to serve (see /ready)',
      registers: [this.registry],
      collect() {
        this.set(self.source?.readiness().ready ? 1 : 0);
      },
    });
  }

  /** Binds the scrape-time gauges to a running Horizon. */
  attach(source: MetricsSource): void {
    this.source = source;
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  recordSecretRefusal(): void {
    this.refusals.inc();
  }

  recordWatchFailure(cluster: string): void {
    this.watchFailures.inc({ cluster });
  }

  recordHandlerError(cluster: string): void {
    this.handlerErrors.inc({ cluster });
  }

  // ---- XdsServerObserver -----------------------------------------------------------------------

  onConnect(e: ConnectEvent): void {
    this.connections.inc({ kind: e.kind, client: e.node.proxyless ? 'proxyless' : 'envoy' });
  }

  onDisconnect(e: DisconnectEvent): void {
    // Only streams that sent a node were counted in.
    if (e.node) this.connections.dec({ kind: e.kind, client: e.node.proxyless ? 'proxyless' : 'envoy' });
  }

  /** Label children per type URL and trigger, bound once. */
  private readonly bound = new Map<string, { push: PushMetrics; request: PushMetrics }>();

  private metricsOf(typeUrl: string, trigger: 'push' | 'request'): PushMetrics {
    let m = this.bound.get(typeUrl);
    if (!m) {
      const type = kindOf(typeUrl);
      const of = (t: 'push' | 'request'): PushMetrics => ({
        pushes: this.pushes.child({ type, trigger: t }),
        bytes: this.pushBytes.child({ type }),
        time: this.pushTime.child({ type }),
        eventToSend: this.eventToSend.child({ type }),
        acks: this.acks.child({ type }),
      });
      m = { push: of('push'), request: of('request') };
      this.bound.set(typeUrl, m);
    }
    return m[trigger];
  }

  onPushSent(e: PushSentEvent): void {
    const m = this.metricsOf(e.typeUrl, e.trigger);
    m.pushes.inc();
    m.bytes.inc(e.bytes);
    m.time.observe(e.durationMs / 1000);
    if (e.eventToSendMs !== undefined) m.eventToSend.observe(e.eventToSendMs / 1000);
  }

  onAck(e: AckEvent): void {
    this.metricsOf(e.typeUrl, 'push').acks.inc();
  }

  onNack(e: NackEvent): void {
    this.nacks.inc({ type: kindOf(e.typeUrl) });
  }

  onRequestError(e: RequestErrorEvent): void {
    this.requestErrors.inc({ closed_stream: String(e.closedStream) });
  }

  onLimitExceeded(e: LimitEvent): void {
    this.limitHits.inc({ limit: limitNames[e.limit].flag });
  }
}
