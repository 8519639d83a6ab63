// Pod admission plays scheduler and kubelet at once: a pod is bound to a node (round robin), gets an
// IP from the pod CIDR (never one still in use), and is Running and Ready as soon as it exists,
// unless its creator wrote a Ready condition of its own.
import { invalid } from './api-error.js';
import type { KindHooks } from './cluster-state.js';
import type { ClusterNetwork } from './cluster-network.js';
import { timestamp, type KObject } from './k8s-object.js';
import { isPlainObject } from './merge-patch.js';
import { defaultPodSpec, podSpecCauses } from './pod-spec-defaults.js';

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  reason?: string;
}

/** InternalIP of a node object ('' if it has none). */
export function nodeInternalIp(node: KObject | undefined): string {
  const addrs = (node?.status as { addresses?: Array<{ type?: string; address?: string }> } | undefined)?.addresses ?? [];
  return addrs.find((a) => a.type === 'InternalIP')?.address ?? '';
}

export function podIsReady(pod: KObject): boolean {
  const conds = (pod.status as { conditions?: PodCondition[] } | undefined)?.conditions ?? [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

export function podHooks(net: ClusterNetwork): KindHooks {
  return {
    create(obj, ctx) {
      const causes = podSpecCauses(obj.spec, 'spec');
      if (causes.length) throw invalid('Pod', '', obj.metadata.name!, causes);
      const spec = obj.spec as Record<string, unknown>;
      defaultPodSpec(spec);
      spec.serviceAccountName ??= 'default';
      spec.enableServiceLinks ??= true;
      spec.priority ??= 0;
      const st = ctx.state;
      const nodeType = st.typeOfKind('Node');
      if (!spec.nodeName) {
        const nodes = st.list(nodeType).items.map((n) => n.metadata.name!);
        const picked = net.pickNode(nodes);
        if (picked) spec.nodeName = picked;
      }
      const status: Record<string, unknown> = isPlainObject(obj.status) ? { ...obj.status } : {};
      const now = obj.metadata.creationTimestamp!;
      if (!spec.nodeName) {
        obj.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastProbeTime: null, lastTransitionTime: now }], qosClass: 'BestEffort' };
        return;
      }
      const hostIP = nodeInternalIp(st.tryGet(nodeType, undefined, spec.nodeName as string));
      let podIP = typeof status.podIP === 'string' ? status.podIP : undefined;
      if (spec.hostNetwork === true) podIP = hostIP || undefined;
      else if (podIP) {
        if (!ctx.dryRun) net.podIps.claim(podIP);
      } else {
        podIP = net.podIps.allocate();
        if (podIP && ctx.dryRun) net.podIps.release(podIP);
      }
      const conditions = Array.isArray(status.conditions) && (status.conditions as PodCondition[]).some((c) => c.type === 'Ready') ? status.conditions : readyConditions(true, now);
      const ready = (conditions as PodCondition[]).some((c) => c.type === 'Ready' && c.status === 'True');
      const containers = Array.isArray(spec.containers) ? (spec.containers as Array<Record<string, unknown>>) : [];
      obj.status = {
        phase: status.phase ?? 'Running',
        conditions,
        ...(hostIP ? { hostIP, hostIPs: [{ ip: hostIP }] } : {}),
        ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
        startTime: now,
        containerStatuses: containers.map((c) => ({
          name: c.name,
          ready,
          restartCount: 0,
          started: true,
          image: c.image ?? '',
          imageID: '',
          containerID: `emulated://${String(c.name)}`,
          state: { running: { startedAt: now } },
        })),
        qosClass: 'BestEffort',
      };
    },
    update(obj, old) {
      const spec = isPlainObject(obj.spec) ? obj.spec : {};
      const oldSpec = (old.spec ?? {}) as Record<string, unknown>;
      // The binding and the containers' identity do not change on update (the real API forbids it).
      if (oldSpec.nodeName) spec.nodeName = oldSpec.nodeName;
      const causes = podSpecCauses(spec, 'spec');
      if (causes.length) throw invalid('Pod', '', obj.metadata.name!, causes);
      obj.spec = spec;
    },
    removed(obj) {
      const st = obj.status as { podIP?: string } | undefined;
      const spec = obj.spec as { hostNetwork?: boolean } | undefined;
      if (st?.podIP && !spec?.hostNetwork) net.podIps.release(st.podIP);
    },
  };
}

export function readyConditions(ready: boolean, now: string): PodCondition[] {
  const s = ready ? 'True' : 'False';
  return [
    { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: now },
    { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: now },
    { type: 'Ready', status: s, lastProbeTime: null, lastTransitionTime: now },
    { type: 'ContainersReady', status: s, lastProbeTime: null, lastTransitionTime: now },
    { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now },
  ];
}

/** The pod with its Ready / ContainersReady conditions (and container readiness) set to `ready`. */
export function withReadiness(pod: KObject, ready: boolean): KObject {
  const status = { ...((pod.status ?? {}) as Record<string, unknown>) };
  const s = ready ? 'True' : 'False';
  const now = timestamp();
  const conds = (Array.isArray(status.conditions) ? (status.conditions as PodCondition[]) : readyConditions(ready, now)).map((c) =>
    (c.type === 'Ready' || c.type === 'ContainersReady') && c.status !== s ? { ...c, status: s as PodCondition['status'], lastTransitionTime: now } : c,
  );
  for (const type of ['Ready', 'ContainersReady']) {
    if (!conds.some((c) => c.type === type)) conds.push({ type, status: s, lastProbeTime: null, lastTransitionTime: now });
  }
  status.conditions = conds;
  if (Array.isArray(status.containerStatuses)) {
    status.containerStatuses = (status.containerStatuses as Array<Record<string, unknown>>).map((c) => ({ ...c, ready }));
  }
  return { ...pod, status };
}
