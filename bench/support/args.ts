// Scenario flags. `npm run bench -- S2 S4 --streams 500` hands the same flags to every scenario it runs,
// so a scenario takes the flags it knows and says which ones it leaves to the others.
import { parseArgs } from 'node:util';

type Options = Record<string, { type: 'string'; default: string }>;

export function scenarioArgs<O extends Options>(scenario: string, options: O): { [K in keyof O]: string } {
  const { values } = parseArgs({ options, strict: false, allowPositionals: true });
  const unknown = Object.keys(values).filter((k) => !(k in options));
  if (unknown.length > 0) console.log(`  (${scenario} ignores ${unknown.map((k) => `--${k}`).join(', ')})`);
  const out: Record<string, string> = {};
  for (const k of Object.keys(options)) {
    const v = values[k];
    out[k] = typeof v === 'string' ? v : options[k]!.default;
  }
  return out as { [K in keyof O]: string };
}
