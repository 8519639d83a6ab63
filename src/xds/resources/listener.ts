// Listener for proxyless gRPC: an API listener whose HttpConnectionManager gets its routes over RDS
// from the same ADS stream, with the router filter last (grpc-js-xds rejects anything else).
import { errorText, fail, ok, strictView, type Decoded } from '../codec/result.js';
import { TO_OBJECT, xdsTypes } from '../proto.js';
import { HTTP_CONNECTION_MANAGER_TYPE, ROUTER_FILTER_NAME, ROUTER_FILTER_TYPE } from '../type-urls.js';
import { ADS_CONFIG_SOURCE, requireName } from './common.js';
import { decodeRouteConfigurationMessage, type RouteConfigurationInput } from './route-configuration.js';

export interface ApiListenerInput {
  /** What the client asks for: `<host>:<port>` of its `xds:///` target. */
  name: string;
  /** The RouteConfiguration to fetch over RDS. */
  routeConfigName: string;
  statPrefix?: string;
}

/** The router filter with its defaults: Router{} encodes to no bytes at all. */
const ROUTER_FILTER = Object.freeze({ name: ROUTER_FILTER_NAME, typedConfig: { typeUrl: ROUTER_FILTER_TYPE, value: new Uint8Array(0) } });

export function encodeApiListener(input: ApiListenerInput): Uint8Array {
  const t = xdsTypes();
  const name = requireName(input.name, 'Listener.name');
  const routeConfigName = requireName(input.routeConfigName, `Listener ${name}: routeConfigName`);
  const hcm = t.HttpConnectionManager.encode({
    ...(input.statPrefix ? { statPrefix: input.statPrefix } : {}),
    rds: { configSource: ADS_CONFIG_SOURCE, routeConfigName },
    httpFilters: [ROUTER_FILTER],
  }).finish();
  return t.Listener.encode({
    name,
    apiListener: { apiListener: { typeUrl: HTTP_CONNECTION_MANAGER_TYPE, value: hcm } },
  }).finish();
}

export interface DecodedListener {
  name: string;
  /** Type URL inside api_listener ('' when the listener has none). */
  apiListenerType: string;
  /** RDS route name, when routes come over RDS. */
  routeConfigName?: string;
  /** Whether RDS is fetched over ADS. */
  rdsOverAds?: boolean;
  /** An inline route configuration, when the listener carries one instead of RDS. */
  routeConfig?: RouteConfigurationInput;
  httpFilters: { name: string; typeUrl: string }[];
  statPrefix?: string;
}

export function decodeListener(bytes: Uint8Array): Decoded<DecodedListener> {
  try {
    const t = xdsTypes();
    const l = t.Listener.toObject(t.Listener.decode(strictView(bytes)), TO_OBJECT) as {
      name?: string;
      apiListener?: { apiListener?: { typeUrl?: string; value?: Uint8Array } };
    };
    const out: DecodedListener = { name: l.name ?? '', apiListenerType: l.apiListener?.apiListener?.typeUrl ?? '', httpFilters: [] };
    const any = l.apiListener?.apiListener;
    if (any?.typeUrl === HTTP_CONNECTION_MANAGER_TYPE && any.value) {
      const h = t.HttpConnectionManager.toObject(t.HttpConnectionManager.decode(strictView(any.value)), TO_OBJECT) as {
        statPrefix?: string;
        rds?: { configSource?: { ads?: object }; routeConfigName?: string };
        routeConfig?: unknown;
        httpFilters?: { name?: string; typedConfig?: { typeUrl?: string } }[];
      };
      if (h.statPrefix) out.statPrefix = h.statPrefix;
      if (h.rds) {
        out.routeConfigName = h.rds.routeConfigName ?? '';
        out.rdsOverAds = h.rds.configSource?.ads !== undefined;
      }
      if (h.routeConfig) out.routeConfig = decodeRouteConfigurationMessage(h.routeConfig);
      out.httpFilters = (h.httpFilters ?? []).map((f) => ({ name: f.name ?? '', typeUrl: f.typedConfig?.typeUrl ?? '' }));
    }
    return ok(out);
  } catch (err) {
    return fail(`malformed Listener: ${errorText(err)}`);
  }
}
