// Where the real control-plane binaries are: the cache scripts/kube-binaries.sh builds (keyed by the
// versions pinned in tools/{kube,etcd,kwok,metallb}/go.mod).
import { binaryCacheDir, findBinaryCache, type BinaryCache } from '../util/binary-cache.js';

export const KUBE_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'kwokctl', 'metallb-controller'] as const;

export type KubeBinaries = BinaryCache;

/** The cache folder when it is complete; otherwise why not (and how to build it). Builds nothing. */
export const findKubeBinaries = (): Promise<KubeBinaries> => findBinaryCache('kube-binaries.sh');

/** Like findKubeBinaries, but a missing cache is an error that says how to build it. */
export const kubeBinariesDir = (): Promise<string> => binaryCacheDir('kube-binaries.sh');
