// `horizon call <target>`: call a service the way a proxyless gRPC pod of the mesh does, through
// Horizon's xDS, as a client on a given network (the walkthrough's `kubectl exec sleep -- curl`).
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseAddress } from '../options.js';

interface Flags {
  xds: string;
  network?: string;
  requestedNetworks?: string;
  namespace?: string;
  nodeId?: string;
  metadata?: Record<string, unknown>;
  locality?: Record<string, string>;
  bootstrapJson?: Record<string, unknown>;
  calls: number;
  intervalMs: number;
  deadlineMs: number;
  proto?: string;
  service?: string;
  method?: string;
  request?: Record<string, unknown>;
  output: 'text' | 'jsonl';
}

function jsonFlag(name: string) {
  return (text: string) => {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new InvalidArgumentError(`${name} is not valid JSON: ${(err as Error).message}`);
    }
  };
}

function count(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${text}" is not a whole number >= 0`);
  return n;
}

export function registerCall(program: Command): void {
  program
    .command('call')
    .description('call a service as a proxyless gRPC client on a network, through Horizon (xds:///<host>:<port>)')
    .argument('<target>', 'xds:///helloworld.sample.svc.cluster.local:5000, or just helloworld.sample:5000')
    .option('--xds <host:port>', "Horizon's xDS address", parseAddress, '127.0.0.1:15010')
    .option('--network <name>', "the caller's network (node metadata NETWORK)")
    .option('--requested-networks <a,b>', 'node metadata REQUESTED_NETWORK_VIEW')
    .option('--namespace <ns>', "the caller's namespace (node metadata NAMESPACE; lets one-label names resolve)")
    .option('--node-id <id>', 'xDS node id', 'horizon-call')
    .option('--metadata <json>', 'more node metadata, e.g. {"CLUSTER_ID":"cluster1"}', jsonFlag('--metadata'))
    .option('--locality <json>', 'node locality, e.g. {"region":"r1","zone":"z1"}', jsonFlag('--locality'))
    .addOption(new Option('--bootstrap-json <json>', 'a complete gRPC xDS bootstrap instead of the node flags').argParser(jsonFlag('--bootstrap-json')).hideHelp())
    .option('--calls <n>', 'how many calls (0: until stdin closes or SIGTERM)', count, 10)
    .option('--interval-ms <ms>', 'pause between calls', count, 0)
    .option('--deadline-ms <ms>', 'per-call deadline', count, 10_000)
    .option('--proto <file>', 'proto file (default: proto/helloworld.proto)')
    .option('--service <name>', 'fully qualified service (default helloworld.Greeter)')
    .option('--method <name>', 'method (default SayHello)')
    .option('--request <json>', 'request message (default {"name":"horizon"})', jsonFlag('--request'))
    .addOption(new Option('-o, --output <format>', 'text, or jsonl: one JSON object per line (start, result..., done)').choices(['text', 'jsonl']).default('text'))
    .action(async (target: string, flags: Flags) => {
      const { createCaller, bootstrapFor, tallyReply } = await import('../../client/proxyless-caller.js');
      const metadata: Record<string, unknown> = { GENERATOR: 'grpc', ...flags.metadata };
      if (flags.network !== undefined) metadata.NETWORK = flags.network;
      if (flags.requestedNetworks) metadata.REQUESTED_NETWORK_VIEW = flags.requestedNetworks;
      if (flags.namespace) metadata.NAMESPACE = flags.namespace;
      const options = {
        target,
        ...(flags.bootstrapJson ? { bootstrap: flags.bootstrapJson } : { xdsServer: flags.xds, metadata, ...(flags.nodeId ? { nodeId: flags.nodeId } : {}) }),
        ...(flags.locality ? { locality: flags.locality } : {}),
        ...(flags.proto ? { proto: flags.proto } : {}),
        ...(flags.service ? { service: flags.service } : {}),
        ...(flags.method ? { method: flags.method } : {}),
        ...(flags.request ? { request: flags.request } : {}),
        deadlineMs: flags.deadlineMs,
      };
      const jsonl = flags.output === 'jsonl';
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const caller = await createCaller(options);
      if (jsonl) out(JSON.stringify({ type: 'start', bootstrap: bootstrapFor(options) }));

      let stopping = false;
      if (flags.calls === 0) {
        // Open-ended runs stop when the parent closes stdin (or on SIGTERM).
        process.stdin.on('end', () => (stopping = true));
        process.stdin.on('error', () => (stopping = true));
        process.stdin.resume();
      }
      process.on('SIGTERM', () => (stopping = true));
      process.on('SIGINT', () => (stopping = true));

      const tally = new Map<string, number>();
      let ok = 0;
      let failed = 0;
      for (let i = 0; (flags.calls === 0 || i < flags.calls) && !stopping; i++) {
        const r = await caller.call(i);
        if (r.ok) ok++;
        else failed++;
        const text = tallyReply(tally, r);
        out(jsonl ? JSON.stringify({ type: 'result', ...r }) : `${String(i + 1).padStart(4)}  ${text}  (${r.ms} ms)`);
        if (flags.intervalMs > 0) await new Promise((res) => setTimeout(res, flags.intervalMs));
      }
      if (jsonl) out(JSON.stringify({ type: 'done', ok, failed }));
      else {
        out(`${ok} ok, ${failed} failed`);
        for (const [text, n] of [...tally].sort((a, b) => b[1] - a[1])) out(`  ${String(n).padStart(4)} x ${text}`);
      }
      caller.close();
      process.stdin.pause();
      // grpc-js-xds keeps its ADS stream open: leave once stdout is flushed.
      process.stdout.write('', () => process.exit(failed > 0 && ok === 0 ? 1 : 0));
    });
}
