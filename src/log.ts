// One pino logger for the process. Secret contents must never reach a log line: paths that could
// carry kubeconfigs or tokens are redacted here as a second line of defence.
import { pino, type Logger } from 'pino';

const level = process.env.HORIZON_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');

export const rootLogger: Logger = pino({
  level,
  base: undefined,
  redact: {
    paths: ['kubeconfig', 'token', 'data', 'stringData', '*.kubeconfig', '*.token', '*.data', '*.stringData'],
    censor: '[redacted]',
  },
});

export function logger(component: string): Logger {
  return rootLogger.child({ component });
}

export type { Logger };
