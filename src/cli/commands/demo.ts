// `horizon demo`: the whole story on one machine (see src/demo/demo.ts), then what each network's
// callers receive for one service (as `horizon endpoints` shows it, read from the demo's own debug
// API), and serve until interrupted.
import { Command, Option } from 'commander';
import { CLUSTER_PROVIDERS, type ClusterProviderName } from '../../clusters/cluster-set.js';
import type { NetworkEdsz } from '../../debug/index.js';
import { debugGet } from '../debug-client.js';
import { listenAddress, parseAddress, parsePort } from '../options.js';
import { waitForSignal } from '../signals.js';
import { renderEndpoints } from './endpoints.js';

interface Flags {
  clusters: string;
  provider: ClusterProviderName;
  xdsAddress?: string;
  xdsPort?: number;
  debugAddress?: string;
  debugPort?: number;
  service: string;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the split-horizon walkthrough on embedded emulated clusters (or real control planes): Horizon, remote Secret, backends, gateways')
    .option('--clusters <dir>', 'folder of cluster definitions', 'clusters/demo')
    .addOption(new Option('--provider <name>', 'emulated, or kwok: real control planes (scripts/kube-binaries.sh builds them; needs root for the pod routes)').choices(CLUSTER_PROVIDERS).default('emulated'))
    .option('--xds-address <host:port>', 'xDS listen address (default 127.0.0.1:15010)', parseAddress)
    .option('--xds-port <port>', 'short for --xds-address 127.0.0.1:<port>', parsePort)
    .option('--debug-address <host:port>', 'debug API listen address (default 127.0.0.1:15014; loopback only)', parseAddress)
    .option('--debug-port <port>', 'short for --debug-address 127.0.0.1:<port>', parsePort)
    .option('--service <host:port>', 'service whose endpoints are shown per network', 'helloworld.sample:5000')
    .action(async (flags: Flags) => {
      // Loaded on use: `horizon --help` and the light commands should not pay for the whole server.
      const { startDemo } = await import('../../demo/demo.js');
      const demo = await startDemo({
        clustersDir: flags.clusters,
        provider: flags.provider,
        xdsAddress: listenAddress(flags.xdsAddress, flags.xdsPort, '127.0.0.1:15010'),
        debugAddress: listenAddress(flags.debugAddress, flags.debugPort, '127.0.0.1:15014'),
      });
      const { horizon } = demo;
      const out = (s: string) => process.stdout.write(`${s}\n`);
      for (const c of demo.set.clusters) out(`cluster ${c.id} (${c.network}, ${demo.set.provider}): ${c.url}`);
      out(`kubeconfig: ${demo.kubeconfigPath}`);
      out(`horizon ready: xds=${horizon.xds.address} debug=${horizon.debug!.url}`);
      out(`web view: ${horizon.debug!.url}/ui   (open it in a browser: the mesh as every network sees it, live)`);
      for (const network of [...new Set(demo.set.clusters.map((c) => c.network))].sort()) {
        const view = await debugGet<NetworkEdsz>({ server: horizon.debug!.url }, '/debug/edsz', { network, host: flags.service, subset: '' });
        out('');
        process.stdout.write(renderEndpoints(view));
      }
      // The walkthrough's experiment: a client on each network calls helloworld repeatedly.
      const { runCallExperiment } = await import('../../demo/demo-experiment.js');
      for (const network of [...new Set(demo.set.clusters.map((c) => c.network))].sort()) {
        out('');
        out(await runCallExperiment(demo, { network, target: flags.service, calls: 10 }));
      }
      out('');
      out('Try, in another shell (and watch the web view follow):');
      out(`  node bin/horizon.mjs call ${flags.service} --network network1 --xds ${horizon.xds.address}`);
      out(`  node bin/horizon.mjs endpoints ${flags.service} --network network1 --server ${horizon.debug!.url}`);
      out(`  node bin/horizon.mjs status --server ${horizon.debug!.url}`);
      out(`  kubectl --kubeconfig ${demo.kubeconfigPath} --context cluster2 scale deployment helloworld-v2 -n sample --replicas=3`);
      out('Serving until interrupted (Ctrl-C).');
      await waitForSignal();
      await demo.close();
    });
}
