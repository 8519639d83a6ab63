import { strict as assert } from 'node:assert';
import type * as grpc from '@grpc/grpc-js';
import { helloReply, startHelloworld, type HelloworldBackend } from '../../src/dataplane/helloworld.js';
import { HelloworldFleet, planFleet, type DesiredPod } from '../../src/dataplane/helloworld-fleet.js';
import { greeterClient, sayHello, sayHelloOutcome } from './helpers.js';

describe('dataplane: helloworld backend', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  const client = (target: string): grpc.Client => {
    const c = greeterClient(target);
    cleanup.push(() => c.close());
    return c;
  };
  const start = async (address: string, version: string, podName: string, port = 0): Promise<HelloworldBackend> => {
    const backend = await startHelloworld({ address, port, version, podName });
    cleanup.push(() => backend.stop({ graceMs: 100 }));
    return backend;
  };

  it('answers as the Istio helloworld sample, with its version and pod name, and counts calls', async () => {
    const backend = await start('127.10.0.11', 'v1', 'helloworld-v1-7d8c9f-abcde');
    assert.equal(backend.address, '127.10.0.11');
    assert.ok(backend.port > 0);
    const c = client(`127.10.0.11:${backend.port}`);
    assert.equal(await sayHello(c), 'Hello version: v1, instance: helloworld-v1-7d8c9f-abcde');
    assert.equal(await sayHello(c), helloReply('v1', 'helloworld-v1-7d8c9f-abcde'));
    assert.equal(backend.calls, 2);
  });

  it('binds exactly its own address', async () => {
    const backend = await start('127.10.0.12', 'v2', 'helloworld-v2-a');
    const other = client(`127.10.0.13:${backend.port}`);
    assert.match(await sayHelloOutcome(other, 3000), /^error 14: /);
    assert.equal(backend.calls, 0);
  });

  it('refuses a port in use, naming the address', async () => {
    const first = await start('127.10.0.14', 'v1', 'helloworld-v1-a');
    await assert.rejects(
      startHelloworld({ address: '127.10.0.14', port: first.port, version: 'v1', podName: 'helloworld-v1-b' }),
      (err: Error) => {
        assert.match(err.message, /helloworld-v1-b/);
        assert.ok(err.message.includes(`127.10.0.14:${first.port} is already in use`), err.message);
        return true;
      },
    );
    // The first one is unharmed.
    assert.equal(await sayHello(client(`127.10.0.14:${first.port}`)), 'Hello version: v1, instance: helloworld-v1-a');
  });

  it('stops: no more answers afterwards, and stop() is idempotent', async () => {
    const backend = await startHelloworld({ address: '127.10.0.15', port: 0, version: 'v1', podName: 'p' });
    const c = client(`127.10.0.15:${backend.port}`);
    assert.equal(await sayHello(c), 'Hello version: v1, instance: p');
    await Promise.all([backend.stop({ graceMs: 100 }), backend.stop()]);
    assert.match(await sayHelloOutcome(c, 3000), /^error 14: /);
  });
});

describe('dataplane: helloworld fleet', () => {
  const pod = (podName: string, address: string, version = 'v1', port = 0): DesiredPod => ({ podName, address, port, version });

  it('plans starts and stops by pod name; a changed pod is restarted', () => {
    const running = new Map([
      ['a', pod('a', '127.0.0.1')],
      ['b', pod('b', '127.0.0.2')],
      ['c', pod('c', '127.0.0.3')],
    ]);
    const plan = planFleet(running, [pod('a', '127.0.0.1'), pod('c', '127.0.0.9'), pod('d', '127.0.0.4')]);
    assert.deepEqual(plan.stop.sort(), ['b', 'c']);
    assert.deepEqual(plan.start.map((p) => p.podName).sort(), ['c', 'd']);
    assert.deepEqual(planFleet(running, [...running.values()]), { start: [], stop: [] });
  });

  it('keeps backends in step with the desired pods', async () => {
    const fleet = new HelloworldFleet({ stopGraceMs: 100 });
    try {
      const first = await fleet.sync([pod('hw-v1-a', '127.10.0.31'), pod('hw-v2-a', '127.10.0.32', 'v2')]);
      assert.deepEqual(first.started.sort(), ['hw-v1-a', 'hw-v2-a']);
      assert.deepEqual(first.failed, []);
      const v1 = fleet.get('hw-v1-a')!;
      const v2 = fleet.get('hw-v2-a')!;
      const c1 = greeterClient(`127.10.0.31:${v1.port}`);
      const c2 = greeterClient(`127.10.0.32:${v2.port}`);
      try {
        assert.equal(await sayHello(c2), 'Hello version: v2, instance: hw-v2-a');

        // hw-v1-a goes away, hw-v2-b arrives; hw-v2-a stays as it is (same server, same counter).
        const second = await fleet.sync([pod('hw-v2-a', '127.10.0.32', 'v2'), pod('hw-v2-b', '127.10.0.33', 'v2')]);
        assert.deepEqual(second.stopped, ['hw-v1-a']);
        assert.deepEqual(second.started, ['hw-v2-b']);
        assert.equal(fleet.get('hw-v2-a'), v2);
        assert.match(await sayHelloOutcome(c1, 3000), /^error 14: /);
        assert.equal(await sayHello(c2), 'Hello version: v2, instance: hw-v2-a');
        assert.deepEqual(fleet.calls(), { 'hw-v2-a': 2, 'hw-v2-b': 0 });
      } finally {
        c1.close();
        c2.close();
      }
    } finally {
      await fleet.close();
    }
    assert.deepEqual(fleet.backends(), []);
    await assert.rejects(fleet.sync([]), /closed/);
  });

  it('reports a pod that cannot start and tries it again on the next sync', async () => {
    const squatter = await startHelloworld({ address: '127.10.0.34', port: 0, version: 'v0', podName: 'squatter' });
    const fleet = new HelloworldFleet({ stopGraceMs: 100 });
    try {
      const desired = [pod('hw-v1-a', '127.10.0.34', 'v1', squatter.port), pod('hw-v1-b', '127.10.0.35')];
      const first = await fleet.sync(desired);
      assert.deepEqual(first.started, ['hw-v1-b']);
      assert.equal(first.failed.length, 1);
      assert.equal(first.failed[0]!.podName, 'hw-v1-a');
      assert.match(first.failed[0]!.error, /already in use/);

      await squatter.stop({ graceMs: 100 });
      const second = await fleet.sync(desired);
      assert.deepEqual(second.started, ['hw-v1-a']);
      const c = greeterClient(`127.10.0.34:${squatter.port}`);
      try {
        assert.equal(await sayHello(c), 'Hello version: v1, instance: hw-v1-a');
      } finally {
        c.close();
      }
    } finally {
      await squatter.stop();
      await fleet.close();
    }
  });
});
