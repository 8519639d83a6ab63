// Which API server addresses a remote Secret may name: the decision as pure functions (no packet is
// ever sent to these addresses: this machine may only talk to loopback and its own namespaces).
import { strict as assert } from 'node:assert';
import { deniedAddress, deniedHost, guardedLookup } from '../../src/kube/api-server-address.js';

const strict = { allowLinkLocal: false };
const host = (url: string) => new URL(url).hostname;

describe('kube/api-server-address', () => {
  it('refuses link-local and metadata addresses in every spelling the URL parser accepts', () => {
    const refused = [
      'https://169.254.169.254/',
      'https://169.254.169.254./',
      'https://169.254.1.1:6443',
      'https://0xa9fea9fe/', // hex
      'https://2852039166/', // one decimal number
      'https://0251.0376.0251.0376/', // octal
      'https://[::ffff:169.254.169.254]/', // IPv4-mapped IPv6
      'https://[::ffff:a9fe:a9fe]:443/',
      'https://[64:ff9b::169.254.169.254]/', // NAT64
      'https://[fd00:ec2::254]/', // AWS metadata over IPv6
      'https://[FD00:EC2:0::254]/',
      'https://[fe80::1]/',
      'https://[febf:ffff::1]/',
      'https://metadata.google.internal/',
      'https://METADATA.Google.Internal./',
    ];
    for (const url of refused) {
      const why = deniedHost(host(url), strict);
      assert.ok(why, `${url} must be refused`);
      assert.match(why!, /link-local or cloud metadata|metadata service name/);
      assert.match(why!, /allowed with --allow-link-local-api-servers/, 'the refusal says the way out');
      assert.equal(deniedHost(host(url), { allowLinkLocal: true }), undefined, `${url} allowed with the flag`);
    }
  });

  it('accepts ordinary addresses and names', () => {
    for (const url of ['https://10.0.0.1:6443', 'https://127.0.0.1:1', 'https://[::1]/', 'https://[fec0::1]/', 'https://169.253.255.255/', 'https://169.255.0.1/', 'https://api.example.com/', 'https://metadata.example.com/', 'https://[2001:db8::1]/']) {
      assert.equal(deniedHost(host(url), strict), undefined, url);
    }
  });

  it('a deny list (tests only) refuses more, whatever the flag, including the IPv4-mapped form', () => {
    const policy = { allowLinkLocal: true, extraDenied: ['127.0.0.3', '::5'] };
    assert.match(deniedAddress('127.0.0.3', policy)!, /deny list/);
    assert.match(deniedAddress('::ffff:127.0.0.3', policy)!, /deny list/);
    assert.match(deniedAddress('::5', policy)!, /deny list/);
    assert.equal(deniedAddress('127.0.0.1', policy), undefined);
    assert.equal(deniedAddress('169.254.169.254', policy), undefined, 'the flag still allows link-local');
    assert.equal(deniedAddress('not an address', policy), undefined);
  });

  it('a guarded lookup refuses a name that resolves to a denied address, and passes the others on', async () => {
    const lookup = guardedLookup({ allowLinkLocal: false, extraDenied: ['127.0.0.1', '::1'] });
    const resolve = (name: string, all: boolean) =>
      new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((done) =>
        (lookup as unknown as (h: string, o: object, cb: (e: NodeJS.ErrnoException | null, a: unknown) => void) => void)(name, { all }, (err, address) => done({ err, address })),
      );
    for (const all of [false, true]) {
      const refused = await resolve('localhost', all);
      assert.ok(refused.err, 'localhost resolves to a denied loopback address');
      assert.match(refused.err!.message, /API server name localhost resolves to (127\.0\.0\.1|::1) is on the deny list/);
      assert.equal(refused.err!.code, 'EADDRNOTAVAIL');
    }
    const open = guardedLookup({ allowLinkLocal: false });
    const ok = await new Promise<{ err: Error | null; address: unknown }>((done) =>
      (open as unknown as (h: string, o: object, cb: (e: Error | null, a: unknown) => void) => void)('localhost', { all: true }, (err, address) => done({ err, address })),
    );
    assert.equal(ok.err, null);
    assert.ok(Array.isArray(ok.address) && ok.address.length > 0);
  });
});
