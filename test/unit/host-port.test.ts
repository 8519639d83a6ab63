import { strict as assert } from 'node:assert';
import { InvalidArgumentError } from 'commander';
import { parseAddress } from '../../src/cli/options.js';
import { hostPort, parseHostPort } from '../../src/util/host-port.js';

describe('host:port', () => {
  it('brackets IPv6 literals and nothing else', () => {
    assert.equal(hostPort('127.0.0.1', 15010), '127.0.0.1:15010');
    assert.equal(hostPort('::1', 15010), '[::1]:15010');
    assert.equal(hostPort('example.com', '443'), 'example.com:443');
  });

  it('parses what hostPort writes and rejects ports above 65535', () => {
    assert.deepEqual(parseHostPort(hostPort('::1', 0)), { host: '::1', port: 0 });
    assert.deepEqual(parseHostPort('127.0.0.1:65535'), { host: '127.0.0.1', port: 65535 });
    assert.throws(() => parseHostPort('127.0.0.1:65536', 'xDS address'), /xDS address '127\.0\.0\.1:65536' is not host:port/);
    assert.throws(() => parseHostPort('::1:15010'), /is not host:port/);
  });

  it('the CLI option parser uses the same rules, as a commander error', () => {
    assert.equal(parseAddress('[::1]:15010'), '[::1]:15010');
    assert.throws(() => parseAddress('127.0.0.1:99999'), (err: Error) => err instanceof InvalidArgumentError && /is not host:port/.test(err.message));
  });
});
