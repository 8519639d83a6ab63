// YAML from an untrusted source, parsed only once its shape is known to be cheap. The `yaml` library
// composes documents recursively: a few thousand nested brackets ('[[[[...') take seconds and can end
// the process with a fatal out-of-memory in V8's regexp compiler (found: 2 kB of '{' then '['), which no
// try/catch survives; many small keys or aliases cost seconds at a few hundred kilobytes; an alias bomb
// throws from toJS(). So the text is first lexed (linear, iterative, stopped at the first bound
// crossed) to bound nesting, aliases and tokens, and only then parsed. Nothing here throws; errors name
// what was wrong and where (line), never the text.
import { CST, Lexer, LineCounter, parseDocument } from 'yaml';

export interface YamlBounds {
  /** Nesting: open flow brackets plus block indentation levels plus indicators on one line. */
  maxDepth: number;
  /** Alias nodes (`*name`) in the document; each may expand to at most maxAliasCount nodes. */
  maxAliases: number;
  /** Lexer tokens (a kubeconfig has a few hundred). */
  maxTokens: number;
}

export type YamlParse = { ok: true; value: unknown } | { ok: false; error: string };

/** The alias expansion bound given to the yaml library (its own guard against billion-laughs). */
const MAX_ALIAS_EXPANSION = 100;

/** Checks the shape of `text` from its tokens alone; undefined when within the bounds. */
export function yamlShapeError(text: string, what: string, bounds: YamlBounds): string | undefined {
  let tokens = 0;
  let aliases = 0;
  let flow = 0;
  let line = 1;
  let atLineStart = true;
  let lineIndicators = 0;
  const indents: number[] = [];
  let skipNext = false;
  for (const token of new Lexer().lex(text)) {
    if (++tokens > bounds.maxTokens) return `${what} has more than ${bounds.maxTokens} YAML tokens (near line ${line})`;
    if (skipNext) {
      // The text of a scalar: count its lines, nothing in it is structure.
      skipNext = false;
      for (let i = token.indexOf('\n'); i >= 0; i = token.indexOf('\n', i + 1)) line++;
      continue;
    }
    if (token === CST.SCALAR) {
      skipNext = true;
      atLineStart = false;
      continue;
    }
    const type = CST.tokenType(token);
    if (type === 'newline') {
      line++;
      atLineStart = true;
      lineIndicators = 0;
      continue;
    }
    if (type === 'space') {
      if (atLineStart && flow === 0) {
        // Block indentation: the levels open on this line are the indents below this one.
        while (indents.length > 0 && indents[indents.length - 1]! >= token.length) indents.pop();
        indents.push(token.length);
      }
      atLineStart = false;
      continue;
    }
    if (atLineStart && flow === 0) indents.length = 0;
    atLineStart = false;
    switch (type) {
      case 'flow-seq-start':
      case 'flow-map-start':
        flow++;
        break;
      case 'flow-seq-end':
      case 'flow-map-end':
        if (flow > 0) flow--;
        break;
      case 'seq-item-ind':
      case 'explicit-key-ind':
      case 'map-value-ind':
        if (flow === 0) lineIndicators++;
        break;
      case 'alias':
        if (++aliases > bounds.maxAliases) return `${what} has more than ${bounds.maxAliases} YAML aliases (at line ${line})`;
        break;
      default:
        break;
    }
    if (flow + indents.length + lineIndicators > bounds.maxDepth) return `${what} is nested more than ${bounds.maxDepth} levels deep (at line ${line})`;
  }
  return undefined;
}

/**
 * Parses one YAML document within `bounds` into plain JavaScript values. Merge keys (`<<: *base`) are
 * applied, as kubectl's YAML reader does, so what is checked here is what kubectl would read.
 */
export function parseBoundedYaml(text: string, what: string, bounds: YamlBounds): YamlParse {
  try {
    const shape = yamlShapeError(text, what, bounds);
    if (shape) return { ok: false, error: shape };
    const lineCounter = new LineCounter();
    // logLevel silent: the library's warnings (process.emitWarning) quote document content.
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: true, logLevel: 'silent' });
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      const pos = lineCounter.linePos(first.pos[0]);
      // The library's messages quote source text; only the error code and position are safe to say.
      return { ok: false, error: `${what} is not valid YAML (${first.code} at line ${pos.line}, column ${pos.col})` };
    }
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION }) as unknown };
  } catch (err) {
    // The library's own guards (alias expansion) throw; so would anything unforeseen. Never past here.
    const name = err instanceof Error ? err.name : typeof err;
    const excessive = err instanceof Error && /alias/i.test(err.message);
    return { ok: false, error: excessive ? `${what} expands its YAML aliases too much` : `${what} could not be read as YAML (${name})` };
  }
}
