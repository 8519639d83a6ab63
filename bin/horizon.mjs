#!/usr/bin/env node
// Horizon's command-line entry. The sources are TypeScript, run through tsx's loader so that a fresh
// `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

// The log level must be known before any module creates its logger: read --log-level here. The demo
// is for people watching its output, so it logs only warnings unless asked otherwise.
const args = process.argv.slice(2);
const at = args.findIndex((a) => a === '--log-level' || a.startsWith('--log-level='));
if (at >= 0) {
  process.env.HORIZON_LOG_LEVEL = args[at].includes('=') ? args[at].split('=')[1] : args[at + 1];
} else if (args.find((a) => !a.startsWith('-')) === 'demo' && !process.env.HORIZON_LOG_LEVEL) {
  process.env.HORIZON_LOG_LEVEL = 'warn';
}

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
