import { strict as assert } from 'node:assert';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../src/xds/type-urls.js';
import { claAddresses, gatewayIp, HELLO_CLA, helloPod, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';


describe('split horizon on the demo clusters (smoke)', function () {
  this.timeout(60_000);
  let mesh: DemoMesh;
  const clients: AdsClient[] = [];
  before(async () => {
    mesh = await startDemoMesh();
    await mesh.horizon.whenReady();
  });
  after(async () => {
    for (const c of clients) c.close();
    await mesh?.close();
  });

  it('a network1 caller gets the v1 pod directly and network2 through its gateway once cluster2 is registered', async () => {
    const client = new AdsClient({ address: mesh.horizon.xds.address, node: { id: 'n1', metadata: { NETWORK: 'network1' } } });
    clients.push(client);
    client.subscribe(CLUSTER_LOAD_ASSIGNMENT_TYPE, [HELLO_CLA]);
    const v1ip = helloPod(mesh.c1).ip;
    await waitFor(() => claAddresses(client).includes(`${v1ip}:5000`), 'the v1 pod', { timeoutMs: 10_000 });
    assert.deepEqual(claAddresses(client), [`${v1ip}:5000`], 'before cluster2 is registered only v1');

    mesh.registerRemote();
    const gw2ip = gatewayIp(mesh.c2);
    await waitFor(() => claAddresses(client).includes(`${gw2ip}:15443`), 'network2 gateway', { timeoutMs: 15_000 });
    assert.deepEqual(claAddresses(client), [`${gw2ip}:15443`, `${v1ip}:5000`].sort());
  });
});
