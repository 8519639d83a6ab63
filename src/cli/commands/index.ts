import type { Command } from 'commander';
import { registerCall } from './call.js';
import { registerCreateRemoteSecret } from './create-remote-secret.js';
import { registerDemo } from './demo.js';
import { registerEmulate } from './emulate.js';
import { registerEndpoints } from './endpoints.js';
import { registerServe } from './serve.js';
import { registerStatus } from './status.js';

/** Every subcommand registers itself through one of these. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  registerDemo,
  registerServe,
  registerEndpoints,
  registerStatus,
  registerCall,
  registerCreateRemoteSecret,
  registerEmulate,
];
