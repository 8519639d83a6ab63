// `horizon serve`: watch the clusters of a kubeconfig (first context = primary) plus remote clusters
// registered through Secrets, and serve xDS.
import { Command, InvalidArgumentError, Option } from 'commander';
import { collect, listenAddress, parseAddress, parseDuration, parsePort } from '../options.js';
import { waitForSignal } from '../signals.js';
import { defaultLimits, limitNames, type Limits } from '../../limits.js';

export interface ServeFlags {
  kubeconfig?: string;
  context?: string[];
  clusterId?: string;
  meshNetworks?: string;
  meshConfig?: string;
  systemNamespace: string;
  domain: string;
  remoteClusterTimeout: number;
  allowInsecureKubeconfig?: boolean;
  xdsAddress?: string;
  xdsPort?: number;
  debugAddress?: string;
  debugPort?: number;
  debugToken?: string;
  pushQuiet: number;
  pushMaxDelay: number;
  allowLinkLocalApiServers?: boolean;
  /** --max-<limit> flags, by camel-cased limit name (commander's naming). */
  [max: `max${string}`]: number | undefined;
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return n;
}

/** The --max-* flags given, as overrides of the defaults. */
export function limitsFromFlags(flags: ServeFlags): Partial<Limits> {
  const out: Partial<Limits> = {};
  for (const key of Object.keys(limitNames) as Array<keyof Limits>) {
    const value = flags[`max${camel('-' + limitNames[key].flag)}` as `max${string}`];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export function registerServe(program: Command): void {
  const serve = program
    .command('serve')
    .description('watch the clusters and serve split-horizon xDS')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--context <name>', 'kubeconfig context; repeat for more clusters, the first is the primary', collect)
    .option('--cluster-id <id>', 'cluster ID of the primary (default: its context name; in a pod, with the in-cluster service account: Kubernetes)')
    .option('--mesh-networks <file>', 'meshNetworks YAML file (reloaded when it changes)')
    .option('--mesh-config <file>', "mesh config YAML file (istiod's --meshConfig; only localityLbSetting is read; wins over ConfigMap istio key mesh; reloaded when it changes)")
    .option('--system-namespace <ns>', 'namespace of remote Secrets and the istio ConfigMap', 'istio-system')
    .option('--domain <domain>', 'cluster DNS domain', 'cluster.local')
    .addOption(
      new Option('--remote-cluster-timeout <duration>', 'serve without a cluster not synced by then').argParser(parseDuration).default(30_000, '30s'),
    )
    .option('--allow-insecure-kubeconfig', 'accept remote kubeconfigs that run exec plugins or read local files')
    .addOption(
      new Option('--push-quiet <duration>', 'send a burst of changes once it has been quiet this long (istiod: PILOT_DEBOUNCE_AFTER, 100ms)')
        .argParser(parseDuration)
        .default(5, '5ms'),
    )
    .addOption(
      new Option('--push-max-delay <duration>', 'but never later than this after its first change (istiod: PILOT_DEBOUNCE_MAX, 10s)')
        .argParser(parseDuration)
        .default(50, '50ms'),
    )
    .option('--xds-address <host:port>', 'xDS gRPC listen address (default 127.0.0.1:15010)', parseAddress)
    .option('--xds-port <port>', 'short for --xds-address 127.0.0.1:<port>', parsePort)
    .option('--debug-address <host:port>', 'debug HTTP API, /metrics and /ready (default 127.0.0.1:15014); off loopback it needs --debug-token', parseAddress)
    .option('--debug-port <port>', 'short for --debug-address 127.0.0.1:<port>', parsePort)
    .addOption(
      new Option('--debug-token <token>', 'bearer token the debug API requires (prefer the environment variable: command lines are visible to other users)').env(
        'HORIZON_DEBUG_TOKEN',
      ),
    )
    .option('--allow-link-local-api-servers', 'accept remote kubeconfigs whose server is a link-local or cloud metadata address (169.254.0.0/16, fe80::/10, fd00:ec2::254, metadata.google.internal)');
  for (const key of Object.keys(limitNames) as Array<keyof Limits>) {
    const { flag, what } = limitNames[key];
    serve.addOption(new Option(`--max-${flag} <n>`, `at most this many ${what}`).argParser(parsePositiveInt).default(undefined, String(defaultLimits[key])));
  }
  serve.action(async (flags: ServeFlags) => {
      // Loaded on use: `horizon --help` and the light commands should not pay for the whole server.
      const { loadOperatorKubeconfig } = await import('../load-kubeconfig.js');
      const { startHorizon } = await import('../../horizon.js');
      const loaded = loadOperatorKubeconfig(flags.kubeconfig);
      const contexts = flags.context?.length ? flags.context : [loaded.kubeConfig.getCurrentContext()].filter(Boolean);
      if (contexts.length === 0) throw new Error(`kubeconfig ${loaded.source} has no current context: pass --context`);
      const clusterId = flags.clusterId ?? (loaded.inCluster ? 'Kubernetes' : undefined);
      const horizon = await startHorizon({
        kubeConfig: loaded.kubeConfig,
        contexts,
        ...(clusterId ? { clusterId } : {}),
        ...(flags.meshNetworks ? { meshNetworksFile: flags.meshNetworks } : {}),
        ...(flags.meshConfig ? { meshConfigFile: flags.meshConfig } : {}),
        systemNamespace: flags.systemNamespace,
        domain: flags.domain,
        remoteClusterTimeoutMs: flags.remoteClusterTimeout,
        pushQuietMs: flags.pushQuiet,
        pushMaxDelayMs: flags.pushMaxDelay,
        allowInsecureKubeconfig: flags.allowInsecureKubeconfig === true,
        xdsAddress: listenAddress(flags.xdsAddress, flags.xdsPort, '127.0.0.1:15010'),
        debugAddress: listenAddress(flags.debugAddress, flags.debugPort, '127.0.0.1:15014'),
        ...(flags.debugToken ? { debugToken: flags.debugToken } : {}),
        allowLinkLocalApiServers: flags.allowLinkLocalApiServers === true,
        limits: limitsFromFlags(flags),
      });
      // serve always passes a debug address (the default when none is given), so the server is there.
      const debugUrl = horizon.debug!.url;
      process.stdout.write(`horizon serving: xds=${horizon.xds.address} debug=${debugUrl} primary=${horizon.primaryId}\n`);
      process.stdout.write(`web view: ${debugUrl}/ui\n`);
      void horizon.whenReady().then(() => process.stdout.write(`horizon ready: xds=${horizon.xds.address} debug=${debugUrl}\n`));
      await waitForSignal();
      await horizon.close();
    });
}
