// Listener (LDS), proxyless gRPC only: an API listener per `<host>:<port>` target, as the client spells
// it (Envoy's listeners are out of Horizon's scope).
import { encodeApiListener } from '../../resources/listener.js';
import { LISTENER_TYPE } from '../../type-urls.js';
import { routeConfigName } from '../names.js';
import { clientKind, type ResourceType } from './resource-type.js';
import { parseTarget, targetChangedHosts, targetIndexHost, targetVariantOf, type HostPort } from './target-names.js';

export const listenerType: ResourceType<HostPort> = {
  typeUrl: LISTENER_TYPE,
  followsEndpoints: false,
  hostOf: targetIndexHost,
  changedHosts: targetChangedHosts,
  parse: (name, node, view) => (node.proxyless ? parseTarget(name, node, view) : undefined),
  variantOf: targetVariantOf,
  generate(view, name, { host, port }) {
    const exists = view.mesh.serviceInstances(host).some((s) => s.ports.some((p) => p.port === port));
    return exists ? encodeApiListener({ name, routeConfigName: routeConfigName(host, port) }) : undefined;
  },
  wildcard: {
    variantOf: clientKind,
    names(view, node) {
      if (!node.proxyless) return [];
      const out: string[] = [];
      for (const host of view.mesh.hostnames()) {
        const ports = new Set(view.mesh.serviceInstances(host).flatMap((s) => s.ports.map((p) => p.port)));
        for (const port of ports) out.push(`${host}:${port}`);
      }
      return out;
    },
  },
};
