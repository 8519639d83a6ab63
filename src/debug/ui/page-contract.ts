// Compile-time proof that the debug JSON still has what the web view reads: each server view type must
// be assignable to the page's reading of it (page/api-types.ts). Renaming or retyping a field the page
// uses breaks `npm run typecheck` here, not the page in a browser. Types only: nothing runs.
import type { ClusterzEntry } from '../views/clusterz.js';
import type { NetworkEdsz } from '../views/edsz.js';
import type { MeshView } from '../views/mesh.js';
import type { Networkz } from '../views/networkz.js';
import type { RegistryzService } from '../views/registryz.js';
import type { SynczEntry } from '../views/syncz.js';
import type { ChangeEvent, HelloEvent } from './live-events.js';
import type * as Page from './page/api-types.js';

type Fits<Server, PageReading> = [Server] extends [PageReading] ? true : false;
type Proven<T extends true> = T;

export type PageContract = [
  Proven<Fits<ClusterzEntry, Page.ClusterzEntry>>,
  Proven<Fits<Networkz, Page.Networkz>>,
  Proven<Fits<RegistryzService, Page.RegistryzService>>,
  Proven<Fits<SynczEntry, Page.SynczEntry>>,
  Proven<Fits<MeshView, Page.MeshView>>,
  Proven<Fits<NetworkEdsz, Page.NetworkEdsz>>,
  Proven<Fits<HelloEvent, Page.HelloEvent>>,
  Proven<Fits<ChangeEvent, Page.ChangeEvent>>,
];
