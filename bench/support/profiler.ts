// CPU profiles of just the measured phase of a scenario (not its setup), written as .cpuprofile files
// that Chrome DevTools or `node bench/support/profile-top.ts <file>` read. Enabled with --profile <dir>
// (or BENCH_PROFILE_DIR).
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

export class PhaseProfiler {
  private session: Session | undefined;

  constructor(private readonly dir: string | undefined) {}

  get enabled(): boolean {
    return this.dir !== undefined && this.dir !== '';
  }

  async start(): Promise<void> {
    if (!this.enabled || this.session) return;
    this.session = new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: 200 });
    await this.session.post('Profiler.start');
  }

  /** Stops and writes `<dir>/<name>.cpuprofile`; returns the path. */
  async stop(name: string): Promise<string | undefined> {
    const s = this.session;
    if (!s) return undefined;
    this.session = undefined;
    const { profile } = await s.post('Profiler.stop');
    s.disconnect();
    mkdirSync(this.dir!, { recursive: true });
    const file = path.join(this.dir!, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`  CPU profile of the measured phase: ${file}`);
    return file;
  }
}
