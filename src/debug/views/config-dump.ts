// /debug/config_dump?proxyID=: every resource the proxy holds, by type, in proto3 JSON. Resources are
// generated now for that proxy's view, without touching the serving cache; `upToDate: false` marks one
// whose current version differs from the version last sent (a push is on its way, or the proxy rejected it).
import type { JsonObject } from '../../xds/codec/struct.js';
import { anyToProto3Json } from '../../xds/codec/proto-json.js';
import { kindOf, PUSH_ORDER } from '../../xds/type-urls.js';
import { shownId } from '../bounds.js';
import type { DebugResources, DebugXds } from '../source.js';
import { findProxy, requireProxyId } from './proxies.js';

export interface DumpedResource {
  name: string;
  version: string;
  sentVersion: string;
  upToDate: boolean;
  resource: JsonObject;
}

export interface ConfigDump {
  proxy: string;
  connectionId: string;
  serverVersion: string;
  /** CDS / EDS / LDS / RDS -> resources the proxy has. */
  resources: Record<string, DumpedResource[]>;
  /** Names the proxy has that no longer exist (a removal is on its way). */
  gone: Record<string, string[]>;
}

export function configDump(source: { xds: DebugXds; resources: DebugResources }, params: URLSearchParams): ConfigDump {
  const conn = findProxy(source.xds, requireProxyId(params));
  const node = conn.node!;
  const resources: Record<string, DumpedResource[]> = {};
  const gone: Record<string, string[]> = {};
  const types = [...conn.types].sort((a, b) => PUSH_ORDER.indexOf(a.typeUrl) - PUSH_ORDER.indexOf(b.typeUrl));
  for (const t of types) {
    const kind = kindOf(t.typeUrl);
    const names = new Set(Object.keys(t.sent));
    const list: DumpedResource[] = [];
    const found = new Set<string>();
    if (names.size > 0) {
      for (const r of source.resources.generateUncached(t.typeUrl, node, names)) {
        if (!names.has(r.name) || found.has(r.name)) continue;
        found.add(r.name);
        const json = anyToProto3Json(r.any);
        const sentVersion = t.sent[r.name] ?? '';
        list.push({ name: r.name, version: r.version, sentVersion, upToDate: r.version === sentVersion, resource: json.ok ? json.value : { error: json.error } });
      }
    }
    resources[kind] = list.sort((a, b) => a.name.localeCompare(b.name));
    // Names nothing was generated for come from the client: shown clipped.
    const missing = [...names].filter((n) => !found.has(n)).sort().map(shownId);
    if (missing.length > 0) gone[kind] = missing;
  }
  return { proxy: shownId(node.id), connectionId: conn.id, serverVersion: source.xds.version(), resources, gone };
}
