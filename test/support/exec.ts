// The tests run commands with the same helper as the product (src/util/run-command.ts).
export { run, runOk, type RunResult } from '../../src/util/run-command.js';
