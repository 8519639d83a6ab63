// istiod as a supervised process beside Horizon, for one cluster set: the same primary kubeconfig, the
// same remote Secrets, ConfigMap and labels (see istiod-command.ts and docs/istiod-beside-horizon.md).
// The ComponentSupervisor restarts it if it exits, as a Deployment would; stop() ends it.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ComponentSupervisor, type ComponentStatus } from '../clusters/component-supervisor.js';
import { logger } from '../log.js';
import { freePorts } from '../util/free-ports.js';
import { runOk } from '../util/run-command.js';
import { istiodCommand, type IstiodCommandInput } from './istiod-command.js';
import type { PeerBinaries } from './peer-binaries.js';

const log = logger('peers.istiod');

export interface StartIstiodOptions extends Pick<IstiodCommandInput, 'clusterId' | 'systemNamespace' | 'debounce' | 'env' | 'logLevel'> {
  binaries: PeerBinaries;
  /** A kubeconfig document (its current context is the primary cluster); written 0600 into workDir. */
  kubeconfigYaml: string;
  /** istiod's folder (kubeconfig, log); removed by stop(). */
  workDir: string;
  /** How long to wait for /ready (default 120 s: the first start reads every CRD kind). */
  readyTimeoutMs?: number;
}

export interface Istiod {
  /** `127.0.0.1:port` of the plaintext xDS server (istiod's 15010). */
  readonly xdsAddress: string;
  /** `http://127.0.0.1:port`: /debug/* (edsz, endpointz, networkz, syncz, ...) and /metrics. */
  readonly monitoringUrl: string;
  /** `http://127.0.0.1:port`: /ready. */
  readonly httpUrl: string;
  readonly logFile: string;
  readonly supervisor: ComponentSupervisor;
  status(): ComponentStatus;
  /** GET on the monitoring port (e.g. `/debug/endpointz`), parsed as JSON. */
  debug<T = unknown>(pathAndQuery: string): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Applies Istio's own CRDs (of the built version) to a cluster, as istio-base does in every cluster of
 * a mesh. Server-side, forcing conflicts: they replace Horizon's minimal networking.istio.io CRDs where
 * those were applied (theirs are a superset with the same storage version).
 */
export async function applyIstioCrds(binaries: PeerBinaries, kubeconfig: string, context: string): Promise<void> {
  const kubectl = (args: string[]) => runOk('kubectl', ['--kubeconfig', kubeconfig, '--context', context, ...args], { timeoutMs: 180_000 });
  await kubectl(['apply', '--server-side', '--force-conflicts', '-f', binaries.istioCrds]);
  await kubectl(['wait', '--for=condition=Established', 'crd', '-l', 'app=istio-pilot', '--timeout=120s']);
}

export async function startIstiod(opts: StartIstiodOptions): Promise<Istiod> {
  await rm(opts.workDir, { recursive: true, force: true });
  await mkdir(opts.workDir, { recursive: true, mode: 0o700 });
  const kubeconfig = path.join(opts.workDir, 'kubeconfig');
  await writeFile(kubeconfig, opts.kubeconfigYaml, { mode: 0o600 });
  const [grpc, http, monitoring] = (await freePorts(3)) as [number, number, number];
  const cmd = istiodCommand({ ...opts, kubeconfig, ports: { grpc, http, monitoring } });
  const logFile = path.join(opts.workDir, 'istiod.log');
  const supervisor = new ComponentSupervisor([{ name: 'istiod', binary: opts.binaries.pilotDiscovery, args: cmd.args, env: cmd.env, workDir: opts.workDir, logFile }]);
  const httpUrl = `http://127.0.0.1:${http}`;
  const monitoringUrl = `http://127.0.0.1:${monitoring}`;
  const istiod: Istiod = {
    xdsAddress: `127.0.0.1:${grpc}`,
    monitoringUrl,
    httpUrl,
    logFile,
    supervisor,
    status: () => supervisor.status()[0]!,
    async debug<T>(pathAndQuery: string): Promise<T> {
      const res = await fetch(`${monitoringUrl}${pathAndQuery}`, { signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      if (!res.ok) throw new Error(`istiod ${pathAndQuery}: HTTP ${res.status}: ${text.slice(0, 300)}`);
      return JSON.parse(text) as T;
    },
    async stop() {
      await supervisor.stop();
      await rm(opts.workDir, { recursive: true, force: true });
    },
  };
  supervisor.start();
  try {
    await waitReady(istiod, opts.readyTimeoutMs ?? 120_000);
  } catch (err) {
    await supervisor.stop();
    throw err;
  }
  log.info({ xds: istiod.xdsAddress, monitoring: monitoringUrl }, 'istiod ready');
  return istiod;
}

/** istiod's /ready answers 200 once its registries and config have synced (and its xDS server is up). */
async function waitReady(istiod: Istiod, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${istiod.httpUrl}/ready`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${(await res.text()).trim().slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    const st = istiod.status();
    if (st.restarts > 2) last += `; istiod exited ${st.restarts} times (last: ${st.lastExit})`;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`istiod was not ready within ${timeoutMs / 1000} s (${last}); its log: ${istiod.logFile}`);
}
