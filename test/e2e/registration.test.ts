// The registration flow as a user runs it, every step a separate process, the same assertions for
// every cluster provider (HORIZON_CLUSTERS=emulated,kwok,kind,k3s; default emulated and kwok):
//   clusters from the provider -> `horizon serve` on the primary -> the real kubectl registers the
//   remote (by hand from `kubectl config view --minify --flatten`, then with `horizon
//   create-remote-secret | kubectl apply -f -`) -> a raw xDS client on the primary's network gets the
//   remote network's gateway -> `kubectl delete secret` -> it no longer does.
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../src/xds/type-urls.js';
import { KubectlEnv } from '../emulator/helpers.js';
import { claAddresses, HELLO_CLA, repoRoot } from '../support/demo-mesh.js';
import { runOk } from '../support/exec.js';
import { spawnHorizon, type HorizonProcess } from '../support/horizon-process.js';
import { waitFor } from '../support/wait.js';
import { selectedProviders, type ClusterProvider, type ProvisionedClusters } from './providers/index.js';
import { gatewayAddresses, helloworldEndpoints } from './support/cluster-facts.js';
import { provisionForSuite } from './support/suite-clusters.js';

const HAND_MADE_SECRET = 'horizon-e2e-remote';

/** A shell pipeline, really: bash with pipefail, kubectl from the same isolated environment. */
function pipeline(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return runOk('bash', ['-o', 'pipefail', '-c', script, 'pipeline', ...args], { cwd: repoRoot, env, timeoutMs: 120_000 });
}

for (const provider of selectedProviders()) registrationSuite(provider);

function registrationSuite(provider: ClusterProvider): void {
  describe(`registration flow on ${provider.name} clusters (HORIZON_CLUSTERS)`, function () {
    this.timeout(900_000);
    let clusters: ProvisionedClusters | undefined;
    let k: KubectlEnv;
    let serve: HorizonProcess | undefined;
    let client: AdsClient | undefined;
    let local: string[];
    let gateways: string[];
    let debugUrl: string;

    /** What /debug/clusterz says about the remote cluster (undefined: not listed). */
    const remoteInClusterz = async () => {
      const list = (await (await fetch(`${debugUrl}/debug/clusterz`)).json()) as Array<{ id: string; primary: boolean; syncStatus: string; secretName: string; secretKey: string }>;
      assert.equal(list[0]?.primary, true, 'the primary comes first');
      return list.find((c) => c.id === clusters!.remote.clusterId);
    };

    const expectAddresses = async (want: string[], what: string) => {
      const sorted = [...want].sort();
      try {
        await waitFor(() => JSON.stringify(claAddresses(client!)) === JSON.stringify(sorted), what, { timeoutMs: 60_000, intervalMs: 25 });
      } catch (err) {
        assert.fail(`${(err as Error).message}: got ${JSON.stringify(claAddresses(client!))}, want ${JSON.stringify(sorted)}`);
      }
    };

    before(async function () {
      ({ clusters, k } = await provisionForSuite(this, provider));
      const { primary, remote } = clusters;

      serve = spawnHorizon(['serve', '--kubeconfig', clusters.kubeconfig, '--context', primary.context, '--cluster-id', primary.clusterId, '--xds-port', '0', '--debug-port', '0']);
      const [, xds, debug] = (await serve.waitFor(/horizon serving: xds=(\S+) debug=(\S+)/, 'the serving line')) as unknown as [string, string, string];
      debugUrl = debug;
      assert.match(xds, /^127\.0\.0\.1:\d+$/);
      assert.notEqual(xds, '127.0.0.1:0', 'serve reports the port it bound, not the one asked for');
      await serve.waitFor(/horizon ready/, 'readiness', 120_000);

      local = await helloworldEndpoints(k, primary);
      gateways = await gatewayAddresses(k, remote);
      assert.ok(local.length > 0, `helloworld has ready endpoints in ${primary.context}`);
      assert.ok(gateways.length > 0, `${remote.context} publishes a gateway for ${remote.network}`);

      client = new AdsClient({ address: xds, node: { id: `e2e-${provider.name}`, metadata: { NETWORK: primary.network } } });
      client.subscribe(CLUSTER_LOAD_ASSIGNMENT_TYPE, [HELLO_CLA]);
      await expectAddresses(local, 'the primary\'s own endpoints, before any remote is registered');
    });

    after(async () => {
      client?.close();
      await serve?.stop();
      if (clusters && k) {
        const del = (name: string) => k.run(['--context', clusters!.primary.context, '-n', 'istio-system', 'delete', 'secret', name, '--ignore-not-found'], { allowFail: true });
        await del(HAND_MADE_SECRET);
        await del(`istio-remote-secret-${clusters.remote.clusterId}`);
      }
      await k?.cleanup();
      await clusters?.cleanup();
    });

    it('kubectl create secret generic + label istio/multiCluster=true: the remote network arrives through its gateway; kubectl delete secret: gone', async () => {
      const { primary, remote } = clusters!;
      const remoteKubeconfig = (await k.run(['config', 'view', '--minify', '--flatten', '--context', remote.context])).stdout;
      const file = await k.file('remote_kubecfg', remoteKubeconfig);
      const inPrimary = ['--context', primary.context, '-n', 'istio-system'];
      await k.run([...inPrimary, 'create', 'secret', 'generic', HAND_MADE_SECRET, `--from-file=${remote.clusterId}=${file}`]);
      await k.run([...inPrimary, 'label', 'secret', HAND_MADE_SECRET, 'istio/multiCluster=true']);
      await expectAddresses([...local, ...gateways], 'the remote network\'s gateway after registration');
      await waitFor(async () => (await remoteInClusterz())?.syncStatus === 'synced', '/debug/clusterz: the remote synced', { timeoutMs: 60_000 });
      const entry = (await remoteInClusterz())!;
      assert.equal(entry.secretName, HAND_MADE_SECRET);
      assert.equal(entry.secretKey, remote.clusterId);
      assert.ok(!claAddresses(client!).some((a) => !local.includes(a) && !gateways.includes(a)), 'no remote pod address leaks to another network');

      await k.run([...inPrimary, 'delete', 'secret', HAND_MADE_SECRET]);
      await expectAddresses(local, 'the primary\'s endpoints alone after the Secret is deleted');
      assert.equal(await remoteInClusterz(), undefined, '/debug/clusterz no longer lists the remote');
    });

    it('a rotated remote Secret (kubectl apply of new credentials) never leaves a gap in what the client receives (checked continuously)', async () => {
      const { primary, remote } = clusters!;
      const inPrimary = ['--context', primary.context, '-n', 'istio-system'];
      const minified = parseYaml((await k.run(['config', 'view', '--minify', '--flatten', '--context', remote.context])).stdout) as {
        users: Array<{ name: string }>;
        contexts: Array<{ context: { user: string } }>;
      };
      const apply = async (kubeconfig: string) => {
        const file = await k.file('rotating_kubecfg', kubeconfig);
        const secret = (await k.run([...inPrimary, 'create', 'secret', 'generic', HAND_MADE_SECRET, `--from-file=${remote.clusterId}=${file}`, '--dry-run=client', '-o', 'yaml'])).stdout;
        await k.run([...inPrimary, 'apply', '-f', '-'], { input: secret });
      };
      await apply(stringifyYaml(minified));
      await k.run([...inPrimary, 'label', 'secret', HAND_MADE_SECRET, 'istio/multiCluster=true']);
      await expectAddresses([...local, ...gateways], 'the remote network before rotation');
      const want = JSON.stringify([...local, ...gateways].sort());
      let gaps = 0;
      let samples = 0;
      const sampler = setInterval(() => {
        samples++;
        if (JSON.stringify(claAddresses(client!)) !== want) gaps++;
      }, 2);
      try {
        // New credentials entry for the same cluster: the kubeconfig text changes, as on a rotation.
        minified.users[0]!.name = 'rotated-user';
        minified.contexts[0]!.context.user = 'rotated-user';
        await apply(stringifyYaml(minified));
        await waitFor(async () => (await remoteInClusterz())?.syncStatus === 'synced', 'synced after rotation', { timeoutMs: 60_000 });
        await new Promise((r) => setTimeout(r, 1_000));
      } finally {
        clearInterval(sampler);
      }
      assert.equal(gaps, 0, `the client's assignment differed in ${gaps} of ${samples} samples during the rotation`);
      assert.ok(samples > 100, `sampled ${samples} times`);
      await k.run([...inPrimary, 'delete', 'secret', HAND_MADE_SECRET]);
      await expectAddresses(local, 'the primary\'s endpoints alone after the Secret is deleted');
    });

    it('horizon create-remote-secret | kubectl apply -f - registers it the same way; kubectl delete secret removes it', async () => {
      const { primary, remote } = clusters!;
      const env = { ...process.env, KUBECONFIG: k.kubeconfig, HOME: k.dir, KUBECACHEDIR: path.join(k.dir, 'cache') };
      const applied = await pipeline(
        'node bin/horizon.mjs create-remote-secret --kubeconfig "$1" --context "$2" --name "$3" | kubectl --context "$4" apply -f -',
        [k.kubeconfig, remote.context, remote.clusterId, primary.context],
        env,
      );
      const secret = `istio-remote-secret-${remote.clusterId}`;
      assert.match(applied, new RegExp(`secret/${secret} (created|configured)`));
      await expectAddresses([...local, ...gateways], 'the remote network\'s gateway after create-remote-secret');
      await waitFor(async () => (await remoteInClusterz())?.syncStatus === 'synced', '/debug/clusterz: the remote synced', { timeoutMs: 60_000 });
      assert.equal((await remoteInClusterz())!.secretName, secret);

      await k.run(['--context', primary.context, '-n', 'istio-system', 'delete', 'secret', secret]);
      await expectAddresses(local, 'the primary\'s endpoints alone after the Secret is deleted');
    });
  });
}
