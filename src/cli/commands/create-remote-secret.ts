// `horizon create-remote-secret`: print the Secret that registers a cluster, for `kubectl apply -f -`.
import type { Command } from 'commander';

interface Flags {
  kubeconfig?: string;
  context?: string;
  name: string;
  server?: string;
  namespace: string;
}

export function registerCreateRemoteSecret(program: Command): void {
  program
    .command('create-remote-secret')
    .description('print the Secret (YAML) that registers a cluster as a remote of the primary; pipe it to kubectl apply -f -')
    .option('--kubeconfig <file>', 'kubeconfig with the remote cluster (default: $KUBECONFIG, ~/.kube/config, or in a pod the in-cluster service account)')
    .option('--context <name>', 'context of the remote cluster (default: the current context)')
    .requiredOption('--name <id>', 'cluster ID of the remote cluster (the Secret data key)')
    .option('--server <url>', 'API server URL the primary should use (default: the kubeconfig one)')
    .option('--namespace <ns>', 'system namespace the Secret goes to', 'istio-system')
    .action(async (flags: Flags) => {
      const { kubeConfigForContext, loadOperatorKubeconfig } = await import('../load-kubeconfig.js');
      const { createRemoteSecret } = await import('../../multicluster/create-remote-secret.js');
      const loaded = loadOperatorKubeconfig(flags.kubeconfig);
      const context = flags.context ?? loaded.kubeConfig.getCurrentContext();
      const kubeConfig = kubeConfigForContext(loaded.kubeConfig, context, `kubeconfig ${loaded.source}`);
      const yaml = await createRemoteSecret({
        kubeConfig,
        clusterId: flags.name,
        namespace: flags.namespace,
        ...(flags.server ? { server: flags.server } : {}),
      });
      process.stdout.write(yaml);
    });
}
