// `horizon` command line: one file per subcommand under commands/, each registering itself here.
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('horizon')
    .description('Multi-cluster discovery server: split-horizon EDS over xDS')
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent (default info; demo: warn); logs go to stderr')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`horizon: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
