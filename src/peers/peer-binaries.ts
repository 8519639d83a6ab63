// Where the peers are: the cache scripts/peer-binaries.sh builds from tools/istiod and
// tools/grpc-go-client (pilot-discovery, grpc-go-xds-client and Istio's CRDs of the same version).
import path from 'node:path';
import { binaryCacheDir, findBinaryCache, type BinaryCache } from '../util/binary-cache.js';

export interface PeerBinaries {
  dir: string;
  /** istiod. */
  pilotDiscovery: string;
  /** Our grpc-go xDS helloworld client (tools/grpc-go-client). */
  grpcGoClient: string;
  /** manifests/charts/base/files/crd-all.gen.yaml of the same Istio version. */
  istioCrds: string;
}

const inDir = (dir: string): PeerBinaries => ({
  dir,
  pilotDiscovery: path.join(dir, 'pilot-discovery'),
  grpcGoClient: path.join(dir, 'grpc-go-xds-client'),
  istioCrds: path.join(dir, 'istio-crds.yaml'),
});

/** The peers when the cache is complete; otherwise why not (and how to build it). Builds nothing. */
export async function findPeerBinaries(): Promise<PeerBinaries | Extract<BinaryCache, { missing: string }>> {
  const found = await findBinaryCache('peer-binaries.sh');
  return 'missing' in found ? found : inDir(found.dir);
}

/** Like findPeerBinaries, but a missing cache is an error that says how to build it. */
export async function peerBinaries(): Promise<PeerBinaries> {
  return inDir(await binaryCacheDir('peer-binaries.sh'));
}
