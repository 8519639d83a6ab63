// The pure half of the real control planes: what kwokctl is told for a cluster definition, and
// where pods get addresses a real API server accepts.
import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import { kwokctlConfigYaml, nodeCidrMaskSize, realPodCIDR } from '../../src/clusters/kwokctl-config.js';
import { validateClusterDefinition } from '../../src/emulator/cluster-definition.js';

const base = {
  clusterID: 'c1',
  network: 'n1',
  podCIDR: '127.10.0.0/16',
  serviceCIDR: '127.11.0.0/16',
  loadBalancerPool: '127.12.0.0/24',
  nodes: [{ name: 'a', internalIP: '127.13.0.1' }, { name: 'b', internalIP: '127.13.0.2' }],
};
const bin = { etcd: '/b/etcd', kubeApiserver: '/b/kube-apiserver', kubeControllerManager: '/b/kcm', kubeScheduler: '/b/ks', kwokController: '/b/kwok' };
const ports = { etcd: 1, etcdPeer: 2, kubeApiserver: 3, kubeControllerManager: 4, kubeScheduler: 5, kwokController: 6 };

describe('real control planes from cluster definitions', () => {
  it('use routablePodCIDR where podCIDR is loopback (a real API server refuses loopback endpoints), and say so when it is missing', () => {
    const def = { ...validateClusterDefinition({ ...base, routablePodCIDR: '198.18.10.0/24' }, 'x'), manifests: [] };
    assert.equal(realPodCIDR(def), '198.18.10.0/24');
    assert.throws(() => realPodCIDR({ ...def, routablePodCIDR: undefined }), /cluster c1: podCIDR 127\.10\.0\.0\/16 is a loopback range.*set routablePodCIDR/);
    assert.equal(realPodCIDR({ ...def, podCIDR: '10.40.0.0/16', routablePodCIDR: undefined }), '10.40.0.0/16');
  });

  it('refuse a routablePodCIDR that is loopback or overlaps another range', () => {
    assert.throws(() => validateClusterDefinition({ ...base, routablePodCIDR: '127.30.0.0/24' }, 'f.yaml'), /f\.yaml: field "routablePodCIDR": 127\.30\.0\.0\/24 is a loopback range/);
    assert.throws(() => validateClusterDefinition({ ...base, routablePodCIDR: '127.12.0.0/25' }, 'f.yaml'), /routablePodCIDR/);
  });

  it('split the pod range into at least twice as many node blocks as nodes, never below /28', () => {
    assert.equal(nodeCidrMaskSize('198.18.10.0/24', 2), 26);
    assert.equal(nodeCidrMaskSize('198.18.10.0/24', 3), 27);
    assert.equal(nodeCidrMaskSize('198.18.10.0/24', 1), 25);
    assert.equal(nodeCidrMaskSize('198.18.10.0/26', 50), 28);
  });

  it('tell kwokctl: local binaries, every component on 127.0.0.1, RBAC on, Horizon-chosen ports, the ranges on the components that allocate them', () => {
    const def = { ...validateClusterDefinition({ ...base, routablePodCIDR: '198.18.10.0/24' }, 'x'), manifests: [] };
    const cfg = parse(kwokctlConfigYaml(def, bin, ports));
    assert.equal(cfg.kind, 'KwokctlConfiguration');
    assert.equal(cfg.options.runtime, 'binary');
    assert.equal(cfg.options.bindAddress, '127.0.0.1');
    assert.equal(cfg.options.kubeAuthorization, true);
    assert.equal(cfg.options.kubeApiserverBinary, '/b/kube-apiserver');
    assert.equal(cfg.options.kubeApiserverPort, 3);
    const args = (name: string) => Object.fromEntries(cfg.componentsPatches.find((p: { name: string }) => p.name === name).extraArgs.map((a: { key: string; value: string }) => [a.key, a.value]));
    assert.deepEqual(args('kube-apiserver'), { 'service-cluster-ip-range': '127.11.0.0/16' });
    assert.deepEqual(args('kube-controller-manager'), { 'allocate-node-cidrs': 'true', 'cluster-cidr': '198.18.10.0/24', 'service-cluster-ip-range': '127.11.0.0/16', 'node-cidr-mask-size': '26' });
  });
});
