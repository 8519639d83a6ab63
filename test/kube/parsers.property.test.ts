// Property (fuzz) tests of the parsers kube/ and multicluster/ own, fed random and hostile documents:
// kubeconfig text (alias bombs, deep nesting of every kind, huge keys, binary junk, random YAML, a good
// kubeconfig with any field replaced by any value) and remote-cluster Secrets (wrong types, too many
// keys, oversized values) through the RemoteSecretController's watch handlers. Every call returns; no
// throw escapes; a refusal changes nothing registered; no error quotes the document; time per call
// and memory overall stay within generous bounds (measured, printed).
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { checkKubeconfig } from '../../src/kube/kubeconfig-policy.js';
import type { WatchSpec } from '../../src/kube/kube-connection.js';
import { RemoteSecretController } from '../../src/multicluster/remote-secrets.js';
import type { ClusterSource } from '../../src/kube/cluster-source.js';
import type { Registry } from '../../src/registry/registry.js';

// A credential: it may appear in a document anywhere but never in an error. (Names of contexts,
// clusters, users and keys are not secret: errors quote them to say where the problem is; random values
// that may land in such places use another string.)
const MARKER = 'MaRkEr-s3cr3t-value';
const ANY = 'any-value';
const PER_CALL_MS = 3000;
const HEAP_GROWTH_BYTES = 256 * 1024 * 1024;

const scalar = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double(), fc.constant(ANY), fc.constant('https://169.254.169.254'), fc.constant('oidc'));
const { value: jsonValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 4 })),
}));

const goodKubeconfig = () => ({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'c', cluster: { server: 'https://10.1.2.3:6443', 'certificate-authority-data': 'QUJD' } }],
  users: [{ name: 'u', user: { token: MARKER } }],
  contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
  'current-context': 'ctx',
});

/** A good kubeconfig with the value at one path replaced by anything. */
const mutatedKubeconfig = fc
  .tuple(
    fc.constantFrom(
      ['clusters'],
      ['clusters', 0],
      ['clusters', 0, 'cluster'],
      ['clusters', 0, 'cluster', 'server'],
      ['clusters', 0, 'cluster', 'proxy-url'],
      ['clusters', 0, 'cluster', 'insecure-skip-tls-verify'],
      ['clusters', 0, 'name'],
      ['users', 0, 'user'],
      ['users', 0, 'user', 'token'],
      ['users', 0, 'user', 'exec'],
      ['users', 0, 'user', 'auth-provider'],
      ['users', 0, 'user', 'token-file'],
      ['users', 0, 'name'],
      ['contexts', 0, 'context'],
      ['contexts', 0, 'context', 'cluster'],
      ['current-context'],
      ['kind'],
    ),
    jsonValue,
  )
  .map(([path, value]) => {
    const doc: Record<string | number, unknown> = goodKubeconfig();
    let at: Record<string | number, unknown> = doc;
    for (const step of path.slice(0, -1)) at = at[step] as Record<string | number, unknown>;
    at[path[path.length - 1]!] = value;
    return stringify(doc);
  });

function aliasBomb(levels: number, width: number): string {
  let s = `a0: &a0 [${Array(width).fill(MARKER).join(', ')}]\n`;
  for (let i = 1; i < levels; i++) s += `a${i}: &a${i} [${Array(width).fill(`*a${i - 1}`).join(', ')}]\n`;
  return `${s}users:\n- name: u\n  user: {token: *a${levels - 1}}\n`;
}

const hostileText = fc.oneof(
  fc.record({ levels: fc.integer({ min: 1, max: 10 }), width: fc.integer({ min: 1, max: 12 }) }).map(({ levels, width }) => aliasBomb(levels, width)),
  fc
    .record({ depth: fc.integer({ min: 1, max: 20_000 }), open: fc.constantFrom('[', '{', '- ', '? ', 'a: ', '[{', '- [', '{a: [', '  ') })
    .map(({ depth, open }) => open.repeat(depth) + MARKER),
  fc.record({ n: fc.integer({ min: 1, max: 400_000 }), ch: fc.constantFrom('k', '\u00e9', '\ud83d\ude00') }).map(({ n, ch }) => `${ch.repeat(n)}: ${MARKER}`),
  fc.integer({ min: 1, max: 30_000 }).map((n) => Array.from({ length: n }, (_, i) => `k${i}: ${MARKER}`).join('\n')),
  fc.uint8Array({ maxLength: 5000 }).map((b) => Buffer.from(b).toString('latin1') + MARKER),
  fc.string({ unit: 'binary', maxLength: 2000 }),
  jsonValue.map((v) => stringify(v)),
  mutatedKubeconfig,
);

/** Runs `fn` with its duration and the largest one seen. */
function timed<T>(fn: () => T, stats: { max: number }): T {
  const started = performance.now();
  const out = fn();
  const ms = performance.now() - started;
  stats.max = Math.max(stats.max, ms);
  assert.ok(ms < PER_CALL_MS, `one call took ${ms.toFixed(0)} ms`);
  return out;
}

describe('kube/multicluster parsers: properties under random and hostile input', function () {
  this.timeout(300_000);

  it('checkKubeconfig never throws, never quotes the document (errors or process warnings), and is bounded in time and memory', () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    const stats = { max: 0 };
    const heapBefore = process.memoryUsage().heapUsed;
    let refused = 0;
    fc.assert(
      fc.property(hostileText, (text) => {
        const r = timed(() => checkKubeconfig(text, { allowInsecure: false }), stats);
        assert.equal(typeof r.ok, 'boolean');
        if (!r.ok) {
          refused++;
          assert.equal(typeof r.error, 'string');
          assert.ok(r.error.length < 600, `short error: ${r.error.length} characters`);
          assert.ok(!r.error.includes(MARKER), r.error);
        }
      }),
      { numRuns: 400 },
    );
    process.off('warning', onWarning);
    for (const w of warnings) assert.ok(!w.includes(MARKER), `a process warning quotes the document: ${w}`);
    const growth = process.memoryUsage().heapUsed - heapBefore;
    console.log(`      ${refused}/400 refused; slowest call ${stats.max.toFixed(0)} ms; heap growth ${(growth / 1048576).toFixed(1)} MiB`);
    assert.ok(growth < HEAP_GROWTH_BYTES, `heap grew ${growth} bytes`);
  });

  it('any mutation of a good kubeconfig: accepted ones are usable, refused ones say why without the content', () => {
    let accepted = 0;
    fc.assert(
      fc.property(mutatedKubeconfig, (text) => {
        const r = checkKubeconfig(text, { allowInsecure: false });
        if (r.ok) {
          accepted++;
          assert.ok(r.kubeConfig.getCurrentCluster()?.server, 'an accepted kubeconfig has a server');
          const user = r.kubeConfig.getCurrentUser();
          assert.equal(user?.exec, undefined, 'never an exec plugin without --allow-insecure-kubeconfig');
          assert.equal(user?.certFile ?? user?.keyFile ?? r.kubeConfig.getCurrentCluster()?.caFile, undefined, 'never a local file');
          assert.ok(user?.authProvider === undefined || user.authProvider.name === 'oidc');
        } else {
          assert.ok(!r.error.includes(MARKER), r.error);
        }
      }),
      { numRuns: 400 },
    );
    console.log(`      ${accepted}/400 mutations accepted`);
    assert.ok(accepted > 0, 'some mutations are harmless');
  });

  it('Secret handling: any Secret object is handled without a throw; a refusal changes nothing registered', () => {
    let handlers: WatchSpec<KubernetesObject>['handlers'] | undefined;
    const registered = new Map<string, unknown>();
    const registryCalls: string[] = [];
    const registry = {
      add: (id: string, _o: unknown, s: unknown) => (registryCalls.push(`add ${id}`), registered.set(id, s)),
      replace: (id: string, _o: unknown, s: unknown) => {
        registryCalls.push(`replace ${id}`);
        const old = registered.get(id);
        registered.set(id, s);
        return old;
      },
      remove: (id: string) => (registryCalls.push(`remove ${id}`), registered.delete(id)),
    } as unknown as Registry;
    const fakeSource = (id: string) =>
      ({ id, start() {}, stop() {}, status: 'syncing', server: '', lastError: undefined, whenSynced: () => new Promise(() => undefined) }) as unknown as ClusterSource;
    const controller = new RemoteSecretController({
      primary: {
        watch: <T extends KubernetesObject>(spec: WatchSpec<T>) => {
          handlers = spec.handlers as unknown as WatchSpec<KubernetesObject>['handlers'];
          return { hasSynced: true, get: () => undefined, list: () => [][Symbol.iterator](), close: () => undefined };
        },
      },
      primaryId: 'primary',
      systemNamespace: 'istio-system',
      registry,
      policy: { allowInsecure: false },
      limits: { secretKeys: 10, kubeconfigBytes: 64 * 1024 },
      createSource: (id: string, _kc: KubeConfig) => fakeSource(id),
      staticClusterIds: new Set(),
    });
    controller.start();
    assert.ok(handlers);
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const dataValue = fc.oneof(
      hostileText.map(b64),
      fc.constant(b64(stringify(goodKubeconfig()))),
      mutatedKubeconfig.map(b64),
      fc.string({ maxLength: 50 }),
      jsonValue,
      fc.integer({ min: 0, max: 200_000 }).map((n) => 'A'.repeat(n)),
    );
    const secret = fc.record({
      metadata: fc.oneof(fc.record({ name: fc.constantFrom('s1', 's2'), namespace: fc.constant('istio-system') }), jsonValue),
      data: fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom('c1', 'c2', '__proto__', 'constructor'), fc.string({ maxLength: 300 })), dataValue, { maxKeys: 14 }), jsonValue),
    });
    const stats = { max: 0 };
    fc.assert(
      fc.property(secret, fc.boolean(), (s, gone) => {
        const before = new Map(registered);
        const callsBefore = registryCalls.length;
        timed(() => (gone ? handlers!.remove(s as unknown as KubernetesObject) : handlers!.upsert(s as unknown as KubernetesObject, undefined)), stats);
        const statuses = controller.statuses();
        for (const st of statuses) assert.ok(!st.error?.includes(MARKER), st.error);
        // Registration happens only for a key whose status is active (or rotating).
        for (const call of registryCalls.slice(callsBefore)) {
          const [what, id] = call.split(' ') as [string, string];
          if (what === 'remove') continue;
          assert.ok(statuses.some((st) => st.clusterId === id && st.state !== 'refused'), `${call} without an accepted status`);
        }
        if (!gone) {
          for (const st of statuses.filter((x) => x.state === 'refused' && x.secret.name === (s.metadata as { name?: unknown })?.name)) {
            if (st.clusterId !== '') assert.equal(registered.get(st.clusterId), before.get(st.clusterId), `refused ${st.clusterId} left registered as it was`);
          }
        }
      }),
      { numRuns: 300 },
    );
    console.log(`      slowest Secret event ${stats.max.toFixed(0)} ms; ${registryCalls.length} registry calls`);
    controller.stop();
  });
});
