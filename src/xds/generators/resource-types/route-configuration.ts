// RouteConfiguration (RDS): the routes of one service port, from its VirtualService or the default
// route, per client kind (hash policies differ).
import { encodeRouteConfiguration } from '../../resources/route-configuration.js';
import { ROUTE_CONFIGURATION_TYPE } from '../../type-urls.js';
import { RouteBuilder } from '../rds.js';
import type { ResourceType } from './resource-type.js';
import { parseTarget, targetChangedHosts, targetIndexHost, targetVariantOf, type HostPort } from './target-names.js';

export const routeConfigurationType: ResourceType<HostPort> = {
  typeUrl: ROUTE_CONFIGURATION_TYPE,
  followsEndpoints: false,
  hostOf: targetIndexHost,
  changedHosts: targetChangedHosts,
  parse: parseTarget,
  variantOf: targetVariantOf,
  generate(view, name, { host, port }, node) {
    const built = new RouteBuilder(view.mesh, view.config, node.proxyless).build(host, port);
    return built ? encodeRouteConfiguration({ ...built.input, name }) : undefined;
  },
};
