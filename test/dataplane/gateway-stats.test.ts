import { strict as assert } from 'node:assert';
import { GatewayCounters, overflowKey } from '../../src/dataplane/gateway-stats.js';

describe('dataplane: gateway counters', () => {
  it('counts per service and per backend, and hands out copies', () => {
    const counters = new GatewayCounters();
    counters.forwarded('a.ns.svc.cluster.local:5000', '10.0.0.1:5000');
    counters.forwarded('a.ns.svc.cluster.local:5000', '10.0.0.2:5000');
    counters.failed('a.ns.svc.cluster.local:5000', '10.0.0.2:5000');
    counters.failed('b.ns.svc.cluster.local:5000');
    counters.rejected('b:5000');
    const snap = counters.snapshot();
    assert.deepEqual(snap, {
      authorities: { 'a.ns.svc.cluster.local:5000': { forwarded: 2, failed: 1 }, 'b.ns.svc.cluster.local:5000': { forwarded: 0, failed: 1 } },
      backends: { '10.0.0.1:5000': { forwarded: 1, failed: 0 }, '10.0.0.2:5000': { forwarded: 1, failed: 1 } },
      rejected: { 'b:5000': 1 },
    });
    counters.forwarded('a.ns.svc.cluster.local:5000', '10.0.0.1:5000');
    assert.equal(snap.authorities['a.ns.svc.cluster.local:5000']!.forwarded, 2);
  });

  it('stops growing at maxKeys: invented names share one overflow entry', () => {
    const counters = new GatewayCounters(3);
    for (let i = 0; i < 10; i++) {
      counters.failed(`svc${i}.ns.svc.cluster.local:5000`);
      counters.rejected(`junk${i}`);
    }
    counters.failed('svc0.ns.svc.cluster.local:5000');
    const snap = counters.snapshot();
    // Three real names, then one overflow entry for the other seven.
    assert.deepEqual(Object.keys(snap.authorities), ['svc0.ns.svc.cluster.local:5000', 'svc1.ns.svc.cluster.local:5000', 'svc2.ns.svc.cluster.local:5000', overflowKey]);
    assert.deepEqual(snap.authorities['svc0.ns.svc.cluster.local:5000'], { forwarded: 0, failed: 2 });
    assert.deepEqual(snap.authorities[overflowKey], { forwarded: 0, failed: 7 });
    assert.deepEqual(snap.rejected, { junk0: 1, junk1: 1, junk2: 1, [overflowKey]: 7 });
  });
});
