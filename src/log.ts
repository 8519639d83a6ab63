// One pino logger for the process, writing JSON lines to stderr so that stdout stays free for what
// commands print (ready lines, tables, YAML). Secret contents must never reach a log line: paths that
// could carry kubeconfigs or tokens are redacted here as a second line of defence.
import { pino, type Logger } from 'pino';

// Tests run with NODE_ENV=test (see package.json): quiet unless HORIZON_LOG_LEVEL asks otherwise.
const level = process.env.HORIZON_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');

// Synchronous: log lines are rare, and a line lost at exit is the one that explained the exit.
const stderr = pino.destination({ dest: 2, sync: true });
let sink: (line: string) => void = (line) => stderr.write(line);

export const rootLogger: Logger = pino(
  {
    level,
    base: undefined,
    redact: {
      paths: ['kubeconfig', 'token', 'data', 'stringData', '*.kubeconfig', '*.token', '*.data', '*.stringData'],
      censor: '[redacted]',
    },
  },
  // Every line goes through `sink`, so tests can capture what Horizon logs (captureLogs).
  { write: (line: string) => sink(line) },
);

export function logger(component: string): Logger {
  return rootLogger.child({ component });
}

export type { Logger };

/**
 * Sends every log line (of loggers made before or after) to `write` instead of stderr, until the
 * returned function is called. For tests that check what Horizon logs, e.g. that no secret leaks.
 */
export function captureLogs(write: (line: string) => void): () => void {
  const previous = sink;
  sink = write;
  return () => {
    sink = previous;
  };
}
