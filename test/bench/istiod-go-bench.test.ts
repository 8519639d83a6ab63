import assert from 'node:assert/strict';
import { parseGoBench } from '../../bench/support/istiod-go-bench.js';

describe('istiod BenchmarkEndpointGeneration output, read beside S1', () => {
  it('reads every case with its metrics (go test -bench -benchmem lines, GOMAXPROCS suffix or none)', () => {
    const out = [
      'goos: linux',
      'pkg: istio.io/istio/pilot/pkg/xds',
      'BenchmarkEndpointGeneration/1/100-2         \t     493\t   2487500 ns/op\t        12.17 kb/msg\t       100.0 resources/msg\t  555763 B/op\t    8922 allocs/op',
      'BenchmarkEndpointGeneration/1000/1         \t     100\t  11011668 ns/op\t        22.64 kb/msg\t         1.000 resources/msg\t 3420440 B/op\t   51170 allocs/op',
      'BenchmarkOther/1/100-2 \t 1 \t 5 ns/op',
      'PASS',
    ].join('\n');
    assert.deepEqual(parseGoBench(out), [
      { case: '1/100', iterations: 493, nsPerOp: 2487500, bytesPerOp: 555763, allocsPerOp: 8922, kbPerMsg: 12.17, resourcesPerMsg: 100 },
      { case: '1000/1', iterations: 100, nsPerOp: 11011668, bytesPerOp: 3420440, allocsPerOp: 51170, kbPerMsg: 22.64, resourcesPerMsg: 1 },
    ]);
  });

  it('a line without a metric leaves it NaN rather than guessing', () => {
    const [c] = parseGoBench('BenchmarkEndpointGeneration/10/10-2 \t 285915 \t 6604 ns/op');
    assert.equal(c!.nsPerOp, 6604);
    assert.ok(Number.isNaN(c!.bytesPerOp));
  });
});
