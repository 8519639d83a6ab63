// Service admission: validation and defaults, a cluster IP from the service CIDR, node ports for
// NodePort / LoadBalancer services, and a load-balancer address from the pool in
// status.loadBalancer.ingress (the emulator is its own cloud controller). Allocations follow the
// service through updates and are released when it is deleted.
import { ApiError, invalid, type StatusCause } from './api-error.js';
import type { AdmissionContext, KindHooks } from './cluster-state.js';
import type { ClusterNetwork } from './cluster-network.js';
import type { KObject } from './k8s-object.js';
import { labelValueError } from './label-selector.js';
import { isPlainObject } from './merge-patch.js';

type Port = Record<string, unknown> & { port: number; protocol: string; nodePort?: number };
const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

function validate(obj: KObject): { spec: Record<string, unknown>; ports: Port[]; type: string } {
  const name = obj.metadata.name!;
  const causes: StatusCause[] = [];
  if (obj.spec === undefined || obj.spec === null) obj.spec = {};
  if (!isPlainObject(obj.spec)) throw invalid('Service', '', name, [{ field: 'spec', message: 'Invalid value: must be an object' }]);
  const spec = obj.spec;
  const type = (spec.type as string | undefined) ?? 'ClusterIP';
  if (!types.includes(type)) causes.push({ field: 'spec.type', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(type)}: supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"` });
  spec.type = type;
  const rawPorts = spec.ports === undefined || spec.ports === null ? [] : spec.ports;
  if (!Array.isArray(rawPorts)) throw invalid('Service', '', name, [{ field: 'spec.ports', message: 'Invalid value: must be a list' }]);
  if (rawPorts.length === 0 && type !== 'ExternalName' && spec.clusterIP !== 'None') {
    causes.push({ field: 'spec.ports', reason: 'FieldValueRequired', message: 'Required value' });
  }
  const names = new Set<string>();
  const ports: Port[] = [];
  rawPorts.forEach((p, i) => {
    if (!isPlainObject(p)) {
      causes.push({ field: `spec.ports[${i}]`, message: 'Invalid value: must be an object' });
      return;
    }
    const port = p.port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      causes.push({ field: `spec.ports[${i}].port`, message: `Invalid value: ${JSON.stringify(port)}: must be between 1 and 65535, inclusive` });
    }
    const pname = (p.name as string | undefined) ?? '';
    if (rawPorts.length > 1 && pname === '') causes.push({ field: `spec.ports[${i}].name`, reason: 'FieldValueRequired', message: 'Required value' });
    if (pname !== '' && names.has(pname)) causes.push({ field: `spec.ports[${i}].name`, reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(pname)}` });
    names.add(pname);
    const protocol = (p.protocol as string | undefined) ?? 'TCP';
    if (!['TCP', 'UDP', 'SCTP'].includes(protocol)) causes.push({ field: `spec.ports[${i}].protocol`, reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(protocol)}: supported values: "SCTP", "TCP", "UDP"` });
    const targetPort = p.targetPort ?? port;
    if (typeof targetPort !== 'number' && typeof targetPort !== 'string') causes.push({ field: `spec.ports[${i}].targetPort`, message: 'Invalid value: must be a number or a port name' });
    ports.push({ ...p, protocol, targetPort, port: port as number });
  });
  if (spec.selector !== undefined && spec.selector !== null) {
    if (!isPlainObject(spec.selector)) causes.push({ field: 'spec.selector', message: 'Invalid value: must be a map of strings' });
    else
      for (const [k, v] of Object.entries(spec.selector)) {
        const e = typeof v === 'string' ? labelValueError(v) : 'must be a string';
        if (e) causes.push({ field: 'spec.selector', message: `Invalid value: ${JSON.stringify(v)}: ${e} (key ${k})` });
      }
  }
  if (type === 'ExternalName' && (typeof spec.externalName !== 'string' || spec.externalName === '')) {
    causes.push({ field: 'spec.externalName', reason: 'FieldValueRequired', message: 'Required value' });
  }
  if (causes.length) throw invalid('Service', '', name, causes);
  return { spec, ports, type };
}

function applyDefaults(spec: Record<string, unknown>, ports: Port[], type: string): void {
  if (type !== 'ExternalName') {
    spec.sessionAffinity ??= 'None';
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
  } else {
    spec.sessionAffinity ??= 'None';
  }
  if (type === 'NodePort' || type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (ports.length > 0) spec.ports = ports;
  else delete spec.ports;
}

/** Allocations made while admitting one write; undone if the write fails or is a dry run. */
class Claims {
  private readonly undo: Array<() => void> = [];
  add(fn: () => void): void {
    this.undo.push(fn);
  }
  rollback(): void {
    for (const fn of this.undo.splice(0).reverse()) fn();
  }
}

function exhausted(what: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: failed to allocate a ${what}: range is full`);
}

export function serviceHooks(net: ClusterNetwork): KindHooks {
  const wantsNodePorts = (type: string, spec: Record<string, unknown>): boolean =>
    type === 'NodePort' || (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);

  function allocateClusterIp(obj: KObject, spec: Record<string, unknown>, claims: Claims): void {
    const requested = (spec.clusterIP as string | undefined) ?? (Array.isArray(spec.clusterIPs) ? (spec.clusterIPs[0] as string) : undefined);
    if (requested === 'None') {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
      return;
    }
    if (requested) {
      if (!net.serviceIps.contains(requested)) {
        throw invalid('Service', '', obj.metadata.name!, [{ field: 'spec.clusterIPs', message: `Invalid value: ${JSON.stringify([requested])}: failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${net.serviceIps.cidr.text}` }]);
      }
      if (!net.serviceIps.claim(requested)) {
        throw invalid('Service', '', obj.metadata.name!, [{ field: 'spec.clusterIPs', message: `Invalid value: ${JSON.stringify([requested])}: failed to allocate IP ${requested}: provided IP is already allocated` }]);
      }
      claims.add(() => net.serviceIps.release(requested));
      spec.clusterIP = requested;
      spec.clusterIPs = [requested];
      return;
    }
    const ip = net.serviceIps.allocate();
    if (!ip) throw exhausted('cluster IP');
    claims.add(() => net.serviceIps.release(ip));
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  }

  function allocateNodePorts(obj: KObject, ports: Port[], previous: Port[], claims: Claims): void {
    for (const [i, p] of ports.entries()) {
      const before = previous.find((q) => q.port === p.port && q.protocol === p.protocol);
      if (p.nodePort !== undefined && p.nodePort !== null) {
        if (before && before.nodePort === p.nodePort) continue;
        if (!net.nodePorts.claim(p.nodePort)) {
          throw invalid('Service', '', obj.metadata.name!, [{ field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: provided port is already allocated or outside 30000-32767` }]);
        }
        const claimed = p.nodePort;
        claims.add(() => net.nodePorts.release(claimed));
        continue;
      }
      if (before?.nodePort !== undefined) {
        p.nodePort = before.nodePort;
        continue;
      }
      const np = net.nodePorts.allocate();
      if (np === undefined) throw exhausted('node port');
      claims.add(() => net.nodePorts.release(np));
      p.nodePort = np;
    }
  }

  function loadBalancerStatus(spec: Record<string, unknown>, previousIp: string | undefined, claims: Claims): Record<string, unknown> {
    if (previousIp) return { loadBalancer: { ingress: [{ ip: previousIp, ipMode: 'VIP' }] } };
    const wanted = spec.loadBalancerIP as string | undefined;
    let ip: string | undefined;
    if (wanted && net.loadBalancerIps.claim(wanted)) ip = wanted;
    else ip = net.loadBalancerIps.allocate();
    if (!ip) {
      // Like a cloud with no free address: the service stays pending, with no ingress.
      return { loadBalancer: {} };
    }
    const got = ip;
    claims.add(() => net.loadBalancerIps.release(got));
    return { loadBalancer: { ingress: [{ ip: got, ipMode: 'VIP' }] } };
  }

  const lbIpOf = (o: KObject | undefined): string | undefined => {
    const st = o?.status as { loadBalancer?: { ingress?: Array<{ ip?: string }> } } | undefined;
    return st?.loadBalancer?.ingress?.[0]?.ip;
  };

  function admit(obj: KObject, old: KObject | undefined, ctx: AdmissionContext): void {
    const { spec, ports, type } = validate(obj);
    const oldSpec = (old?.spec ?? {}) as Record<string, unknown>;
    const oldType = (oldSpec.type as string | undefined) ?? 'ClusterIP';
    const oldPorts = (Array.isArray(oldSpec.ports) ? oldSpec.ports : []) as Port[];
    const claims = new Claims();
    const releaseLater: Array<() => void> = [];
    try {
      // Cluster IP: kept across updates; immutable once set.
      if (type === 'ExternalName') {
        delete spec.clusterIP;
        delete spec.clusterIPs;
        if (old && oldType !== 'ExternalName' && oldSpec.clusterIP && oldSpec.clusterIP !== 'None') {
          const ip = oldSpec.clusterIP as string;
          releaseLater.push(() => net.serviceIps.release(ip));
        }
      } else if (old && oldType !== 'ExternalName' && oldSpec.clusterIP) {
        const want = spec.clusterIP as string | undefined;
        if (want !== undefined && want !== '' && want !== oldSpec.clusterIP) {
          throw invalid('Service', '', obj.metadata.name!, [{ field: 'spec.clusterIPs[0]', message: 'Invalid value: field is immutable' }]);
        }
        spec.clusterIP = oldSpec.clusterIP;
        spec.clusterIPs = oldSpec.clusterIPs ?? [oldSpec.clusterIP];
      } else {
        allocateClusterIp(obj, spec, claims);
      }
      // Node ports.
      const previousPorts = wantsNodePorts(oldType, oldSpec) ? oldPorts : [];
      if (wantsNodePorts(type, spec)) {
        allocateNodePorts(obj, ports, previousPorts, claims);
      } else {
        for (const p of ports) delete p.nodePort;
      }
      for (const q of previousPorts) {
        if (q.nodePort !== undefined && !ports.some((p) => p.nodePort === q.nodePort)) {
          const np = q.nodePort;
          releaseLater.push(() => net.nodePorts.release(np));
        }
      }
      // Load balancer address.
      const oldLb = old && oldType === 'LoadBalancer' ? lbIpOf(old) : undefined;
      if (type === 'LoadBalancer') {
        obj.status = loadBalancerStatus(spec, oldLb, claims);
      } else if (!old || oldLb) {
        obj.status = { loadBalancer: {} };
        if (oldLb) releaseLater.push(() => net.loadBalancerIps.release(oldLb));
      }
      applyDefaults(spec, ports, type);
    } catch (err) {
      claims.rollback();
      throw err;
    }
    if (ctx.dryRun) claims.rollback();
    else for (const fn of releaseLater) fn();
  }

  return {
    create(obj, ctx) {
      admit(obj, undefined, ctx);
    },
    update(obj, old, ctx) {
      admit(obj, old, ctx);
    },
    removed(obj) {
      const spec = (obj.spec ?? {}) as Record<string, unknown>;
      if (typeof spec.clusterIP === 'string' && spec.clusterIP !== 'None') net.serviceIps.release(spec.clusterIP);
      if (Array.isArray(spec.ports)) for (const p of spec.ports as Port[]) net.nodePorts.release(p.nodePort);
      net.loadBalancerIps.release(lbIpOf(obj));
    },
  };
}
