// A real browser for the web-view tests: Debian's chromium, driven by playwright-core (never a
// downloaded browser). Where chromium is missing the browser suites skip and say why, except where
// HORIZON_REQUIRE_BROWSER=1 (set by .ci/run): there they fail, since CI installs it.
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { onPath } from '../emulator/helpers.js';

const found = process.env.HORIZON_CHROMIUM ?? onPath('chromium') ?? onPath('chromium-browser');
const required = process.env.HORIZON_REQUIRE_BROWSER === '1';
const noBrowserReason = 'chromium is not on PATH (apt-get install chromium; set HORIZON_REQUIRE_BROWSER=1 to make that a failure)';

/** For before() of a browser suite: skips it, saying why, when chromium is absent and not required. */
export function skipWithoutBrowser(ctx: Mocha.Context): void {
  if (found !== undefined || required) return;
  console.log(`    skipped: ${noBrowserReason}`);
  ctx.skip();
}

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (cookies, storage) per call. */
  context(options?: { width?: number; height?: number }): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Headless chromium (playwright gives it a fresh temporary profile), with nothing that would reach the
 * internet. `hostResolverRules` maps names to addresses inside the browser (e.g. "MAP rebind.test
 * 127.0.0.1": a DNS-rebinding site's name, without a DNS server).
 */
export async function launchBrowser(options: { hostResolverRules?: string } = {}): Promise<TestBrowser> {
  if (found === undefined) throw new Error('chromium is not on PATH, and HORIZON_REQUIRE_BROWSER=1 requires it: apt-get install chromium');
  const browser = await chromium.launch({
    executablePath: found,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(options.hostResolverRules ? [`--host-resolver-rules=${options.hostResolverRules}`] : []),
    ],
    timeout: 60_000,
  });
  return {
    browser,
    context: ({ width = 1400, height = 1000 } = {}) => browser.newContext({ viewport: { width, height } }),
    close: () => browser.close().catch(() => undefined),
  };
}
