// Option parsers shared by the subcommands: addresses, ports, durations. Each throws commander's
// InvalidArgumentError with a message that says what was expected.
import { InvalidArgumentError } from 'commander';
import { parseDurationMs } from '../util/duration.js';
import { parseHostPort } from '../util/host-port.js';

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`"${value}" is not a port (0-65535)`);
  return n;
}

export function parseAddress(value: string): string {
  try {
    parseHostPort(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}

/** `30s`, `500ms`, `2m`, or a plain number of seconds. */
export function parseDuration(value: string): number {
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : parseDurationMs(value);
  if (ms === undefined) throw new InvalidArgumentError(`"${value}" is not a duration (e.g. 30s, 500ms, 2m)`);
  return ms;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--x-port N` is short for `--x-address 127.0.0.1:N`; the address wins when both are given. */
export function listenAddress(address: string | undefined, port: number | undefined, fallback: string): string {
  if (address) return address;
  if (port !== undefined) return `127.0.0.1:${port}`;
  return fallback;
}
