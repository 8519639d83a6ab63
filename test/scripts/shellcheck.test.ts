// Every shell script of the repository passes shellcheck (following sourced files).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../support/demo-mesh.js';

function shellcheck(args: string[]): Promise<{ code: number | 'missing'; output: string }> {
  return new Promise((resolve) => {
    execFile('shellcheck', args, { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') resolve({ code: 'missing', output: '' });
      else resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

describe('shell scripts', () => {
  it('pass shellcheck: scripts/*.sh and .ci/run', async function () {
    const scripts = (await readdir(path.join(repoRoot, 'scripts'))).filter((f) => f.endsWith('.sh')).map((f) => `scripts/${f}`);
    assert.ok(scripts.includes('scripts/kind-up.sh') && scripts.includes('scripts/register-remote.sh'), `scripts found: ${scripts.join(', ')}`);
    const version = await shellcheck(['--version']);
    if (version.code === 'missing') {
      console.log('    skipped: shellcheck is not installed (apt-get install -y shellcheck; .ci/run installs it)');
      this.skip();
    }
    const result = await shellcheck(['-x', '--severity=style', ...scripts, '.ci/run']);
    assert.equal(result.code, 0, result.output);
  });
});
