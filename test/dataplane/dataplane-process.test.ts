import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDataplaneConfig } from '../../src/dataplane/dataplane-config.js';
import { startDataplane } from '../../src/dataplane/dataplane.js';
import { startHelloworld } from '../../src/dataplane/helloworld.js';
import { greeterClient, sayHello } from './helpers.js';
import { waitFor } from '../support/wait.js';
import { run as runCommand } from '../support/exec.js';
import { ip, netnsUnavailable, runDataplane, type DataplaneRun } from '../support/processes.js';

const fqdn = 'helloworld.sample.svc.cluster.local:5000';

describe('dataplane: config', () => {
  it('lists every problem with its path', () => {
    assert.throws(
      () =>
        parseDataplaneConfig(
          {
            backend: [],
            backends: [{ podName: 'a', address: '127.0.0.1', port: 5000, version: 'v1' }, { podName: 'a', address: 'localhost', port: -1 }],
            gateways: [
              { network: 'n2', address: '127.0.0.2', port: 15443, endpoints: { 'helloworld:5000': [], 'h.s:5000': [{ address: '10.0.0.1', port: 0 }] } },
              { network: 'n3', address: '127.0.0.3', port: 15443, xds: '127.0.0.1:99999' },
            ],
          },
          'x.json',
        ),
      (err: Error) => {
        const expected = [
          'config x.json:',
          'backend: unknown key',
          'backends[1].podName: "a" is used twice',
          'backends[1].address: "localhost" is not an IP address',
          'backends[1].port: must be an integer from 0 to 65535',
          'backends[1].version: must be a non-empty string',
          'gateways[0].endpoints: authority "helloworld:5000" names no namespace',
          'gateways[0].endpoints["h.s:5000"][0].port: must be an integer from 1 to 65535',
          "gateways[1].xds: xDS address '127.0.0.1:99999' is not host:port",
        ];
        for (const text of expected) assert.ok(err.message.includes(text), `missing "${text}" in:\n${err.message}`);
        return true;
      },
    );
    assert.throws(() => parseDataplaneConfig({}, 'empty.json'), /nothing to run/);
    assert.deepEqual(parseDataplaneConfig({ gateways: [{ network: 'n1', address: '::1', port: 0 }] }, 'x'), {
      backends: [],
      gateways: [{ network: 'n1', address: '::1', port: 0, domain: 'cluster.local', endpoints: {} }],
    });
  });
});

describe('dataplane: in-process data plane', () => {
  it('starts backends and gateways from a config and stops them all', async () => {
    const dp = await startDataplane(
      parseDataplaneConfig(
        {
          backends: [{ podName: 'hw-v1-a', address: '127.10.0.71', port: 0, version: 'v1' }],
          gateways: [{ network: 'network1', address: '127.10.0.70', port: 0, endpoints: {} }],
        },
        'inline',
      ),
    );
    const ready = dp.ready();
    const port = ready.backends[0]!.port;
    const c = greeterClient(`127.10.0.71:${port}`);
    try {
      assert.equal(await sayHello(c), 'Hello version: v1, instance: hw-v1-a');
      assert.equal(dp.stats().backends[0]!.calls, 1);
    } finally {
      c.close();
      await dp.close();
    }
    assert.deepEqual(dp.fleet.backends(), []);
  });

  it('fails as a whole, closing what it started, when a part cannot listen', async () => {
    const squatter = await startHelloworld({ address: '127.10.0.72', port: 0, version: 'v0', podName: 'squatter' });
    try {
      await assert.rejects(
        startDataplane(
          parseDataplaneConfig(
            {
              backends: [{ podName: 'hw-v1-a', address: '127.10.0.73', port: 0, version: 'v1' }],
              gateways: [{ network: 'network1', address: '127.10.0.72', port: squatter.port }],
            },
            'inline',
          ),
        ),
        /eastwest gateway network1: cannot listen on 127\.10\.0\.72:\d+: address already in use/,
      );
    } finally {
      await squatter.stop();
    }
  });
});

describe('dataplane: standalone process', function () {
  this.timeout(60_000);
  let dir: string;
  const cleanup: (() => unknown)[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'horizon-dataplane-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('starts, prints ready, serves backends, a gateway and stats, and exits cleanly on SIGTERM', async () => {
    const remote = await startHelloworld({ address: '127.10.0.62', port: 0, version: 'v2', podName: 'helloworld-v2-a' });
    cleanup.push(() => remote.stop({ graceMs: 100 }));
    const configFile = join(dir, 'dataplane.json');
    await writeFile(
      configFile,
      JSON.stringify({
        backends: [{ podName: 'helloworld-v1-a', address: '127.10.0.61', port: 0, version: 'v1' }],
        gateways: [{ network: 'network2', address: '127.10.0.60', port: 0, endpoints: { 'helloworld.sample:5000': [{ address: remote.address, port: remote.port }] } }],
        stats: { address: '127.10.0.60', port: 0 },
      }),
    );
    const run = runDataplane(configFile);
    cleanup.push(() => {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    });

    const ready = await waitFor(() => {
      if (run.child.exitCode !== null) throw new Error(`data plane exited ${run.child.exitCode}: ${run.stderr()}`);
      return run.lines.find((l) => l.ready === true);
    }, 'the ready line', { timeoutMs: 45_000 }) as {
      pid: number;
      backends: { podName: string; address: string; port: number }[];
      gateways: { network: string; address: string; port: number }[];
      statsUrl: string;
    };
    assert.equal(run.lines[0], ready, 'the ready line is the first line');
    assert.equal(ready.pid, run.child.pid);
    assert.deepEqual(ready.backends.map((b) => [b.podName, b.address]), [['helloworld-v1-a', '127.10.0.61']]);
    assert.deepEqual(ready.gateways.map((g) => [g.network, g.address]), [['network2', '127.10.0.60']]);
    assert.match(ready.statsUrl, /^http:\/\/127\.10\.0\.60:\d+\/stats$/);

    const direct = greeterClient(`127.10.0.61:${ready.backends[0]!.port}`);
    const viaGateway = greeterClient(`127.10.0.60:${ready.gateways[0]!.port}`, fqdn);
    cleanup.push(() => direct.close(), () => viaGateway.close());
    assert.equal(await sayHello(direct), 'Hello version: v1, instance: helloworld-v1-a');
    assert.equal(await sayHello(viaGateway), 'Hello version: v2, instance: helloworld-v2-a');

    const res = await fetch(ready.statsUrl);
    assert.equal(res.status, 200);
    const stats = (await res.json()) as {
      backends: { podName: string; calls: number }[];
      gateways: { network: string; authorities: Record<string, unknown>; backends: Record<string, unknown> }[];
    };
    assert.deepEqual(stats.backends.map((b) => [b.podName, b.calls]), [['helloworld-v1-a', 1]]);
    assert.deepEqual(stats.gateways[0]!.authorities, { [fqdn]: { forwarded: 1, failed: 0 } });
    assert.deepEqual(stats.gateways[0]!.backends, { [`${remote.address}:${remote.port}`]: { forwarded: 1, failed: 0 } });
    assert.equal((await fetch(ready.statsUrl.replace(/stats$/, 'other'))).status, 404);

    run.child.kill('SIGUSR2');
    const printed = await waitFor(() => run.lines.find((l) => l.stats !== undefined), 'stats on SIGUSR2') as { stats: typeof stats };
    assert.deepEqual(printed.stats, stats);

    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, run.stderr());
    assert.deepEqual(run.lines.at(-1), { stopped: true, signal: 'SIGTERM' });
    // Everything it listened on is gone.
    await assert.rejects(fetch(ready.statsUrl));
  });

  it('exits 1 with a message naming the problem for a bad config', async () => {
    const configFile = join(dir, 'bad.json');
    await writeFile(configFile, JSON.stringify({ gateways: [{ network: 'network2', address: 'not-an-ip', port: 15443 }] }));
    const run = runDataplane(configFile);
    cleanup.push(() => {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    });
    assert.equal(await run.exited, 1);
    assert.match(run.stderr(), new RegExp(`config ${configFile.replaceAll('.', '\\.')}:\\n  gateways\\[0\\]\\.address: "not-an-ip" is not an IP address`));
    assert.deepEqual(run.lines, []);

    const missing = runDataplane(join(dir, 'missing.json'));
    assert.equal(await missing.exited, 1);
    assert.match(missing.stderr(), /missing\.json: cannot read: ENOENT/);
  });
});

describe('dataplane: standalone process in a network namespace', function () {
  this.timeout(60_000);
  // Names and a /30 out of the benchmarking range 198.18.0.0/15, derived from the pid so parallel runs
  // on this machine do not collide.
  const id = process.pid % 100_000;
  const ns = `hzdp-${id}`;
  const hostIf = `hzdp${id}h`;
  const nsIf = `hzdp${id}n`;
  const base = (id % 16_384) * 4;
  const subnet = `198.19.${Math.floor(base / 256)}`;
  const hostAddress = `${subnet}.${(base % 256) + 1}`;
  const nsAddress = `${subnet}.${(base % 256) + 2}`;
  let dir: string | undefined;
  let run: DataplaneRun | undefined;

  before(async function () {
    const why = await netnsUnavailable();
    if (why) {
      console.log(`      (skipped: ${why})`);
      this.skip();
    }
    try {
      await ip('netns', 'add', ns);
    } catch (err) {
      console.log(`      (skipped: cannot create a network namespace: ${(err as Error).message})`);
      this.skip();
    }
    await ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    await ip('link', 'set', nsIf, 'netns', ns);
    await ip('addr', 'add', `${hostAddress}/30`, 'dev', hostIf);
    await ip('link', 'set', hostIf, 'up');
    await ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nsAddress}/30`, 'dev', nsIf);
    await ip('netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up');
    dir = await mkdtemp(join(tmpdir(), 'horizon-dataplane-netns-'));
  });

  after(async () => {
    if (run && run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    // Deleting the namespace takes its veth end, and with it the pair; the link delete is a fallback.
    await runCommand('ip', ['netns', 'del', ns]);
    await runCommand('ip', ['link', 'del', hostIf]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves a backend and a gateway bound to the namespace address, reached from the host through a veth', async () => {
    const configFile = join(dir!, 'netns.json');
    // Fixed ports are safe here: the namespace is this test's own.
    await writeFile(
      configFile,
      JSON.stringify({
        backends: [{ podName: 'helloworld-v1-netns', address: nsAddress, port: 5000, version: 'v1' }],
        gateways: [{ network: 'network3', address: nsAddress, port: 15443, endpoints: { 'helloworld.sample:5000': [{ address: nsAddress, port: 5000 }] } }],
      }),
    );
    run = runDataplane(configFile, ['ip', 'netns', 'exec', ns]);
    const current = run;
    await waitFor(() => {
      if (current.child.exitCode !== null) throw new Error(`data plane exited ${current.child.exitCode}: ${current.stderr()}`);
      return current.lines.find((l) => l.ready === true);
    }, 'the ready line from inside the namespace', { timeoutMs: 45_000 });

    const viaGateway = greeterClient(`${nsAddress}:15443`, 'helloworld.sample:5000');
    try {
      assert.equal(await sayHello(viaGateway), 'Hello version: v1, instance: helloworld-v1-netns');
    } finally {
      viaGateway.close();
    }
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, run.stderr());
  });
});
