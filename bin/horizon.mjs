#!/usr/bin/env node
// Horizon's command-line entry. The sources are TypeScript, run through tsx's loader so that a fresh
// `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
