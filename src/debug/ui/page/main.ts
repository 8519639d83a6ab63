// The web view: one page that draws the debug JSON and keeps it current from /debug/events.
// Data flows one way: event stream -> store (refetches JSON) -> render (graph + panels).
import { getJson, signIn } from './api.js';
import { clock, fill, h, jsonLink } from './dom.js';
import { buildGraph, networkLabel, refusedSecrets } from './graph-model.js';
import { GraphView } from './graph-view.js';
import { LiveConnection, type LiveState } from './live.js';
import { clustersPanel, gatewaysPanel, pickAssignment, proxiesPanel, servicePanel } from './panels.js';
import { ServiceSearch } from './search.js';
import { Store, type Selection } from './store.js';

/** Past this, a change not yet reflected makes the page say it is behind. */
const BEHIND_AFTER_MS = 1500;

const store = new Store(
  () => scheduleRender(),
  (reason) => showSignIn(reason),
);
let liveState: LiveState = { kind: 'connecting' };

const search = new ServiceSearch((hostPort) => setHash({ ...parseHostPort(hostPort), subset: '' }));
const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
const banner = h('div', { class: 'banner', hidden: true, role: 'alert' });
const graphHost = h('div', { class: 'graph-host' });
const graphNote = h('p', { class: 'graph-note' });
const graphHead = h('div', { class: 'graph-caption' });
const refusedSlot = h('div', { class: 'refused-slot' });
const servicesSlot = h('div', { class: 'slot-service' });
const clustersSlot = h('div', { class: 'slot-clusters' });
const gatewaysSlot = h('div', { class: 'slot-gateways' });
const proxiesSlot = h('div', { class: 'slot-proxies' });
// Wide: the mesh and its tables on the left, the focused service on the right, proxies below both.
// Narrow: one column, the service right after the graph (see style.css).
const main = h(
  'main',
  { class: 'layout' },
  h(
    'div',
    { class: 'col-main' },
    h(
      'section',
      { class: 'panel graph-panel' },
      h('header', { class: 'panel-head' }, h('h2', {}, 'Mesh'), h('div', { class: 'links' }, jsonLink('debug/clusterz', 'clusters'), jsonLink('debug/networkz', 'networks'))),
      graphHead,
      graphHost,
      graphNote,
      refusedSlot,
      legend(),
    ),
    clustersSlot,
    gatewaysSlot,
  ),
  h('div', { class: 'col-side' }, servicesSlot),
  proxiesSlot,
);
const signInSlot = h('div', { class: 'signin-slot' });

document.body.append(
  h(
    'header',
    { class: 'top' },
    h('a', { class: 'brand', href: 'ui', title: 'Horizon web view' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'Horizon'),
    search.element,
    status,
    h('nav', {}, h('a', { href: 'debug?pretty', target: '_blank', rel: 'noopener', title: 'every debug endpoint' }, 'API')),
  ),
  banner,
  signInSlot,
  main,
);

const workerUrl = document.querySelector<HTMLMetaElement>('meta[name="horizon-elk-worker"]')?.content ?? 'ui/elk-worker.js';
const graph = new GraphView(graphHost, workerUrl, (message) => {
  graphNote.textContent = message ?? '';
  graphNote.classList.toggle('error', message !== undefined);
});

const live = new LiveConnection({
  onHello: () => store.refreshAll(),
  onChange: (change) => store.onChange(change),
  onState: (state) => {
    liveState = state;
    if (state.kind === 'signed-out') showSignIn(state.reason);
    scheduleRender();
  },
});

// ---- selection in the URL (#service=host:port&caller=network&subset=v1): reload and share keep it ----

function parseHostPort(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  return { host: text.slice(0, i), port: Number(text.slice(i + 1)) };
}

function readHash(): Selection {
  const p = new URLSearchParams(location.hash.replace(/^#/, ''));
  const service = p.get('service');
  const sel: Selection = { subset: p.get('subset') ?? '' };
  if (service && /:\d+$/.test(service)) Object.assign(sel, parseHostPort(service));
  const caller = p.get('caller');
  if (caller) sel.caller = caller;
  return sel;
}

function setHash(sel: Selection): void {
  const p = new URLSearchParams();
  if (sel.host !== undefined && sel.port !== undefined) p.set('service', `${sel.host}:${sel.port}`);
  if (sel.caller) p.set('caller', sel.caller);
  if (sel.subset) p.set('subset', sel.subset);
  location.hash = p.toString();
}

window.addEventListener('hashchange', () => store.select(readHash()));

// ---- rendering ----

let renderQueued = false;
function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function render(): void {
  const { data, selection } = store;
  renderStatus();
  const services = (data.services ?? []).flatMap((s) => s.ports.map((p) => `${s.hostname}:${p.port}`)).sort();
  search.setOptions(services);
  const networks = store.networks();
  const caller = selection.caller && networks.includes(selection.caller) ? selection.caller : networks[0];

  fill(
    servicesSlot,
    servicePanel(data.service, { ...selection, ...(caller !== undefined ? { caller } : {}) }, networks, services, {
      selectSubset: (subset) => setHash({ ...selection, subset }),
      selectCaller: (network) => setHash({ ...selection, caller: network }),
      pickService: (hostPort) => setHash({ ...parseHostPort(hostPort), subset: '' }),
    }),
  );
  fill(clustersSlot, clustersPanel(data.clusters));
  fill(gatewaysSlot, gatewaysPanel(data.networkz, data.mesh));
  fill(proxiesSlot, proxiesPanel(data.proxies));

  const refused = refusedSecrets(data.clusters ?? []);
  fill(
    refusedSlot,
    refused.length > 0
      ? h(
          'ul',
          { class: 'refused-list', 'aria-label': 'refused remote Secrets' },
          ...refused.map((r) => h('li', { 'data-refused': r.secret, title: r.fullReason }, h('strong', {}, `refused: ${r.cluster}`), ` · Secret ${r.secret} · ${r.reason}`)),
        )
      : null,
  );
  if (data.clusters && data.networkz) {
    const facts = { clusters: data.clusters, networkz: data.networkz, proxies: data.proxies ?? [] };
    const focused = selection.host !== undefined && caller !== undefined && data.service?.host === selection.host && data.service.port === selection.port;
    if (focused) {
      const view = data.service!.byNetwork.get(caller!);
      const assignment = view?.ok ? pickAssignment(view.value.assignments, selection.subset) : undefined;
      const serviceClusters = data.services?.find((s) => s.hostname === selection.host)?.clusters ?? [];
      graph.show(buildGraph(facts, { caller: caller!, assignment, serviceClusters }));
      fill(
        graphHead,
        h('span', {}, 'As a caller on '),
        ...networks.map((n) => h('button', { type: 'button', class: `chip${n === caller ? ' on' : ''}`, onclick: () => setHash({ ...selection, caller: n }) }, networkLabel(n))),
        h('span', {}, ' receives ', h('strong', { class: 'mono' }, `${selection.host}:${selection.port}`), selection.subset ? ` subset ${selection.subset}` : ''),
        h('button', { type: 'button', class: 'link', onclick: () => setHash({ subset: '' }) }, 'show the whole mesh'),
      );
    } else {
      graph.show(buildGraph(facts));
      fill(graphHead, h('span', { class: 'muted' }, 'Who reaches whom: callers on each network reach their own clusters directly and the other networks through their east-west gateways.'));
    }
  }
}

function renderStatus(): void {
  const s = liveState;
  let text: string;
  let tone: string;
  let action: HTMLElement | null = null;
  banner.hidden = true;
  const behindMs = store.pendingSince !== undefined ? Date.now() - store.pendingSince : 0;
  if (s.kind === 'live') {
    if (store.errors.size > 0) {
      tone = 'warn';
      text = 'behind: a refresh failed';
      showBanner(`The page is behind: ${[...store.errors.values()][0]}. It keeps retrying on the next change.`, 'warn');
    } else if (behindMs > BEHIND_AFTER_MS) {
      tone = 'warn';
      text = `behind by ${Math.round(behindMs / 1000)} s`;
    } else {
      tone = 'ok';
      text = `live${store.updatedAt ? ` · ${clock(store.updatedAt)}` : ''}`;
    }
  } else if (s.kind === 'retrying') {
    tone = 'bad';
    const wait = Math.max(0, Math.ceil((s.at.getTime() - Date.now()) / 1000));
    text = `disconnected · retry in ${wait} s`;
    action = h('button', { type: 'button', class: 'link', onclick: () => live.retryNow() }, 'retry now');
    showBanner(`Lost the server since ${clock(s.downSince)} (${s.reason}); what you see is as of ${store.updatedAt ? clock(store.updatedAt) : 'never'}. Retrying with backoff (attempt ${s.attempt}).`, 'bad');
  } else if (s.kind === 'signed-out') {
    tone = 'bad';
    text = 'signed out';
  } else {
    tone = 'muted';
    text = 'connecting…';
  }
  document.body.classList.toggle('disconnected', s.kind === 'retrying');
  fill(status, h('span', { class: `pill tone-${tone}`, 'data-state': s.kind }, h('span', { class: 'led' }), text), action);
}

function showBanner(text: string, tone: string): void {
  banner.hidden = false;
  banner.className = `banner tone-${tone}`;
  banner.textContent = text;
}

function legend(): HTMLElement {
  const item = (cls: string, text: string) => h('li', {}, h('span', { class: `key ${cls}` }), text);
  return h('ul', { class: 'legend' }, item('edge-direct', 'direct'), item('edge-gateway', 'through a gateway'), item('edge-forward', 'gateway to its clusters'), item('edge-left-out', 'left out'));
}

// ---- sign-in (a token-protected debug API) ----

function showSignIn(reason: string): void {
  live.stop();
  main.hidden = true;
  const input = h('input', { type: 'password', id: 'token', autocomplete: 'current-password', placeholder: 'debug token', required: true, 'aria-label': 'debug token' });
  const error = h('p', { class: 'error', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'signin' },
    h('h2', {}, 'This Horizon asks for its debug token'),
    h('p', { class: 'muted' }, `${reason}. The token is exchanged once for a session cookie (HttpOnly, 1 h idle, 8 h at most); the page does not keep it.`),
    input,
    h('button', { type: 'submit' }, 'Sign in'),
    error,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void signIn(input.value).then((r) => {
      if (!r.ok) {
        error.textContent = r.error;
        return;
      }
      input.value = '';
      fill(signInSlot);
      main.hidden = false;
      void start();
    });
  });
  fill(signInSlot, form);
  input.focus();
}

async function start(): Promise<void> {
  const probe = await getJson<unknown>('debug/connections');
  if (!probe.ok && probe.kind === 'auth') return showSignIn(probe.error);
  store.select(readHash());
  live.start();
}

// Countdowns and "behind" move with the clock.
setInterval(() => renderStatus(), 1000);
void start();
