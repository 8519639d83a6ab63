// Makes every address of a range local to this machine (Linux "AnyIP": a `local` route on the loopback
// interface), so the demo's data plane can bind pod addresses that a real API server accepts in
// EndpointSlices; 127.0.0.0/8 works without it, but a real kube-apiserver refuses loopback endpoints.
// Needs CAP_NET_ADMIN (root); the route is removed again when the cluster stops.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Why local routes cannot be added here, or undefined when they can. */
export async function localRouteUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `local routes need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'adding a local route for the pod range needs root (CAP_NET_ADMIN)';
  try {
    await run('ip', ['-V']);
  } catch {
    return 'the `ip` command (iproute2) is not installed';
  }
  return undefined;
}

export async function addLocalRoute(cidr: string): Promise<void> {
  try {
    // replace, not add: a route left by a run that was killed is taken over instead of failing.
    await run('ip', ['route', 'replace', 'local', cidr, 'dev', 'lo']);
  } catch (err) {
    throw new Error(`cannot route ${cidr} to the loopback interface (ip route replace local ${cidr} dev lo): ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
  }
}

export async function removeLocalRoute(cidr: string): Promise<void> {
  await run('ip', ['route', 'del', 'local', cidr, 'dev', 'lo']).catch(() => undefined);
}
