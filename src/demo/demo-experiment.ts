// The experiment of the split-horizon walkthrough, on the demo: a proxyless gRPC client on one network
// calls a service repeatedly; the answers show which versions it reached, and the east-west gateways'
// counters show which calls crossed to another network.
import { runGrpcXdsClient } from '../client/caller-process.js';
import { tallyReply } from '../client/proxyless-caller.js';
import type { Demo } from './demo.js';

export interface ExperimentOptions {
  network: string;
  target: string;
  calls: number;
}

function forwarded(demo: Demo): Map<string, number> {
  const out = new Map<string, number>();
  for (const [network, gw] of demo.dataplane.gateways) {
    out.set(network, Object.values(gw.stats().authorities).reduce((sum, a) => sum + a.forwarded, 0));
  }
  return out;
}

/** Runs the calls and describes the outcome in a few lines. */
export async function runCallExperiment(demo: Demo, o: ExperimentOptions): Promise<string> {
  const before = forwarded(demo);
  const results = await runGrpcXdsClient({
    server: demo.horizon.xds.address,
    target: o.target,
    calls: o.calls,
    nodeId: `demo-client-${o.network}`,
    metadata: { NETWORK: o.network, GENERATOR: 'grpc' },
  });
  const after = forwarded(demo);
  const tally = new Map<string, number>();
  for (const r of results) tallyReply(tally, r);
  const lines = [`a proxyless gRPC client on ${o.network} called xds:///${o.target} ${o.calls} times:`];
  for (const [text, n] of [...tally].sort()) lines.push(`  ${String(n).padStart(3)} x ${text}`);
  for (const [network, count] of after) {
    const crossed = count - (before.get(network) ?? 0);
    if (network !== o.network) lines.push(`  ${crossed} of them went through the east-west gateway of ${network}`);
    else if (crossed > 0) lines.push(`  unexpected: ${crossed} went through its own network's gateway`);
  }
  return lines.join('\n');
}
