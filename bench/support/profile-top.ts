// Where a .cpuprofile spent its time: self time per function, and total (inclusive) time per function,
// heaviest first. Usage: node --import tsx bench/support/profile-top.ts <file.cpuprofile> [rows]
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const callersOf = args.includes('--callers') ? args.splice(args.indexOf('--callers'), 2)[1] : undefined;
const file = args[0];
if (!file) {
  console.error('usage: profile-top.ts <file.cpuprofile> [rows] [--callers <function name>]');
  process.exit(2);
}
const rows = Number(args[1] ?? 30);
// A closed pipe (| head) ends the listing quietly.
process.stdout.on('error', () => process.exit(0));
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (cf: CallFrame) => `${cf.functionName || '(anonymous)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`;

const selfTime = new Map<string, number>();
const totalTime = new Map<string, number>();
let total = 0;
let idle = 0;
for (let i = 0; i < p.samples.length; i++) {
  const dt = p.timeDeltas[i] ?? 0;
  const node = byId.get(p.samples[i]!)!;
  if (node.callFrame.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  total += dt;
  const own = label(node.callFrame);
  selfTime.set(own, (selfTime.get(own) ?? 0) + dt);
  // Inclusive: every distinct function on the stack once.
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const l = label(byId.get(id)!.callFrame);
    if (seen.has(l)) continue;
    seen.add(l);
    totalTime.set(l, (totalTime.get(l) ?? 0) + dt);
  }
}
// Who calls a function: self time of samples under it, by the frame just above its first occurrence.
const callers = new Map<string, number>();
if (callersOf) {
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    for (let id: number | undefined = p.samples[i]!; id !== undefined; id = parent.get(id)) {
      if (byId.get(id)!.callFrame.functionName !== callersOf) continue;
      const up = parent.get(id);
      const l = up === undefined ? '(root)' : label(byId.get(up)!.callFrame);
      callers.set(l, (callers.get(l) ?? 0) + dt);
      break;
    }
  }
}
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${(t / 1000).toFixed(1).padStart(9)} ms ${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
  }
};
console.log(`${file}: busy ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms`);
if (callersOf) {
  show(`callers of ${callersOf} (time spent in it and below)`, callers);
} else {
  show('self time', selfTime);
  show('inclusive time', totalTime);
}
