// One real Kubernetes control plane from a cluster definition (clusters/<set>/<id>/cluster.yaml +
// manifests): etcd, kube-apiserver, kube-controller-manager and kube-scheduler as built from
// k8s.io/kubernetes, kwok standing in for the kubelets of the definition's nodes, and MetalLB's
// controller giving LoadBalancer Services addresses from the definition's pool. kwokctl writes the
// PKI and the components' flags; Horizon's ComponentSupervisor runs them and restarts what exits.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import type { ClusterDefinition } from '../emulator/cluster-definition.js';
import { kubeconfigDocument } from '../kube/kubeconfig-document.js';
import { logger } from '../log.js';
import { freePorts } from '../util/free-ports.js';
import { run, runOk } from '../util/run-command.js';
import { ComponentSupervisor, type ComponentSpec } from './component-supervisor.js';
import { kwokctlConfigYaml, realPodCIDR } from './kwokctl-config.js';
import { addLocalRoute, removeLocalRoute } from './local-route.js';

const log = logger('controlplane');
const istioCrds = fileURLToPath(new URL('../../clusters/crds/networking-istio-io.yaml', import.meta.url));

export interface RealClusterOptions {
  /** Folder of the binaries (scripts/kube-binaries.sh). */
  binDir: string;
  /** Folder this cluster may use (its kwokctl workdir); removed by stop(). */
  workDir: string;
  /** Route the pod range to the loopback interface so pod addresses can be bound (needs root). */
  routePods?: boolean;
}

/** The components as kwokctl wrote them into the cluster's kwok.yaml. */
interface KwokComponent {
  name: string;
  binary: string;
  args?: string[];
  workDir?: string;
  envs?: Array<{ name: string; value: string }>;
}

const ADMIN_SA = 'horizon-admin';

export class RealCluster {
  readonly id: string;
  readonly network: string;
  readonly podCIDR: string;
  private token = '';
  private caData = '';

  private constructor(
    readonly definition: ClusterDefinition,
    readonly supervisor: ComponentSupervisor,
    readonly url: string,
    private readonly workDir: string,
    /** kwokctl's admin kubeconfig (client certificate files): used only to set the cluster up. */
    private readonly bootstrapKubeconfig: string,
    private readonly routed: boolean,
    private readonly binDir: string,
  ) {
    this.id = definition.clusterID;
    this.network = definition.network;
    this.podCIDR = realPodCIDR(definition);
  }

  static async start(def: ClusterDefinition, opts: RealClusterOptions): Promise<RealCluster> {
    const started = Date.now();
    const podCIDR = realPodCIDR(def);
    await rm(opts.workDir, { recursive: true, force: true });
    await mkdir(opts.workDir, { recursive: true, mode: 0o700 });
    const bin = (name: string) => path.join(opts.binDir, name);
    const configFile = path.join(opts.workDir, 'kwokctl.yaml');
    // Ours, not kwokctl's: its own choice scans down from 32766 and races when two clusters start side by side.
    const ports = await freePorts(7);
    await writeFile(
      configFile,
      kwokctlConfigYaml(
        def,
        {
          etcd: bin('etcd'),
          kubeApiserver: bin('kube-apiserver'),
          kubeControllerManager: bin('kube-controller-manager'),
          kubeScheduler: bin('kube-scheduler'),
          kwokController: bin('kwok'),
        },
        { etcd: ports[0]!, etcdPeer: ports[1]!, kubeApiserver: def.apiPort || ports[2]!, kubeControllerManager: ports[3]!, kubeScheduler: ports[4]!, kwokController: ports[5]! },
      ),
    );
    const env = { ...process.env, KWOK_WORKDIR: opts.workDir };
    const kwokctl = (args: string[]) => runOk(bin('kwokctl'), ['--name', def.clusterID, ...args], { env, timeoutMs: 120_000 });
    const bootstrapKubeconfig = path.join(opts.workDir, 'admin-certificate.kubeconfig');
    // create makes the PKI, flags and data folders and starts everything once; stop hands the
    // processes over to the supervisor, which (unlike kwokctl) restarts what exits.
    await kwokctl(['-c', configFile, 'create', 'cluster', '--kubeconfig', bootstrapKubeconfig, '--wait', '60s']);
    await kwokctl(['stop', 'cluster']);
    const clusterDir = path.join(opts.workDir, 'clusters', def.clusterID);
    const components = await readComponents(path.join(clusterDir, 'kwok.yaml'));
    const logs = path.join(clusterDir, 'logs');
    await mkdir(logs, { recursive: true });
    const specs: ComponentSpec[] = components.map((c) => ({
      name: c.name,
      binary: c.binary,
      args: c.args ?? [],
      workDir: c.workDir ?? clusterDir,
      env: Object.fromEntries((c.envs ?? []).map((e) => [e.name, e.value])),
      logFile: path.join(logs, `${c.name}.log`),
    }));
    specs.push({
      name: 'metallb-controller',
      binary: bin('metallb-controller'),
      // No webhooks (nothing would call them here) and no metrics/health listeners to collide.
      args: ['--namespace', 'metallb-system', '--webhook-mode', 'disabled', '--disable-cert-rotation', '--port', String(ports[6]), '--log-level', 'warn'],
      workDir: clusterDir,
      env: { KUBECONFIG: bootstrapKubeconfig },
      logFile: path.join(logs, 'metallb-controller.log'),
      // It exits without its CRDs: released by setUp() once they are established.
      startHeld: true,
    });
    const supervisor = new ComponentSupervisor(specs);
    const server = (await kubeconfigServer(bootstrapKubeconfig)) ?? '';
    const routed = opts.routePods === true;
    const cluster = new RealCluster(def, supervisor, server, opts.workDir, bootstrapKubeconfig, routed, opts.binDir);
    try {
      if (routed) await addLocalRoute(podCIDR);
      supervisor.start();
      await cluster.setUp(path.join(clusterDir, 'pki', 'ca.crt'));
    } catch (err) {
      await cluster.stop();
      throw new Error(`cluster ${def.clusterID}: the real control plane did not come up: ${(err as Error).message} (logs were in ${logs})`);
    }
    log.info({ cluster: def.clusterID, url: server, ms: Date.now() - started }, 'real control plane ready');
    return cluster;
  }

  /** kubectl with the bootstrap (admin certificate) kubeconfig. */
  private kubectl(args: readonly string[], input?: string, timeoutMs = 60_000): Promise<string> {
    return runOk('kubectl', ['--kubeconfig', this.bootstrapKubeconfig, '--cache-dir', path.join(this.workDir, 'kubectl-cache'), ...args], { ...(input !== undefined ? { input } : {}), timeoutMs });
  }

  private async until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        const v = await probe();
        if (v !== undefined) return v;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs / 1000} s${last ? `: ${last}` : ''}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private async setUp(caFile: string): Promise<void> {
    const def = this.definition;
    await this.until('kube-apiserver /readyz', 60_000, async () => ((await this.kubectl(['get', '--raw', '/readyz'])).trim() === 'ok' ? true : undefined));
    // Nodes first: kube-controller-manager gives each its podCIDR, kwok marks it Ready and gives its
    // pods addresses from that CIDR. Both an InternalIP and a Hostname address, so kwok keeps ours.
    const nodes = def.nodes.map((n) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: n.name,
        labels: { ...n.labels, 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      },
      status: { addresses: [{ type: 'InternalIP', address: n.internalIP }, { type: 'Hostname', address: n.name }] },
    }));
    await this.kubectl(['create', '-f', '-'], yamlDocs(nodes));
    // MetalLB: its CRDs, the definition's pool, then its controller (started by the supervisor's
    // restarts until the CRDs exist; it exits without them).
    await this.kubectl(['apply', '--server-side', '-f', path.join(this.binDir, 'metallb-crds.yaml')], undefined, 120_000);
    await this.kubectl(['apply', '-f', istioCrds]);
    await this.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    await this.kubectl(
      ['apply', '-f', '-'],
      yamlDocs([
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'metallb-system' } },
        // avoidBuggyIPs: no .0 / .255 addresses, as the emulator's pools hand out.
        { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'cluster-pool', namespace: 'metallb-system' }, spec: { addresses: [def.loadBalancerPool], avoidBuggyIPs: true } },
        // A token for Horizon's own kubeconfig of this cluster: what a remote Secret would carry.
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: ADMIN_SA, namespace: 'kube-system' } },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: ADMIN_SA },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ kind: 'ServiceAccount', name: ADMIN_SA, namespace: 'kube-system' }],
        },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'kubernetes.io/service-account-token',
          metadata: { name: `${ADMIN_SA}-token`, namespace: 'kube-system', annotations: { 'kubernetes.io/service-account.name': ADMIN_SA } },
        },
      ]),
    );
    this.supervisor.release('metallb-controller');
    this.token = await this.until('the ServiceAccount token controller', 60_000, async () => {
      const t = await this.kubectl(['get', 'secret', '-n', 'kube-system', `${ADMIN_SA}-token`, '-o', 'jsonpath={.data.token}']);
      return t ? Buffer.from(t, 'base64').toString('utf8') : undefined;
    });
    this.caData = (await readFile(caFile)).toString('base64');
    await this.until('every node Ready with a podCIDR', 60_000, async () => {
      const out = await this.kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.spec.podCIDR} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
      const lines = out.trim().split('\n').filter(Boolean);
      return lines.length === def.nodes.length && lines.every((l) => /^\S+ True$/.test(l)) ? true : undefined;
    });
    await this.until('the default ServiceAccount', 60_000, async () => ((await run('kubectl', ['--kubeconfig', this.bootstrapKubeconfig, 'get', 'sa', 'default', '-n', 'default', '-o', 'name'])).code === 0 ? true : undefined));
    // The definition's manifests: namespaces first, then the rest in file order (as the emulator does).
    const manifests = def.manifests.map((m) => m.object);
    const ordered = [...manifests.filter((o) => o.kind === 'Namespace'), ...manifests.filter((o) => o.kind !== 'Namespace')];
    if (ordered.length > 0) await this.kubectl(['apply', '-f', '-'], yamlDocs(ordered), 120_000);
    // Ready as the emulator is when it returns: the manifests' Deployments available and every
    // selecting Service's EndpointSlices holding its ready pods (real controllers take a moment).
    if (ordered.some((o) => o.kind === 'Deployment')) await this.kubectl(['wait', '--for=condition=Available', 'deployments', '--all', '-A', '--timeout=90s'], undefined, 100_000);
    for (const svc of ordered.filter((o) => o.kind === 'Service')) {
      const selector = (svc as { spec?: { selector?: Record<string, string> } }).spec?.selector;
      if (!selector || Object.keys(selector).length === 0) continue;
      const ns = svc.metadata.namespace ?? 'default';
      const labels = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
      await this.until(`EndpointSlices of Service ${ns}/${svc.metadata.name}`, 60_000, async () => {
        const pods = await this.kubectl(['get', 'pods', '-n', ns, '-l', labels, '-o', 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
        const slices = await this.kubectl(['get', 'endpointslices', '-n', ns, '-l', `kubernetes.io/service-name=${svc.metadata.name}`, '-o', 'jsonpath={range .items[*].endpoints[*]}{.conditions.ready}{"\\n"}{end}']);
        const count = (text: string, v: string) => text.split('\n').filter((l) => l === v).length;
        return count(pods, 'True') === count(slices, 'true') ? true : undefined;
      });
    }
    // Every LoadBalancer Service of the manifests has its address before anyone reads it.
    const lbs = ordered.filter((o) => o.kind === 'Service' && (o as { spec?: { type?: string } }).spec?.type === 'LoadBalancer');
    for (const svc of lbs) {
      const ns = svc.metadata.namespace ?? 'default';
      const name = svc.metadata.name ?? '';
      await this.until(`an address for LoadBalancer Service ${ns}/${name} (MetalLB)`, 60_000, async () =>
        (await this.kubectl(['get', 'service', '-n', ns, name, '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])).trim() || undefined,
      );
    }
  }

  /** A kubeconfig for this cluster with a ServiceAccount token (cluster-admin) and the cluster's CA. */
  kubeconfigYaml(opts: { contextName?: string } = {}): string {
    return kubeconfigDocument([this.kubeconfigEntry(opts.contextName ?? this.id)]);
  }

  kubeconfigEntry(contextName = this.id) {
    return { context: contextName, cluster: contextName, user: `${contextName}-admin`, server: this.url, token: this.token, certificateAuthorityData: this.caData };
  }

  /** Stops every process and removes the cluster's folder (its data, PKI and logs) and route. */
  async stop(): Promise<void> {
    await this.supervisor.stop();
    if (this.routed) await removeLocalRoute(this.podCIDR);
    await rm(this.workDir, { recursive: true, force: true });
  }
}

function yamlDocs(objects: readonly unknown[]): string {
  return objects.map((o) => stringify(o)).join('---\n');
}

async function kubeconfigServer(file: string): Promise<string | undefined> {
  const doc = parseAllDocuments(await readFile(file, 'utf8'))[0]?.toJS() as { clusters?: Array<{ cluster?: { server?: string } }> } | undefined;
  return doc?.clusters?.[0]?.cluster?.server;
}

async function readComponents(file: string): Promise<KwokComponent[]> {
  for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
    const v = doc.toJS() as { kind?: string; components?: KwokComponent[] } | null;
    if (v?.kind === 'KwokctlConfiguration' && Array.isArray(v.components) && v.components.length > 0) return v.components;
  }
  throw new Error(`${file} lists no components`);
}
