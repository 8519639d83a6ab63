import { strict as assert } from 'node:assert';
import { encodeGrpcMessage } from '../../src/dataplane/grpc-error-response.js';

describe('dataplane: grpc-message encoding', () => {
  it('percent-encodes what is not printable ASCII, and % itself, and round-trips', () => {
    const message = 'authority "ünïcode:50%" \nnames no namespace';
    const encoded = encodeGrpcMessage(message);
    assert.equal(encoded, 'authority "%C3%BCn%C3%AFcode:50%25" %0Anames no namespace');
    assert.match(encoded, /^[\x20-\x7e]*$/);
    assert.equal(decodeURIComponent(encoded), message);
  });
});
