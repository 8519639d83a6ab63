import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseServiceAuthority } from '../../src/dataplane/service-authority.js';

describe('dataplane: service authority', () => {
  it('accepts the three forms and normalises them to the fqdn:port', () => {
    for (const authority of [
      'helloworld.sample:5000',
      'helloworld.sample.svc:5000',
      'helloworld.sample.svc.cluster.local:5000',
      'HelloWorld.Sample.SVC.Cluster.Local.:5000',
    ]) {
      const parsed = parseServiceAuthority(authority);
      assert.ok(parsed.ok, `${authority}: ${!parsed.ok && parsed.error}`);
      assert.deepEqual(parsed.value, {
        name: 'helloworld',
        namespace: 'sample',
        hostname: 'helloworld.sample.svc.cluster.local',
        port: 5000,
        key: 'helloworld.sample.svc.cluster.local:5000',
      });
    }
  });

  it('uses the configured domain', () => {
    const parsed = parseServiceAuthority('helloworld.sample.svc.corp.example:5000', 'corp.example');
    assert.ok(parsed.ok);
    assert.equal(parsed.value.key, 'helloworld.sample.svc.corp.example:5000');
    const short = parseServiceAuthority('helloworld.sample:5000', 'corp.example');
    assert.ok(short.ok);
    assert.equal(short.value.hostname, 'helloworld.sample.svc.corp.example');
    const other = parseServiceAuthority('helloworld.sample.svc.cluster.local:5000', 'corp.example');
    assert.ok(!other.ok);
    assert.match(other.error, /outside the domain corp\.example/);
  });

  it('rejects what names no service, saying why', () => {
    const cases: [string, RegExp][] = [
      ['helloworld:5000', /names no namespace/],
      ['helloworld.sample', /has no port/],
      ['helloworld.sample:', /has no port/],
      ['helloworld.sample:http', /invalid port "http"/],
      ['helloworld.sample:70000', /invalid port/],
      ['helloworld.sample:0', /invalid port/],
      ['127.0.0.1:5000', /is an IP address/],
      ['[::1]:5000', /is an IP address/],
      ['a.b.c:5000', /is not a service name/],
      ['hello_world.sample:5000', /not a DNS label/],
      ['.sample:5000', /not a DNS label/],
      ['', /empty authority/],
    ];
    for (const [authority, why] of cases) {
      const parsed = parseServiceAuthority(authority);
      assert.ok(!parsed.ok, `${authority} should be rejected`);
      assert.match(parsed.error, why, authority);
    }
  });

  it('maps every form of any valid name to the same key (property)', () => {
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
    fc.assert(
      fc.property(label, label, fc.integer({ min: 1, max: 65535 }), (name, ns, port) => {
        const keys = [`${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`].map((host) => {
          const parsed = parseServiceAuthority(`${host}:${port}`);
          assert.ok(parsed.ok, !parsed.ok ? parsed.error : '');
          return parsed.value.key;
        });
        assert.deepEqual(new Set(keys), new Set([`${name}.${ns}.svc.cluster.local:${port}`]));
      }),
    );
  });
});
