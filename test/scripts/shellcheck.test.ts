// Every shell script of the repository passes shellcheck (following sourced files).
import { strict as assert } from 'node:assert';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../support/demo-mesh.js';
import { run } from '../support/exec.js';

const shellcheck = (args: string[]) => run('shellcheck', args, { cwd: repoRoot });

describe('shell scripts', () => {
  it('pass shellcheck: scripts/*.sh and .ci/run', async function () {
    const scripts = (await readdir(path.join(repoRoot, 'scripts'))).filter((f) => f.endsWith('.sh')).map((f) => `scripts/${f}`);
    assert.ok(scripts.includes('scripts/kind-up.sh') && scripts.includes('scripts/register-remote.sh'), `scripts found: ${scripts.join(', ')}`);
    const version = await shellcheck(['--version']);
    if (version.missing) {
      console.log('    skipped: shellcheck is not installed (apt-get install -y shellcheck; .ci/run installs it)');
      this.skip();
    }
    const result = await shellcheck(['-x', '--severity=style', ...scripts, '.ci/run']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });
});
