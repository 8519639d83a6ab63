import { strict as assert } from 'node:assert';
import { LogSummary } from '../../src/util/log-summary.js';

describe('LogSummary: repeated failures logged once, then counted', () => {
  const recorder = () => {
    const lines: string[] = [];
    const line = (what: string) => ({
      first: () => lines.push(`first ${what}`),
      summary: (n: number) => lines.push(`summary ${what} x${n}`),
    });
    return { lines, line };
  };

  it('logs the first occurrence, counts the rest, and says the count at the end of the window', () => {
    const s = new LogSummary({ windowMs: 60_000 });
    const { lines, line } = recorder();
    for (let i = 0; i < 1000; i++) s.report('nack:a', line('a'));
    s.report('nack:b', line('b'));
    assert.deepEqual(lines, ['first a', 'first b']);
    assert.equal(s.pending('nack:a'), 999);
    s.flush();
    assert.deepEqual(lines, ['first a', 'first b', 'summary a x999']);
    // Quiet for a window: forgotten, so the next one is logged in full again.
    s.flush();
    s.report('nack:a', line('a'));
    assert.deepEqual(lines.slice(-1), ['first a']);
    s.close();
  });

  it('a key pushed out by newer keys still has its count said', () => {
    const s = new LogSummary({ windowMs: 60_000, maxKeys: 2 });
    const { lines, line } = recorder();
    s.report('x', line('x'));
    s.report('x', line('x'));
    s.report('y', line('y'));
    s.report('z', line('z'));
    assert.ok(lines.includes('summary x x1'), lines.join('\n'));
    s.close();
  });

  it('summarises on its own timer', async () => {
    const s = new LogSummary({ windowMs: 50 });
    const { lines, line } = recorder();
    s.report('k', line('k'));
    s.report('k', line('k'));
    await new Promise((r) => setTimeout(r, 120));
    assert.deepEqual(lines, ['first k', 'summary k x1']);
    s.close();
  });
});
