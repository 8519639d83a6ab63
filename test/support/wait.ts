// Polling instead of sleeping: the machine is shared, so tests wait for conditions with generous deadlines.
// The one polling loop of the test suite: every helper that waits for something calls waitFor.

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Treat a throwing `check` as "not yet" and name its last error on timeout (else the error fails the wait at once). */
  retryErrors?: boolean;
}

/**
 * Polls `check` until it returns something other than undefined/null/false (that value is returned), or
 * fails after the timeout naming `what`. A yes/no condition works as is (it resolves to `true`).
 */
export async function waitFor<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, opts: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 15_000, intervalMs = 10, retryErrors = false } = opts;
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      if (!retryErrors) throw err;
      lastErr = err;
    }
    if (Date.now() > deadline) {
      const reason = lastErr === undefined ? '' : `; last error seen: ${lastErr instanceof Error ? lastErr.message : String(lastErr)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Lets already-queued I/O run, to check that something did NOT happen (no response, no crash). */
export async function settle(ms = 100): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}
