// YAML text from outside (a file, a ConfigMap key) read into a yaml Document within bounds: its size is
// checked before anything is parsed, its nesting while it is parsed (the parser's own stack, looked at
// after every token, so `[[[[...` a megabyte deep is refused after a few dozen tokens instead of costing
// the parser seconds), and only one document is accepted. Never throws.
//
// Aliases are left as Alias nodes, never expanded: a caller that walks the Document sees `*x`, not the
// billion laughs behind it. A caller that converts to plain JS (toJS) must pass maxAliasCount itself.
// Map keys are not checked for uniqueness here (the yaml library's check compares every pair: quadratic
// in the keys of a map); callers check the maps they read, with a Set.
import { Composer, type Document, Lexer, LineCounter, Parser, type CST } from 'yaml';

export interface BoundedYamlOptions {
  /** Bytes of UTF-8 text. */
  maxBytes: number;
  /** Levels of nesting (the parser's stack: document, collections, their values). */
  maxDepth: number;
  /** The message when the text is too big (default: `<n> bytes; at most <maxBytes>`). */
  tooBig?: (bytes: number) => string;
}

export interface YamlProblem {
  /** 1-based; 0 when the position is unknown. */
  line: number;
  column: number;
  reason: string;
}

export type BoundedYaml = { ok: true; doc: Document.Parsed; lines: LineCounter } | { ok: false; problems: YamlProblem[] };

class TooDeep extends Error {
  constructor(readonly offset: number) {
    super('too deep');
  }
}

export function parseBoundedYaml(text: string, options: BoundedYamlOptions): BoundedYaml {
  // UTF-8 never has fewer bytes than UTF-16 units: a text longer than the limit is refused unmeasured.
  const bytes = text.length > options.maxBytes ? text.length : Buffer.byteLength(text, 'utf8');
  if (bytes > options.maxBytes) {
    const reason = options.tooBig ? options.tooBig(bytes) : `${bytes} bytes; at most ${options.maxBytes}`;
    return { ok: false, problems: [{ line: 0, column: 0, reason }] };
  }
  const lines = new LineCounter();
  try {
    let doc: Document.Parsed | undefined;
    let extraDocument = false;
    for (const d of new Composer({ uniqueKeys: false }).compose(boundedTokens(text, lines, options.maxDepth), true, text.length)) {
      if (!doc) doc = d;
      else {
        extraDocument = true;
        break;
      }
    }
    if (!doc) return { ok: false, problems: [{ line: 0, column: 0, reason: 'no YAML document' }] };
    const problems: YamlProblem[] = doc.errors.map((err) => {
      const { line, col } = lines.linePos(err.pos[0]);
      // The library's own message may repeat the position and a code frame; keep its first line.
      return { line, column: col, reason: `YAML syntax: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}` };
    });
    if (extraDocument) problems.push({ line: 0, column: 0, reason: 'YAML syntax: several documents (---); give one' });
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, doc, lines };
  } catch (err) {
    if (err instanceof TooDeep) {
      const { line, col } = lines.linePos(err.offset);
      return { ok: false, problems: [{ line, column: col, reason: `nested deeper than ${options.maxDepth} levels` }] };
    }
    // The library failing on some input is a refusal of that input, not a crash of its caller.
    return { ok: false, problems: [{ line: 0, column: 0, reason: `YAML could not be read: ${err instanceof Error ? err.message : String(err)}` }] };
  }
}

/** The parser's tokens, as Parser.parse makes them, stopping as soon as its stack is deeper than `maxDepth`. */
function* boundedTokens(text: string, lines: LineCounter, maxDepth: number): Generator<CST.Token, void> {
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  for (const lexeme of new Lexer().lex(text)) {
    yield* parser.next(lexeme);
    if (parser.stack.length > maxDepth) throw new TooDeep(parser.offset);
  }
  yield* parser.end();
}
