// The resource types the mesh serves.
import { clusterType } from './cluster.js';
import { endpointType } from './endpoint.js';
import { listenerType } from './listener.js';
import { routeConfigurationType } from './route-configuration.js';
import type { ResourceType } from './resource-type.js';

export type { MeshView, NameTarget, ResourceType } from './resource-type.js';

export const MESH_RESOURCE_TYPES: readonly ResourceType[] = [clusterType, endpointType, listenerType, routeConfigurationType];
