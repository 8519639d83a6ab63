// `horizon demo`: the whole story on one machine (see src/demo/demo.ts), then what each network's
// callers receive for one service, and serve until interrupted.
import { Command } from 'commander';
import { startDemo } from '../../demo/demo.js';
import { formatAssignment } from '../../demo/format-assignment.js';
import { clusterName, qualifyTargetHost, splitHostPort } from '../../xds/generators/names.js';
import { listenAddress, parseAddress, parsePort } from '../options.js';
import { waitForSignal } from '../signals.js';

interface Flags {
  clusters: string;
  xdsAddress?: string;
  xdsPort?: number;
  service: string;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the split-horizon walkthrough on embedded emulated clusters: Horizon, remote Secret, backends, gateways')
    .option('--clusters <dir>', 'folder of emulated clusters', 'clusters/demo')
    .option('--xds-address <host:port>', 'xDS listen address (default 127.0.0.1:15010)', parseAddress)
    .option('--xds-port <port>', 'short for --xds-address 127.0.0.1:<port>', parsePort)
    .option('--service <host:port>', 'service whose endpoints are shown per network', 'helloworld.sample:5000')
    .action(async (flags: Flags) => {
      const demo = await startDemo({
        clustersDir: flags.clusters,
        xdsAddress: listenAddress(flags.xdsAddress, flags.xdsPort, '127.0.0.1:15010'),
      });
      const { horizon } = demo;
      const out = (s: string) => process.stdout.write(`${s}\n`);
      out(`clusters: ${demo.set.clusters.map((c) => `${c.id} (${c.network}) ${c.url}`).join(', ')}`);
      out(`kubeconfig: ${demo.kubeconfigPath}   (try: kubectl --kubeconfig ${demo.kubeconfigPath} --context cluster2 get pods -n sample)`);
      out(`horizon ready: xds=${horizon.xds.address}`);
      const hp = splitHostPort(flags.service);
      const host = hp && qualifyTargetHost(hp.host, horizon.mesh.domain, 'default');
      if (hp && host) {
        const name = clusterName(hp.port, '', host);
        for (const network of [...new Set(demo.set.clusters.map((c) => c.network))].sort()) {
          out('');
          out(formatAssignment(flags.service, name, network, horizon.provider.explainAssignment(name, { network })));
        }
      }
      await waitForSignal();
      await demo.close();
    });
}
