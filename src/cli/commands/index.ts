import type { Command } from 'commander';
import { registerCreateRemoteSecret } from './create-remote-secret.js';
import { registerDemo } from './demo.js';
import { registerEmulate } from './emulate.js';
import { registerServe } from './serve.js';

/** Every subcommand registers itself through one of these. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerDemo, registerServe, registerEmulate, registerCreateRemoteSecret];
