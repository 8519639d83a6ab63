// Real isolation between the two networks, with Linux network namespaces (root only; skipped with the
// reason elsewhere). Three namespaces, nothing routed between the networks:
//
//   hzn1 (network1: the client, the v1 pod)  --198.51.100.0/24--  hzgw (both east-west gateways)  --203.0.113.0/24--  hzn2 (network2: the v2 pod)
//
// hzgw does not forward, so network1 cannot reach network2's pod addresses at all. Horizon and the
// emulated clusters stay in the root namespace; the client and the gateways reach its xDS port over
// their own small links (198.18.0.0/15). The network1 client must still get v2 answers, through the
// network2 gateway, because Horizon sent it that gateway instead of the unreachable pod address.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { loadClusterFolder, startClusterDefinitions, type EmulatedClusterSet } from '../../src/emulator/index.js';
import { remoteSecretObject } from '../../src/demo/demo.js';
import { startHorizon, type Horizon } from '../../src/horizon.js';
import { runGrpcXdsClient } from '../support/grpc-xds-client.js';
import { gatewayIp, HELLO_HOST, demoClusters, helloPod } from '../support/demo-mesh.js';
import { run } from '../support/exec.js';
import { ip, netnsUnavailable, runDataplane, type DataplaneRun } from '../support/processes.js';
import { waitFor } from '../support/wait.js';

describe('split horizon across isolated network namespaces', function () {
  this.timeout(120_000);
  const id = process.pid % 10_000;
  const ns = { n1: `hzn1-${id}`, n2: `hzn2-${id}`, gw: `hzgw-${id}` };
  // Control links root<->n1 and root<->gw: two /30s in 198.18.0.0/15, from the pid.
  const ctl = (k: number) => {
    const base = ((id * 2 + k) % 16_384) * 4;
    const net = `198.${18 + Math.floor(base / 65_536)}.${Math.floor(base / 256) % 256}`;
    return { host: `${net}.${(base % 256) + 1}`, peer: `${net}.${(base % 256) + 2}` };
  };
  const ctlN1 = ctl(0);
  const ctlGw = ctl(1);
  const links = { n1ctl: `hz${id}c1`, gwctl: `hz${id}cg`, n1gw: `hz${id}a`, gwn2: `hz${id}b` };
  let set: EmulatedClusterSet | undefined;
  let horizon: Horizon | undefined;
  let dir: string | undefined;
  const runs: DataplaneRun[] = [];
  let created = false;

  const exec = (where: string, ...args: string[]) => ip('netns', 'exec', where, ...args);

  before(async function () {
    const why = await netnsUnavailable();
    if (why) {
      console.log(`      (skipped: ${why})`);
      this.skip();
    }
    // Emulated clusters whose pod addresses and gateway addresses are the namespaces' own.
    const c1 = await loadClusterFolder(path.join(demoClusters, 'cluster1'));
    const c2 = await loadClusterFolder(path.join(demoClusters, 'cluster2'));
    set = await startClusterDefinitions([
      { ...c1, podCIDR: '198.51.100.0/26', loadBalancerPool: '203.0.113.128/28' },
      { ...c2, podCIDR: '203.0.113.0/26', loadBalancerPool: '198.51.100.128/28' },
    ]);
    const v1 = helloPod(set.get('cluster1'), 'v1').ip;
    const v2 = helloPod(set.get('cluster2'), 'v2').ip;
    const gw1 = gatewayIp(set.get('cluster1')); // network1's gateway: reached from network2
    const gw2 = gatewayIp(set.get('cluster2')); // network2's gateway: reached from network1

    created = true;
    for (const n of Object.values(ns)) {
      await ip('netns', 'add', n);
      await exec(n, 'ip', 'link', 'set', 'lo', 'up');
    }
    const veth = async (a: string, aNs: string | undefined, aAddr: string, b: string, bNs: string, bAddr: string) => {
      await ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
      if (aNs) await ip('link', 'set', a, 'netns', aNs);
      await ip('link', 'set', b, 'netns', bNs);
      if (aNs) {
        await exec(aNs, 'ip', 'addr', 'add', aAddr, 'dev', a);
        await exec(aNs, 'ip', 'link', 'set', a, 'up');
      } else {
        await ip('addr', 'add', aAddr, 'dev', a);
        await ip('link', 'set', a, 'up');
      }
      await exec(bNs, 'ip', 'addr', 'add', bAddr, 'dev', b);
      await exec(bNs, 'ip', 'link', 'set', b, 'up');
    };
    await veth(links.n1ctl, undefined, `${ctlN1.host}/30`, `${links.n1ctl}p`, ns.n1, `${ctlN1.peer}/30`);
    await veth(links.gwctl, undefined, `${ctlGw.host}/30`, `${links.gwctl}p`, ns.gw, `${ctlGw.peer}/30`);
    await veth(links.n1gw, ns.n1, `${v1}/24`, `${links.n1gw}p`, ns.gw, `${gw2}/24`);
    await veth(links.gwn2, ns.gw, `${gw1}/24`, `${links.gwn2}p`, ns.n2, `${v2}/24`);
    // Nothing forwards between the networks (a new namespace does not, but say it).
    await exec(ns.gw, 'sysctl', '-qw', 'net.ipv4.ip_forward=0');

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(set.kubeconfigYaml());
    // xDS on every address of the root namespace: the client and the gateways come over their links.
    horizon = await startHorizon({ kubeConfig, contexts: ['cluster1'], xdsAddress: '0.0.0.0:0', pushQuietMs: 2 });
    set.get('cluster1').create(remoteSecretObject('istio-system', 'cluster2', set.get('cluster2').kubeconfigYaml({ contextName: 'cluster2' })));
    await waitFor(() => horizon!.registry.get('cluster2')?.source.status === 'synced', 'cluster2 synced', { timeoutMs: 20_000 });

    dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-netns-'));
    const start = async (name: string, where: string, config: object) => {
      const file = path.join(dir!, `${name}.json`);
      await writeFile(file, JSON.stringify(config));
      const run = runDataplane(file, ['ip', 'netns', 'exec', where]);
      runs.push(run);
      await waitFor(() => {
        if (run.child.exitCode !== null) throw new Error(`${name} exited: ${run.stderr()}`);
        return run.lines.some((l) => l.ready === true);
      }, `${name} ready`, { timeoutMs: 30_000 });
      return run;
    };
    const xds = (peer: string) => `${peer === ctlN1.peer ? ctlN1.host : ctlGw.host}:${horizon!.xds.port}`;
    await start('v1', ns.n1, { backends: [{ podName: 'helloworld-v1', address: v1, port: 5000, version: 'v1' }] });
    await start('v2', ns.n2, { backends: [{ podName: 'helloworld-v2', address: v2, port: 5000, version: 'v2' }] });
    await start('gateways', ns.gw, {
      gateways: [
        { network: 'network1', address: gw1, port: 15443, xds: xds(ctlGw.peer) },
        { network: 'network2', address: gw2, port: 15443, xds: xds(ctlGw.peer) },
      ],
      stats: { address: ctlGw.peer, port: 15000 },
    });
    Object.assign(this, { v1, v2, gw2 });
  });

  after(async () => {
    for (const r of runs) await r.kill();
    await horizon?.close();
    await set?.stop();
    if (created) {
      for (const n of Object.values(ns)) await run('ip', ['netns', 'del', n]);
      for (const l of [links.n1ctl, links.gwctl]) await run('ip', ['link', 'del', l]);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('network1 cannot reach network2 pods, yet its client gets v2 through network2 gateway', async function () {
    const { v2, gw2 } = this as unknown as { v2: string; gw2: string };
    // No route from network1 to the v2 pod.
    const direct = await run('ip', ['netns', 'exec', ns.n1, process.execPath, '-e', `require('net').connect(5000, '${v2}').on('connect', () => process.exit(0)).on('error', (e) => { console.log(e.code); process.exit(3); })`]);
    assert.equal(direct.code, 3, `network1 reached ${v2}: ${direct.stdout}${direct.stderr}`);
    assert.match(direct.stdout, /ENETUNREACH|EHOSTUNREACH/);

    const results = await runGrpcXdsClient({
      server: `${ctlN1.host}:${horizon!.xds.port}`,
      target: `xds:///${HELLO_HOST}:5000`,
      calls: 40,
      metadata: { NETWORK: 'network1', GENERATOR: 'grpc' },
      prefix: ['ip', 'netns', 'exec', ns.n1],
    });
    const answers = results.map((r) => (r.ok ? /version: (v\d)/.exec(r.reply.message)?.[1] : `error ${r.details}`));
    const v2answers = answers.filter((a) => a === 'v2').length;
    assert.ok(answers.filter((a) => a === 'v1').length > 5 && v2answers > 5, `answers: ${JSON.stringify(answers)}`);
    assert.equal(answers.filter((a) => a !== 'v1' && a !== 'v2').length, 0, JSON.stringify(answers));

    const stats = (await (await fetch(`http://${ctlGw.peer}:15000/stats`)).json()) as {
      gateways: { network: string; address: string; authorities: Record<string, { forwarded: number }> }[];
    };
    const g2 = stats.gateways.find((g) => g.network === 'network2')!;
    assert.equal(g2.address, gw2);
    assert.equal(g2.authorities[`${HELLO_HOST}:5000`]?.forwarded, v2answers, 'every v2 answer passed network2 gateway');
    const g1 = stats.gateways.find((g) => g.network === 'network1')!;
    assert.equal(Object.values(g1.authorities).reduce((s, a) => s + a.forwarded, 0), 0, 'nothing of network1 went through a gateway');
  });
});
