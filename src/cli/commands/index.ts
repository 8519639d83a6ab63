import type { Command } from 'commander';
import { registerEmulate } from './emulate.js';

/** Every subcommand registers itself through one of these. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerEmulate];
