// The standalone data-plane process:
//   node --import tsx src/dataplane/main.ts --config <file.json>
// Starts the helloworld backends and east-west gateways of the config (for instance inside a network
// namespace with `ip netns exec`), prints one JSON line {"ready":true,...} once everything listens,
// prints {"stats":{...}} on SIGUSR2 (and serves GET /stats when the config asks), and exits 0 on
// SIGTERM or SIGINT after closing everything. Any start-up problem: a message on stderr, exit 1.
//
// Config (port 0 picks a free port; the ready line reports the real ones):
//   {
//     "backends": [{ "podName": "helloworld-v2-abc", "address": "198.51.100.10", "port": 5000, "version": "v2" }],
//     "gateways": [{ "network": "network2", "address": "198.51.100.2", "port": 15443, "domain": "cluster.local",
//                    "endpoints": { "helloworld.sample:5000": [{ "address": "198.51.100.10", "port": 5000 }] } }],
//     (or, instead of static endpoints, "xds": "<host:port of Horizon>": the gateway learns its own
//      network's endpoints from Horizon as a client with REQUESTED_NETWORK_VIEW=<its network>)
//     "stats": { "address": "198.51.100.2", "port": 15000 }
//   }
// Ready line: {"ready":true,"pid":..,"backends":[{podName,version,address,port}],
//              "gateways":[{network,address,port}],"statsUrl":"http://.../stats"}
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { parseDataplaneConfig } from './dataplane-config.js';
import { startDataplane } from './dataplane.js';

function line(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

async function loadConfig(file: string) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`config ${file}: cannot read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`config ${file}: not valid JSON: ${(err as Error).message}`);
  }
  return parseDataplaneConfig(json, file);
}

async function run(argv: string[]): Promise<void> {
  const program = new Command('horizon-dataplane')
    .description('Helloworld backends and east-west gateways of a Horizon demo network')
    .requiredOption('--config <file>', 'JSON config: {backends: [...], gateways: [...], stats?: {address, port}}')
    .exitOverride()
    .parse(argv);
  const config = await loadConfig(program.opts<{ config: string }>().config);
  const dataplane = await startDataplane(config);

  const onStatsSignal = () => line({ stats: dataplane.stats() });
  process.on('SIGUSR2', onStatsSignal);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.off('SIGUSR2', onStatsSignal);
    dataplane.close().then(
      () => {
        line({ stopped: true, signal });
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`horizon-dataplane: error while stopping: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  line(dataplane.ready());
}

run(process.argv).catch((err: unknown) => {
  const code = (err as { exitCode?: number }).exitCode;
  if (code !== undefined) {
    // commander already printed usage or the error.
    process.exit(code);
  }
  process.stderr.write(`horizon-dataplane: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
