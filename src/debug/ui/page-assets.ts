// The web view's files. Its TypeScript (page/) is bundled by esbuild in memory on the first request and
// kept for the life of the process: no build step, no bundle in the repository, and a Horizon nobody
// opens the page on never loads esbuild. The layout engine's worker is served as it is from
// node_modules (the page may be opened where there is no internet). URLs carry a content hash, so
// browsers may cache the scripts while the page itself is never cached.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface PageAsset {
  contentType: string;
  body: string;
  /** Short content hash, used in the URLs the page names. */
  version: string;
}

export interface PageAssets {
  html: string;
  js: PageAsset;
  css: PageAsset;
  elkWorker: PageAsset;
}

export type PageAssetsResult = { ok: true; assets: PageAssets } | { ok: false; error: string };

const PAGE_ENTRIES = [fileURLToPath(new URL('./page/main.ts', import.meta.url)), fileURLToPath(new URL('./page/style.css', import.meta.url))];
const require = createRequire(import.meta.url);

let cached: Promise<PageAssetsResult> | undefined;

/** Built once per process; a failed build is not kept, so fixing the cause and reloading works. */
export function pageAssets(): Promise<PageAssetsResult> {
  cached ??= buildPageAssets().then((r) => {
    if (!r.ok) cached = undefined;
    return r;
  });
  return cached;
}

const version = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

async function buildPageAssets(): Promise<PageAssetsResult> {
  try {
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: PAGE_ENTRIES,
      bundle: true,
      write: false,
      outdir: 'ui-out',
      format: 'esm',
      platform: 'browser',
      target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
      minify: true,
      legalComments: 'eof',
      logLevel: 'silent',
    });
    const js = out.outputFiles.find((f) => f.path.endsWith('.js'))?.text;
    const css = out.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
    if (js === undefined) return { ok: false, error: 'the web view bundle has no script' };
    const worker = await readFile(require.resolve('elkjs/lib/elk-worker.min.js'), 'utf8');
    const assets: PageAssets = {
      js: { contentType: 'text/javascript; charset=utf-8', body: js, version: version(js) },
      css: { contentType: 'text/css; charset=utf-8', body: css, version: version(css) },
      elkWorker: { contentType: 'text/javascript; charset=utf-8', body: worker, version: version(worker) },
      html: '',
    };
    assets.html = pageHtml(assets);
    return { ok: true, assets };
  } catch (err) {
    const errors = (err as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    const detail = errors?.length
      ? errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('; ')
      : (err as Error).message;
    return { ok: false, error: `the web view could not be built: ${detail}` };
  }
}

/** The page shell: no data in it, everything comes from the debug JSON. URLs are relative to /ui. */
function pageHtml(a: PageAssets): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="horizon-elk-worker" content="ui/elk-worker.js?v=${a.elkWorker.version}">
<title>Horizon</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="ui/app.css?v=${a.css.version}">
<script type="module" src="ui/app.js?v=${a.js.version}"></script>
</head>
<body>
<noscript>This page needs JavaScript. The same facts are in the debug API: <a href="debug">/debug</a>.</noscript>
</body>
</html>
`;
}

/** Headers of every web-view response: the page may load only its own scripts and talk only to its server. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
});
