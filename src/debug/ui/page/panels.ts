// The panels beside the graph, each drawn from one debug document and linking to it: clusters,
// gateways and topology problems, connected proxies, and the focused service as a caller on every
// network receives it. Plain functions from data to DOM.
import { query } from './api.js';
import type { ClusterzEntry, ExplainedAssignment, MeshView, NetworkShare, Networkz, SynczEntry } from './api-types.js';
import { clock, h, jsonLink } from './dom.js';
import { clusterState, fraction, hostPortText, networkLabel, parseClusterName, plural, secretLabel } from './graph-model.js';
import { edszPath, type ServiceViews } from './store.js';

function panel(cls: string, title: Node | string, links: Node[], ...body: (Node | string | null | false)[]): HTMLElement {
  return h('section', { class: `panel ${cls}` }, h('header', { class: 'panel-head' }, h('h2', {}, title), h('div', { class: 'links' }, ...links)), ...body);
}

function table(head: string[], rows: HTMLTableRowElement[], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ...head.map((t) => h('th', {}, t)))), h('tbody', {}, ...rows)));
}

const badge = (text: string, tone: string) => h('span', { class: `badge tone-${tone}` }, text);

export function clustersPanel(clusters: readonly ClusterzEntry[] | undefined): HTMLElement {
  const rows = (clusters ?? []).map((c) => {
    const state = clusterState(c);
    const origin = c.origin === 'secret' ? `Secret ${secretLabel(c)}` : c.origin;
    const note = c.syncStatus === 'refused' ? (c.lastError ?? '') : [c.staleSince ? `stale since ${clock(new Date(c.staleSince))}` : '', c.rotation?.message ?? '', c.lastError ?? ''].filter(Boolean).join(' · ');
    return h(
      'tr',
      { 'data-cluster': c.id, class: c.syncStatus === 'refused' ? 'refused' : '' },
      h('td', {}, h('strong', {}, c.id), c.primary ? h('span', { class: 'muted' }, ' primary') : null),
      h('td', {}, c.syncStatus === 'refused' ? '' : networkLabel(c.network ?? '')),
      h('td', {}, badge(state.word, state.tone)),
      h('td', { class: 'wrap' }, origin),
      h('td', { class: 'wrap note', 'data-reason': c.syncStatus === 'refused' ? 'refused' : undefined }, note),
    );
  });
  return panel(
    'clusters-panel',
    'Clusters',
    [jsonLink('debug/clusterz')],
    clusters === undefined ? h('p', { class: 'empty' }, 'loading…') : table(['cluster', 'network', 'status', 'from', 'notes'], rows, 'No cluster yet.'),
  );
}

export function gatewaysPanel(networkz: Networkz | undefined, mesh: MeshView | undefined): HTMLElement {
  const rows = (networkz?.gateways ?? []).map((g) =>
    h(
      'tr',
      { 'data-gateway': `${g.network}/${hostPortText(g.address, g.port)}` },
      h('td', {}, networkLabel(g.network)),
      h('td', { class: 'mono' }, hostPortText(g.address, g.port)),
      h('td', {}, g.cluster),
      h('td', { class: 'wrap' }, `${g.source}${g.hostname ? ` (${g.hostname})` : ''}`, h('div', { class: 'muted small' }, g.origin)),
    ),
  );
  const problems = [
    ...(networkz?.problems ?? []).map((p) => h('li', { class: `tone-${p.severity === 'error' ? 'bad' : 'warn'}` }, h('strong', {}, p.subject), `: ${p.message}`)),
    ...(networkz?.unresolvedHostnames ?? []).map((n) => h('li', { class: 'tone-warn' }, h('strong', {}, n), ': gateway hostname not resolved yet')),
    ...(mesh?.sources ?? []).filter((src) => src.error).map((src) => h('li', { class: 'tone-bad' }, h('strong', {}, `meshNetworks ${src.name}`), `: ${src.error}`)),
  ];
  return panel(
    'gateways-panel',
    'Gateways',
    [jsonLink('debug/networkz'), jsonLink('debug/mesh', 'meshNetworks')],
    networkz === undefined ? h('p', { class: 'empty' }, 'loading…') : table(['network', 'address', 'cluster', 'from'], rows, 'No east-west gateway: every endpoint is sent directly.'),
    problems.length > 0 ? h('div', { class: 'problems' }, h('h3', {}, 'Problems'), h('ul', {}, ...problems)) : null,
  );
}

const TYPE_ORDER = ['LDS', 'RDS', 'CDS', 'EDS'];

export function proxiesPanel(proxies: readonly SynczEntry[] | undefined): HTMLElement {
  const rows = (proxies ?? []).map((p) => {
    const types = Object.entries(p.types).sort(([a], [b]) => TYPE_ORDER.indexOf(a) - TYPE_ORDER.indexOf(b));
    const nacks = types.filter(([, t]) => t.lastNack);
    return h(
      'tr',
      { 'data-proxy': p.proxy },
      h('td', { class: 'mono wrap' }, p.proxy),
      h('td', {}, networkLabel(p.network)),
      h(
        'td',
        {},
        ...types.map(([kind, t]) => {
          const state = t.lastNack && t.sentVersion === t.lastNack.version ? ['NACK', 'bad'] : t.pending || !t.synced ? ['pending', 'warn'] : ['acked', 'ok'];
          return h('span', { class: `badge tone-${state[1]}`, title: `${kind}: ${t.resources} resources, sent ${t.sentVersion ?? '-'}, acked ${t.ackedVersion ?? '-'}` }, `${kind} ${state[0]}`);
        }),
        ...nacks.map(([kind, t]) => h('div', { class: 'nack' }, `${kind} rejected ${t.lastNack!.version}: ${t.lastNack!.message}`)),
      ),
    );
  });
  return panel(
    'proxies-panel',
    'Connected proxies',
    [jsonLink('debug/syncz'), jsonLink('debug/adsz', 'streams')],
    proxies === undefined
      ? h('p', { class: 'empty' }, 'loading…')
      : table(['proxy', 'network', 'sync state'], rows, 'No proxy connected. What each network would receive is shown above all the same.'),
  );
}

/** The assignment of the chosen subset ('' = whole service) in one network's view. */
export function pickAssignment(assignments: readonly ExplainedAssignment[], subset: string): ExplainedAssignment | undefined {
  return assignments.find((a) => parseClusterName(a.clusterName)?.subset === subset);
}

export interface ServicePanelActions {
  selectSubset(subset: string): void;
  selectCaller(network: string): void;
  pickService(hostPort: string): void;
}

export function servicePanel(
  views: ServiceViews | undefined,
  selection: { host?: string; port?: number; subset: string; caller?: string },
  networks: readonly string[],
  suggestions: readonly string[],
  actions: ServicePanelActions,
): HTMLElement {
  if (selection.host === undefined || selection.port === undefined) {
    return panel(
      'service-panel',
      'Service',
      [],
      h('p', { class: 'hint' }, 'Pick a service (press ', h('kbd', {}, '/'), ') to see what a caller on each network receives: direct endpoints, gateways, shares, and what is left out.'),
      suggestions.length > 0
        ? h('ul', { class: 'suggestions' }, ...suggestions.slice(0, 12).map((s) => h('li', {}, h('button', { class: 'link', type: 'button', onclick: () => actions.pickService(s) }, s))))
        : null,
    );
  }
  const { host, port } = selection;
  const title = h('span', { class: 'mono' }, `${host}:${port}`);
  if (!views || views.host !== host || views.port !== port) return panel('service-panel', title, [], h('p', { class: 'empty' }, 'loading…'));
  const subsets = new Set<string>(['']);
  for (const v of views.byNetwork.values()) if (v.ok) for (const a of v.value.assignments) subsets.add(parseClusterName(a.clusterName)?.subset ?? '');
  const chips =
    subsets.size > 1
      ? h(
          'div',
          { class: 'chips', role: 'group', 'aria-label': 'subset' },
          ...[...subsets].sort().map((s) => h('button', { type: 'button', class: `chip${s === selection.subset ? ' on' : ''}`, onclick: () => actions.selectSubset(s) }, s === '' ? 'whole service' : `subset ${s}`)),
        )
      : null;
  const cards = networks.map((network) => {
    const v = views.byNetwork.get(network);
    const link = jsonLink(edszPath(network, host, port));
    const head = h(
      'header',
      { class: 'card-head' },
      h('h3', {}, 'A caller on ', h('strong', {}, networkLabel(network)), ' receives'),
      h('div', { class: 'links' }, h('button', { type: 'button', class: `chip${selection.caller === network ? ' on' : ''}`, onclick: () => actions.selectCaller(network), title: 'draw this view in the graph' }, 'graph'), link),
    );
    if (!v) return h('article', { class: 'card', 'data-caller': network }, head, h('p', { class: 'empty' }, 'loading…'));
    if (!v.ok) return h('article', { class: 'card', 'data-caller': network }, head, h('p', { class: 'error' }, v.error));
    const a = pickAssignment(v.value.assignments, selection.subset);
    if (!a) return h('article', { class: 'card', 'data-caller': network }, head, h('p', { class: 'empty' }, `no assignment for ${selection.subset ? `subset ${selection.subset}` : 'the whole service'}`));
    return h('article', { class: 'card', 'data-caller': network }, head, ...assignmentBody(a));
  });
  return panel('service-panel', title, [jsonLink(query('debug/registryz', { host }), 'service')], chips, ...cards);
}

function shareText(s: NetworkShare): string {
  return `${networkLabel(s.network)} · ${s.mode === 'direct' ? 'direct' : 'via gateway'} · ${plural(s.endpoints, 'endpoint')}`;
}

function assignmentBody(a: ExplainedAssignment): Node[] {
  const out: Node[] = [];
  const total = a.explain.totalWeight;
  const approx = a.explain.capped ? '≈' : '';
  if (a.explain.networks.length > 0 && total > 0) {
    out.push(
      h(
        'div',
        { class: 'sharebar', role: 'img', 'aria-label': a.explain.networks.map((s) => `${shareText(s)} ${s.share}`).join('; ') },
        ...a.explain.networks.map((s) => {
          const seg = h('span', { class: `seg mode-${s.mode}`, title: `${shareText(s)}: ${s.share}` }, s.share);
          seg.style.flexGrow = String(s.weight);
          return seg;
        }),
      ),
    );
    out.push(
      h(
        'ul',
        { class: 'shares' },
        ...a.explain.networks.map((s) => h('li', { 'data-share-network': s.network, 'data-mode': s.mode }, h('span', {}, shareText(s)), h('strong', { class: 'share' }, `${approx}${s.share}`))),
      ),
    );
  } else {
    out.push(h('p', { class: 'empty' }, 'Nothing is sent: no reachable endpoint for this caller.'));
  }
  const priorities = priorityByAddress(a);
  const rows = a.endpoints.map((e) =>
    h(
      'tr',
      { 'data-endpoint': e.endpoint, 'data-kind': e.kind },
      // Horizon sends only HEALTHY endpoints today; anything else is flagged where it is.
      h('td', {}, h('span', { class: 'mono' }, e.endpoint), e.health !== 'HEALTHY' ? badge(e.health, 'warn') : null, h('div', { class: 'muted small' }, e.locality || 'no locality')),
      h(
        'td',
        {},
        e.kind === 'direct' ? `direct · ${e.cluster ?? ''}` : `gateway of ${networkLabel(e.network)}`,
        h('div', { class: 'muted small' }, e.kind === 'gateway' ? `for ${plural(e.endpointCount ?? 0, 'endpoint')} · from ${e.gateway?.cluster ?? ''}` : (e.pod ?? '')),
      ),
      h('td', { class: 'num', title: `endpoint weight ${e.weight} of ${total}; its locality group weighs ${e.localityWeight}` }, `${approx}${fraction(e.weight, total)}`),
      h('td', { class: 'num' }, String(priorities.get(e.endpoint) ?? 0)),
    ),
  );
  out.push(h('h4', {}, `Sent (${a.endpoints.length})`), table(['endpoint · locality', 'via', 'share', 'priority'], rows, 'none'));
  if (a.leftOut.length > 0) {
    const left = a.leftOut.map((x) => h('tr', { 'data-left-out': x.endpoint }, h('td', { class: 'mono' }, x.endpoint), h('td', {}, `${x.cluster} · ${networkLabel(x.network)}`), h('td', {}, badge(x.reason, 'warn')), h('td', { class: 'wrap' }, x.detail)));
    out.push(h('h4', {}, `Left out (${a.leftOut.length})`), table(['endpoint', 'from', 'reason', 'why'], left, 'none'));
  }
  const notes: string[] = [];
  if (a.explain.capped) notes.push('Weights were scaled down to fit uint32: shares are approximate.');
  if (!a.explain.multiNetwork) notes.push('No gateway is known anywhere: every healthy endpoint is sent directly.');
  for (const g of a.explain.ignoredGateways) notes.push(`Gateway ignored: ${g.reason}`);
  if (a.encodeError) notes.push(`Not sent, it could not be encoded: ${a.encodeError}`);
  if (notes.length > 0) out.push(h('ul', { class: 'notes' }, ...notes.map((n) => h('li', {}, n))));
  return out;
}

/** Priorities live in the assignment itself (proto3 JSON omits 0). */
function priorityByAddress(a: ExplainedAssignment): Map<string, number> {
  const out = new Map<string, number>();
  const groups = (a.clusterLoadAssignment as { endpoints?: { priority?: number; lbEndpoints?: { endpoint?: { address?: { socketAddress?: { address?: string; portValue?: number } } } }[] }[] }).endpoints ?? [];
  for (const g of groups) {
    for (const l of g.lbEndpoints ?? []) {
      const sa = l.endpoint?.address?.socketAddress;
      if (sa?.address !== undefined) out.set(hostPortText(sa.address, sa.portValue ?? 0), g.priority ?? 0);
    }
  }
  return out;
}
