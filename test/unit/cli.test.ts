import { strict as assert } from 'node:assert';
import { buildProgram } from '../../src/cli/main.js';

describe('cli', () => {
  it('names itself horizon', () => {
    assert.equal(buildProgram().name(), 'horizon');
  });
});
