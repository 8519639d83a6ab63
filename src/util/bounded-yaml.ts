// YAML text from outside (a file, a ConfigMap key, a kubeconfig in a Secret) read into a yaml Document
// within bounds. Its size is checked before anything is parsed; its nesting, token count and alias
// count while it is parsed, one token at a time (the parser's own stack is looked at after every
// token, so `[[[[...` a megabyte deep is refused after a few dozen tokens instead of costing the
// library seconds, or, converted to JS, minutes of CPU: 2 kB of `{` then `[` took about 5 minutes here,
// and ended Node once with a fatal out-of-memory that no try/catch survives). Only one
// document is accepted. Never throws.
//
// Nothing from the text reaches a problem's reason or stderr: the text may carry credentials. The
// library's own messages are kept only where they are fixed text (by error code); its warnings, which
// quote content through process.emitWarning, are silenced.
//
// Aliases are left as Alias nodes, never expanded: a caller that walks the Document sees `*x`, not the
// billion laughs behind it. A caller that needs plain JS uses toBoundedJs, which bounds expansion.
// Map keys are not checked for uniqueness here (the yaml library's check compares every pair: quadratic
// in the keys of a map); callers check the maps they read, with a Set, or let the last key win.
import { Composer, CST, type Document, type ErrorCode, Lexer, LineCounter, Parser, type YAMLError } from 'yaml';

export interface BoundedYamlOptions {
  /** Bytes of UTF-8 text. */
  maxBytes: number;
  /** Levels of nesting (the parser's stack: document, collections, their values). */
  maxDepth: number;
  /** Lexer tokens (a kubeconfig has a few hundred); unbounded (but for maxBytes) when absent. */
  maxTokens?: number;
  /** Alias nodes (`*name`); unbounded (but for maxBytes) when absent. */
  maxAliases?: number;
  /** Read `<<` keys as merge keys (YAML 1.1, as kubectl does); applied by toBoundedJs. */
  mergeKeys?: boolean;
}

export type YamlProblemKind = 'too-big' | 'too-deep' | 'too-many-tokens' | 'too-many-aliases' | 'syntax' | 'alias-expansion' | 'unreadable';

/** What is wrong and where; `reason` never quotes the text. */
export type YamlProblem =
  | { kind: 'too-big'; bytes: number; line: 0; column: 0; reason: string }
  | { kind: Exclude<YamlProblemKind, 'too-big'>; /** 1-based; 0 when unknown. */ line: number; column: number; reason: string };

export type BoundedYaml = { ok: true; doc: Document.Parsed; lines: LineCounter } | { ok: false; problems: YamlProblem[] };

/** A bound crossed while tokens are read: thrown inside the token stream, caught in parseBoundedYaml. */
class BoundCrossed extends Error {
  constructor(
    readonly kind: 'too-deep' | 'too-many-tokens' | 'too-many-aliases',
    readonly offset: number,
  ) {
    super(kind);
  }
}

export function parseBoundedYaml(text: string, options: BoundedYamlOptions): BoundedYaml {
  // UTF-8 never has fewer bytes than UTF-16 units: a text longer than the limit is refused unmeasured.
  const bytes = text.length > options.maxBytes ? text.length : Buffer.byteLength(text, 'utf8');
  if (bytes > options.maxBytes) {
    return { ok: false, problems: [{ kind: 'too-big', bytes, line: 0, column: 0, reason: `${bytes} bytes; at most ${options.maxBytes}` }] };
  }
  const lines = new LineCounter();
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  try {
    const stream = { secondDocumentAt: -1 };
    // logLevel silent: the library's warnings (process.emitWarning) quote document content.
    const composer = new Composer({ uniqueKeys: false, merge: options.mergeKeys ?? false, logLevel: 'silent', prettyErrors: false });
    const [doc] = composer.compose(boundedTokens(text, lines, options, stream), true, text.length);
    if (!doc) return { ok: false, problems: [{ kind: 'syntax', line: 0, column: 0, reason: 'no YAML document' }] };
    const problems: YamlProblem[] = doc.errors.map((err) => ({ kind: 'syntax', ...at(err.pos[0]), reason: safeMessage(err) }));
    if (stream.secondDocumentAt >= 0) problems.push({ kind: 'syntax', ...at(stream.secondDocumentAt), reason: 'several documents (---); give one' });
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, doc, lines };
  } catch (err) {
    if (err instanceof BoundCrossed) return { ok: false, problems: [{ kind: err.kind, ...at(err.offset), reason: boundReason(err.kind, options) }] };
    // The library failing on some input is a refusal of that input, not a crash of its caller.
    return { ok: false, problems: [{ kind: 'unreadable', line: 0, column: 0, reason: `YAML could not be read (${err instanceof Error ? err.name : typeof err})` }] };
  }
}

function boundReason(kind: BoundCrossed['kind'], options: BoundedYamlOptions): string {
  if (kind === 'too-deep') return `nested deeper than ${options.maxDepth} levels`;
  if (kind === 'too-many-tokens') return `more than ${options.maxTokens} YAML tokens`;
  return `more than ${options.maxAliases} YAML aliases`;
}

/**
 * The parser's tokens, as Parser.parse makes them, stopping (with a throw) as soon as the parser's
 * stack is deeper than maxDepth or more than maxTokens lexemes (or maxAliases aliases) have been read,
 * and (with `stream.secondDocumentAt` set) as soon as a second document starts: the first is all the
 * composer gets.
 */
function* boundedTokens(text: string, lines: LineCounter, options: BoundedYamlOptions, stream: { secondDocumentAt: number }): Generator<CST.Token, void> {
  const maxTokens = options.maxTokens ?? Infinity;
  const maxAliases = options.maxAliases ?? Infinity;
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  let tokens = 0;
  let aliases = 0;
  // After a SCALAR marker comes the scalar's text: nothing in it is structure (a block scalar's line
  // may start with '*').
  let scalarText = false;
  let documents = 0;
  for (const lexeme of new Lexer().lex(text)) {
    const offset = parser.offset;
    if (++tokens > maxTokens) throw new BoundCrossed('too-many-tokens', offset);
    if (scalarText) scalarText = false;
    else if (lexeme === CST.SCALAR) scalarText = true;
    else if (lexeme[0] === '*' && CST.tokenType(lexeme) === 'alias' && ++aliases > maxAliases) throw new BoundCrossed('too-many-aliases', offset);
    for (const token of parser.next(lexeme)) {
      if (token.type === 'document') documents++;
      yield token;
    }
    if (parser.stack.length > options.maxDepth) throw new BoundCrossed('too-deep', parser.offset);
    // The parser gives a document once it is complete; a document it holds after that is the next one.
    if (documents > 0 && parser.stack[0]?.type === 'document') {
      stream.secondDocumentAt = offset;
      return;
    }
  }
  yield* parser.end();
}

/**
 * Error codes whose messages in the yaml library are fixed text (or name only indicators and kinds of
 * collection). The others (unexpected tokens, tags, directives, escapes) quote the document, so they
 * are described here instead; a code the library adds later is described by its name.
 */
const FIXED_TEXT = new Set<ErrorCode>([
  'ALIAS_PROPS',
  'BAD_ALIAS',
  'BAD_COLLECTION_TYPE',
  'BAD_INDENT',
  'BAD_PROP_ORDER',
  'BAD_SCALAR_START',
  'BLOCK_AS_IMPLICIT_KEY',
  'BLOCK_IN_FLOW',
  'DUPLICATE_KEY',
  'IMPOSSIBLE',
  'KEY_OVER_1024_CHARS',
  'MISSING_CHAR',
  'MULTILINE_IMPLICIT_KEY',
  'MULTIPLE_ANCHORS',
  'MULTIPLE_DOCS',
  'MULTIPLE_TAGS',
  'NON_STRING_KEY',
  'TAB_AS_INDENT',
]);
const DESCRIBED: Partial<Record<ErrorCode, string>> = {
  UNEXPECTED_TOKEN: 'Unexpected token',
  TAG_RESOLVE_FAILED: 'Unresolved or invalid tag',
  BAD_DIRECTIVE: 'Unsupported or malformed directive',
  BAD_DQ_ESCAPE: 'Invalid escape sequence in a double-quoted string',
  RESOURCE_EXHAUSTION: 'Too large to compose',
};

function safeMessage(err: YAMLError): string {
  if (FIXED_TEXT.has(err.code)) return err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return DESCRIBED[err.code] ?? `YAML error ${String(err.code).replace(/[^A-Z0-9_]/g, '').slice(0, 40)}`;
}

export type BoundedJs = { ok: true; value: unknown } | { ok: false; problem: YamlProblem };

/**
 * A parsed Document as plain JavaScript values, merge keys applied when parsed with mergeKeys. Each
 * alias may expand to at most `maxAliasExpansion` nodes (the yaml library's own guard against the
 * billion laughs); more is a problem, not a throw. Never throws.
 */
export function toBoundedJs(doc: Document.Parsed, maxAliasExpansion: number): BoundedJs {
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: maxAliasExpansion }) as unknown };
  } catch (err) {
    // The library throws for aliases (messages that quote the alias name) and for merge keys of non-maps.
    const message = err instanceof Error ? err.message : '';
    if (message.startsWith('Excessive alias count')) return { ok: false, problem: { kind: 'alias-expansion', line: 0, column: 0, reason: 'YAML aliases expand to too many nodes' } };
    if (message.startsWith('Unresolved alias')) return { ok: false, problem: { kind: 'syntax', line: 0, column: 0, reason: 'an alias names no anchor set before it' } };
    if (message.startsWith('Merge sources')) return { ok: false, problem: { kind: 'syntax', line: 0, column: 0, reason: 'a merge key (<<) whose value is not a map or a list of maps' } };
    return { ok: false, problem: { kind: 'unreadable', line: 0, column: 0, reason: `YAML could not be converted (${err instanceof Error ? err.name : typeof err})` } };
  }
}
