// What every suite comparing Horizon with its peers starts and ends with.
import { strict as assert } from 'node:assert';
import { findPeerBinaries, type PeerBinaries } from '../../../src/peers/peer-binaries.js';
import { describeAccepted, type Comparison } from './side-by-side.js';

/** Set by .ci/run: there the peers must run, so a missing build fails instead of skipping. */
const peersRequired = process.env.HORIZON_REQUIRE_PEERS === '1';

/** The peers, or a skip that says why (a failure when they are required). */
export async function peersOrSkip(ctx: Mocha.Context): Promise<PeerBinaries> {
  const found = await findPeerBinaries();
  if (!('missing' in found)) return found;
  if (peersRequired) throw new Error(`HORIZON_REQUIRE_PEERS=1 but the peers are not built: ${found.missing}`);
  console.log(`    skipped: ${found.missing} (HORIZON_REQUIRE_PEERS=1 makes this a failure)`);
  return ctx.skip();
}

/** Fails with every unexplained difference, else prints what was compared and accepted. */
export function assertExplained(phase: string, c: Comparison): void {
  const lines = c.findings.map((f) => `  ${f.where}: ${f.problem}`);
  assert.equal(c.findings.length, 0, `${phase}: ${c.findings.length} unexplained difference(s):\n${lines.join('\n')}`);
  console.log(`      ${phase}: ${c.compared} (caller, cluster) pairs; accepted differences: ${describeAccepted(c)}`);
}
