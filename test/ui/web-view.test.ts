// The web view in a real browser (Debian's chromium through playwright-core) on the demo's emulated
// clusters, changed with the real kubectl: the page must show what /debug says, and follow changes
// without a reload.
import { strict as assert } from 'node:assert';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startDebugServer } from '../../src/debug/index.js';
import { getJson } from '../support/debug-http.js';
import { gatewayIp, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';
import { KubectlEnv, skipWithoutKubectl } from '../emulator/helpers.js';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../src/xds/type-urls.js';
import type { ClusterzEntry } from '../../src/debug/index.js';
import { launchBrowser, skipWithoutBrowser, type TestBrowser } from './browser.js';

const HELLO = 'helloworld.sample.svc.cluster.local:5000';
/** Set to a folder (e.g. docs) to save the README's screenshots of the page as this test sees it. */
const SCREENSHOTS = process.env.HORIZON_UI_SCREENSHOTS;
const WAIT = { timeout: 20_000 };
// Code run in the page is passed as text: the tests are compiled without the DOM library.

/** A kubeconfig that runs an exec plugin: Horizon refuses it (and never runs it). */
const EXEC_KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: c3, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u3, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/true}}}]
contexts: [{name: c3, context: {cluster: c3, user: u3}}]
current-context: c3
`;

describe('web view in a browser (demo clusters, real kubectl)', function () {
  this.timeout(240_000);
  let mesh: DemoMesh;
  let kubectl: KubectlEnv;
  let browser: TestBrowser;
  let page: Page;
  let url: string;
  let loads = 0;
  const pageErrors: string[] = [];

  before(async function () {
    skipWithoutBrowser(this);
    skipWithoutKubectl(this);
    mesh = await startDemoMesh({ debugAddress: '127.0.0.1:0' });
    mesh.registerRemote();
    await mesh.horizon.whenReady();
    url = mesh.horizon.debug!.url;
    await waitFor(async () => (await getJson<{ gateways: unknown[] }>(url, '/debug/networkz')).body.gateways.length === 2, 'both gateways known', { timeoutMs: 30_000 });
    kubectl = await KubectlEnv.create(mesh.set.kubeconfigYaml());
    browser = await launchBrowser();
    page = await (await browser.context()).newPage();
    page.on('load', () => loads++);
    page.on('pageerror', (e) => pageErrors.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console error: ${m.text()}`);
    });
    await page.goto(`${url}/ui`);
  });
  const proxies: AdsClient[] = [];
  after(async () => {
    for (const p of proxies) p.close();
    await browser?.close();
    await kubectl?.cleanup();
    await mesh?.close();
  });
  afterEach(() => {
    // A CSP violation, a failed script or an unhandled rejection shows up here.
    assert.deepEqual(pageErrors.splice(0), []);
  });

  it('shows both networks, both east-west gateways and both clusters, live', async () => {
    await page.locator('.pill[data-state="live"]').waitFor(WAIT);
    for (const network of ['network1', 'network2']) await page.locator(`svg.graph [data-node-id="net:${network}"]`).waitFor(WAIT);
    for (const [network, c] of [['network1', mesh.c1], ['network2', mesh.c2]] as const) {
      const gw = page.locator(`svg.graph [data-node-id="gw:${network}:${gatewayIp(c)}:15443"]`);
      await gw.waitFor(WAIT);
      assert.match(await gw.textContent() ?? '', new RegExp(`gateway ${gatewayIp(c).replace(/\./g, '\\.')}:15443`));
    }
    assert.match(await page.locator('svg.graph [data-node-id="cluster:cluster2"]').textContent() ?? '', /cluster2.*synced/);
    assert.match(await page.locator('.clusters-panel tr[data-cluster="cluster1"]').textContent() ?? '', /cluster1.*primary.*network1.*synced/);
  });

  it('shows helloworld reached directly on network1 and through the gateway of network2, 1/2 each', async () => {
    // Found the way a person would: "/" focuses the search, typing filters, Enter picks.
    await page.keyboard.press('/');
    assert.equal(await page.evaluate<string | undefined>('document.activeElement?.id'), 'service-search');
    await page.keyboard.type('helloworld 5000');
    await page.locator('#service-results li.active', { hasText: HELLO }).waitFor(WAIT);
    await page.keyboard.press('Enter');
    const card = page.locator('[data-caller="network1"]');
    const direct = card.locator('[data-share-network="network1"][data-mode="direct"]');
    const viaGateway = card.locator('[data-share-network="network2"][data-mode="gateway"]');
    await direct.filter({ hasText: '1/2' }).waitFor(WAIT);
    await viaGateway.filter({ hasText: '1/2' }).waitFor(WAIT);
    assert.match(await direct.textContent() ?? '', /network1 · direct · 1 endpoint\s*1\/2/);
    assert.match(await viaGateway.textContent() ?? '', /network2 · via gateway · 1 endpoint\s*1\/2/);
    const gw2 = `${gatewayIp(mesh.c2)}:15443`;
    assert.match(await card.locator(`tr[data-endpoint="${gw2}"]`).textContent() ?? '', /gateway of network2/);
    // The graph draws the same view: callers on network1 -> cluster1 directly, -> network2's gateway.
    assert.match(await page.locator('svg.graph .edge-label[data-edge-id="direct:network1:cluster1"]').textContent() ?? '', /direct 1\/2 · 1 endpoint/);
    assert.match(await page.locator(`svg.graph .edge-label[data-edge-id="via:network1:gw:network2:${gw2}"]`).textContent() ?? '', /1\/2 · 1 endpoint/);
    // And network2 the other way round.
    const card2 = page.locator('[data-caller="network2"]');
    await card2.locator('[data-share-network="network1"][data-mode="gateway"]').filter({ hasText: '1/2' }).waitFor(WAIT);
    await card2.locator('[data-share-network="network2"][data-mode="direct"]').filter({ hasText: '1/2' }).waitFor(WAIT);
    assert.match(decodeURIComponent(page.url()), new RegExp(`#service=${HELLO}`));
  });

  it('links each panel to the JSON behind it, and that JSON says the same', async () => {
    const href = await page.locator('[data-caller="network1"] a.json-link').getAttribute('href');
    assert.ok(href, 'network1 card links to its JSON');
    const res = await page.request.get(new URL(href, `${url}/ui`).toString());
    assert.equal(res.status(), 200);
    const body = (await res.json()) as { assignments: { clusterName: string; explain: { networks: { network: string; share: string }[] } }[] };
    const whole = body.assignments.find((a) => a.clusterName === `outbound|5000||${HELLO.replace(/:5000$/, '')}`)!;
    assert.deepEqual(whole.explain.networks.map((n) => `${n.network} ${n.share}`), ['network1 1/2', 'network2 1/2']);
    for (const [panel, path] of [['.clusters-panel', 'debug/clusterz'], ['.gateways-panel', 'debug/networkz'], ['.proxies-panel', 'debug/syncz']]) {
      assert.equal(await page.locator(`${panel} a.json-link`).first().getAttribute('href'), `${path}?pretty`);
    }
  });

  it('works in a narrow window: one column, the graph laid out top to bottom, nothing wider than the screen', async () => {
    const narrow = await (await browser.context({ width: 400, height: 860 })).newPage();
    try {
      await narrow.goto(`${url}/ui#service=${HELLO}`);
      await narrow.locator('[data-caller="network2"] [data-share-network="network1"]').filter({ hasText: '1/2' }).waitFor(WAIT);
      // Measured once the focused view is drawn (the graph is redrawn as the data arrives).
      await narrow.locator('svg.graph .edge-label[data-edge-id="direct:network1:cluster1"]').waitFor(WAIT);
      const [box, caller, net1] = await waitFor(async () => {
        const boxes = await Promise.all(['svg.graph', 'svg.graph [data-node-id="callers:network1"] rect', 'svg.graph [data-node-id="net:network1"] > rect'].map((sel) => narrow.locator(sel).boundingBox()));
        return boxes.every((b) => b !== null) ? boxes.map((b) => b!) : undefined;
      }, 'the narrow graph drawn', { timeoutMs: 20_000 });
      assert.ok(box!.width <= 400 && box!.width > 200, `graph fits the width (${box!.width} px)`);
      // Top to bottom: the caller stands above the network boxes.
      assert.ok(caller!.y + caller!.height <= net1!.y, 'callers above the networks');
      const overflow = await narrow.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
      // The panels stack: the service card is below the graph, not beside it.
      const card = (await narrow.locator('[data-caller="network1"]').boundingBox())!;
      assert.ok(card.y > box!.y + box!.height, 'service below the graph');
    } finally {
      await narrow.context().close();
    }
  });

  it('shows connected proxies and their sync state: acked, pending, NACKed with the error', async () => {
    const proxy = (id: string, autoAck: boolean) => {
      const c = new AdsClient({ address: mesh.horizon.xds.address, autoAck, node: { id, metadata: { NETWORK: 'network1', CLUSTER_ID: 'cluster1' } } });
      proxies.push(c);
      c.subscribe(CLUSTER_LOAD_ASSIGNMENT_TYPE, [`outbound|5000||${HELLO.replace(/:5000$/, '')}`]);
      return c;
    };
    proxy('sleep-acks.sample', true);
    const pending = proxy('sleep-waits.sample', false);
    const nacks = proxy('sleep-nacks.sample', false);
    await pending.nextResponse();
    await nacks.nextResponse();
    nacks.nack(CLUSTER_LOAD_ASSIGNMENT_TYPE, 'endpoint weights do not add up');
    const row = (id: string) => page.locator(`.proxies-panel tr[data-proxy="${id}"]`);
    await row('sleep-acks.sample').filter({ hasText: 'EDS acked' }).waitFor(WAIT);
    await row('sleep-waits.sample').filter({ hasText: 'EDS pending' }).waitFor(WAIT);
    await row('sleep-nacks.sample').filter({ hasText: 'EDS NACK' }).waitFor(WAIT);
    assert.match(await row('sleep-nacks.sample').textContent() ?? '', /EDS rejected \S+: endpoint weights do not add up/);
    // The graph is laid out again after the panels: wait for it too.
    await page.locator('svg.graph [data-node-id="callers:network1"]').filter({ hasText: '3 proxies connected' }).waitFor(WAIT);
  });

  it('after kubectl scale helloworld-v2 --replicas=3 in cluster2 it shows 3/4 without a reload', async () => {
    const loadsBefore = loads;
    await page.evaluate("window.marker = 'same page'");
    await kubectl.run(['--context', 'cluster2', '-n', 'sample', 'scale', 'deployment', 'helloworld-v2', '--replicas=3']);
    const scaledAt = Date.now();
    // When Horizon's own JSON has it, and when the page shows it: the difference is the page's lag.
    const jsonAt = waitFor(async () => {
      const r = await getJson<{ assignments: { explain: { networks: { network: string; share: string }[] } }[] }>(url, `/debug/edsz?network=network1&host=${HELLO}&subset=`);
      return r.body.assignments[0]?.explain.networks.some((n) => n.network === 'network2' && n.share === '3/4') ? Date.now() : undefined;
    }, 'edsz showing 3/4', { timeoutMs: 30_000 });
    const card = page.locator('[data-caller="network1"]');
    await card.locator('[data-share-network="network2"][data-mode="gateway"]').filter({ hasText: '3/4' }).waitFor({ timeout: 30_000 });
    const pageAt = Date.now();
    await card.locator('[data-share-network="network1"][data-mode="direct"]').filter({ hasText: '1/4' }).waitFor(WAIT);
    assert.match(await card.locator('[data-share-network="network2"]').textContent() ?? '', /network2 · via gateway · 3 endpoints\s*3\/4/);
    assert.equal(loads, loadsBefore, 'the page was not reloaded');
    assert.equal(await page.evaluate<string | undefined>('window.marker'), 'same page');
    console.log(`      kubectl scale -> /debug/edsz ${(await jsonAt) - scaledAt} ms, -> page ${pageAt - scaledAt} ms`);
  });

  it('a refused Secret appears with its reason', async () => {
    const file = await kubectl.file('cluster3-kubeconfig', EXEC_KUBECONFIG);
    await kubectl.run(['--context', 'cluster1', '-n', 'istio-system', 'create', 'secret', 'generic', 'cluster3-secret', `--from-file=cluster3=${file}`]);
    await kubectl.run(['--context', 'cluster1', '-n', 'istio-system', 'label', 'secret', 'cluster3-secret', 'istio/multiCluster=true']);
    const row = page.locator('.clusters-panel tr[data-cluster="cluster3"]');
    await row.waitFor(WAIT);
    const text = (await row.textContent()) ?? '';
    assert.match(text, /refused/);
    assert.match(text, /istio-system\/cluster3-secret key cluster3/);
    assert.match(text, /kubeconfig user "u3" uses an exec plugin \(allowed with --allow-insecure-kubeconfig\), refused; cluster not added/);
    const beside = page.locator('.graph-panel .refused-list [data-refused="istio-system/cluster3-secret key cluster3"]');
    await beside.waitFor(WAIT);
    assert.match(await beside.textContent() ?? '', /refused: cluster3 · Secret istio-system\/cluster3-secret key cluster3 · kubeconfig user "u3" uses an exec plugin/);
    // Nothing of the kubeconfig itself is shown anywhere.
    assert.doesNotMatch(await page.content(), /\/bin\/true|127\.0\.0\.1:1\b/);
    if (SCREENSHOTS) await screenshots(SCREENSHOTS);
  });

  /** The page now holds everything worth showing: both networks, 3/4, proxies, a refused Secret. */
  async function screenshots(dir: string): Promise<void> {
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(dir, 'web-view-wide.png'), fullPage: true });
    const narrow = await (await browser.context({ width: 400, height: 860 })).newPage();
    try {
      await narrow.goto(`${url}/ui#service=${HELLO}`);
      await narrow.locator('[data-caller="network1"] [data-share-network="network2"]').filter({ hasText: '3/4' }).waitFor(WAIT);
      await narrow.locator('svg.graph').waitFor(WAIT);
      await narrow.screenshot({ path: path.join(dir, 'web-view-narrow.png'), clip: { x: 0, y: 0, width: 400, height: 1500 }, fullPage: true });
    } finally {
      await narrow.context().close();
    }
  }

  it('after the remote Secret is deleted, cluster2 disappears', async () => {
    const remote = (await getJson<ClusterzEntry[]>(url, '/debug/clusterz')).body.find((c) => c.id === 'cluster2')!;
    await kubectl.run(['--context', 'cluster1', '-n', 'istio-system', 'delete', 'secret', remote.secretName!]);
    await page.locator('.clusters-panel tr[data-cluster="cluster2"]').waitFor({ state: 'detached', ...WAIT });
    await page.locator('svg.graph [data-node-id="cluster:cluster2"]').waitFor({ state: 'detached', ...WAIT });
    // network2's gateway went with it: network1 callers now get v1 alone.
    await page.locator('[data-caller="network1"] [data-share-network="network1"][data-mode="direct"] .share').filter({ hasText: /^1\/1$/ }).waitFor(WAIT);
    assert.equal(await page.locator('[data-caller="network1"] [data-share-network="network2"]').count(), 0);
  });

  it('says when the server is gone, retries with backoff, and catches up when it is back', async () => {
    const address = mesh.horizon.debug!.address;
    await mesh.horizon.debug!.close();
    await page.locator('.pill[data-state="retrying"]').waitFor(WAIT);
    assert.match(await page.locator('.banner').textContent() ?? '', /Lost the server since .* Retrying with backoff/);
    // Something changes while the page cannot hear about it.
    await kubectl.run(['--context', 'cluster1', '-n', 'sample', 'scale', 'deployment', 'helloworld-v1', '--replicas=2']);
    const again = await startDebugServer({ address, source: mesh.horizon.debugSource, metrics: mesh.horizon.metrics });
    try {
      await page.locator('.pill[data-state="live"]').waitFor({ timeout: 45_000 });
      await page.locator('[data-caller="network1"] [data-share-network="network1"]').filter({ hasText: '2 endpoints' }).waitFor(WAIT);
      assert.equal(await page.locator('.banner').isHidden(), true);
    } finally {
      await again.close();
    }
    // The browser logs each refused connection while the server is away: expected here, and only here.
    const expected = /Failed to load resource: net::ERR_CONNECTION_(REFUSED|RESET)/;
    pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((e) => !expected.test(e)));
  });
});
