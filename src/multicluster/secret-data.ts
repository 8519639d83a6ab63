// A remote-cluster Secret's data as it arrives from the watch, read within the limits: each data key
// is a cluster ID and its value a base64 kubeconfig. Pure, and never throws: whatever the object holds
// (wrong types, thousands of keys, megabytes of value, binary junk), the answer is a value saying what
// may be used and what is refused and why. Errors name keys and sizes, never values.
import { createHash } from 'node:crypto';
import { limitExceeded, type Limits } from '../limits.js';

export type SecretLimits = Pick<Limits, 'secretKeys' | 'kubeconfigBytes'>;

export interface SecretKey {
  /** The data key (the cluster ID), or for an unusable key a short quoted form of it. */
  key: string;
  /** Fingerprint of the value as it arrived (unchanged value, same fingerprint). */
  hash: string;
  /** The kubeconfig text, when the value could be read. */
  text?: string;
  /** Why the value (or the key) cannot be used. */
  error?: string;
}

export type SecretData = { ok: true; keys: SecretKey[] } | { ok: false; error: string };

/** What the API server accepts as a data key (and a cluster ID must be no less tame). */
const DATA_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A key shown in a reason: as is when valid, else quoted, escaped and cut short. */
export function displayKey(key: string): string {
  if (DATA_KEY.test(key)) return key;
  const short = key.length > 64 ? `${key.slice(0, 64)}...` : key;
  return JSON.stringify(short);
}

/** Bytes a base64 text decodes to, at most (padding and skipped characters only make it less). */
const decodedBytes = (b64: string) => Math.floor((b64.length * 3) / 4);

export function readSecretData(secret: unknown, limits: SecretLimits): SecretData {
  try {
    if (!isMap(secret)) return { ok: false, error: 'is not an object' };
    const data = secret.data ?? {};
    if (!isMap(data)) return { ok: false, error: 'data is not a map of base64 values' };
    const names = Object.keys(data);
    if (names.length > limits.secretKeys) return { ok: false, error: limitExceeded('secretKeys', limits.secretKeys, names.length) };
    const keys: SecretKey[] = [];
    for (const name of names.sort()) {
      const value = data[name];
      const hash = createHash('sha256').update(typeof value === 'string' ? value : `(${typeof value})`).digest('hex');
      if (!DATA_KEY.test(name)) {
        keys.push({ key: displayKey(name), hash, error: 'the key is not a valid cluster ID (letters, digits, "-", "_", ".", at most 253)' });
      } else if (typeof value !== 'string') {
        keys.push({ key: name, hash, error: 'the value is not base64 text' });
      } else if (decodedBytes(value) > limits.kubeconfigBytes) {
        keys.push({ key: name, hash, error: `kubeconfig is too large: ${limitExceeded('kubeconfigBytes', limits.kubeconfigBytes, decodedBytes(value))}` });
      } else {
        // Characters outside base64 are skipped (the API server validated it anyway).
        keys.push({ key: name, hash, text: Buffer.from(value, 'base64').toString('utf8') });
      }
    }
    return { ok: true, keys };
  } catch (err) {
    return { ok: false, error: `could not be read (${err instanceof Error ? err.name : typeof err})` };
  }
}
