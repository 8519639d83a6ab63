// JSON patch (RFC 6902, `application/json-patch+json`): add, remove, replace, move, copy, test over
// JSON pointers (RFC 6901). Applied to a copy; any failure leaves the original untouched.
import { badRequest, ApiError } from './api-error.js';
import { deepEqualJson } from './k8s-object.js';
import { isPlainObject } from './merge-patch.js';

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`JSON pointer ${JSON.stringify(pointer)} must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parent(doc: unknown, tokens: string[], pointer: string): { container: unknown; key: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false, pointer)];
    else if (isPlainObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = cur[t];
    else throw unprocessable(`path ${JSON.stringify(pointer)} does not exist`);
  }
  return { container: cur, key: tokens[tokens.length - 1]! };
}

function arrayIndex(token: string, length: number, forAdd: boolean, pointer: string): number {
  if (forAdd && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw unprocessable(`invalid array index ${JSON.stringify(token)} in ${JSON.stringify(pointer)}`);
  const i = Number(token);
  if (i > length || (!forAdd && i === length)) throw unprocessable(`array index ${i} out of range in ${JSON.stringify(pointer)}`);
  return i;
}

function unprocessable(message: string): ApiError {
  return new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${message}`);
}

function get(doc: unknown, pointer: string): unknown {
  let cur = doc;
  for (const t of parsePointer(pointer)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false, pointer)];
    else if (isPlainObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = cur[t];
    else throw unprocessable(`path ${JSON.stringify(pointer)} does not exist`);
  }
  return cur;
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { container, key } = parent(doc, tokens, pointer);
  if (Array.isArray(container)) container.splice(arrayIndex(key, container.length, true, pointer), 0, value);
  else if (isPlainObject(container)) container[key] = value;
  else throw unprocessable(`cannot add at ${JSON.stringify(pointer)}: parent is not a container`);
  return doc;
}

function remove(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw unprocessable('cannot remove the whole document');
  const { container, key } = parent(doc, tokens, pointer);
  if (Array.isArray(container)) container.splice(arrayIndex(key, container.length, false, pointer), 1);
  else if (isPlainObject(container) && Object.prototype.hasOwnProperty.call(container, key)) delete container[key];
  else throw unprocessable(`path ${JSON.stringify(pointer)} does not exist`);
  return doc;
}

export function applyJsonPatch(original: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('json patch must be a JSON array of operations');
  let doc: unknown = structuredClone(original);
  for (const raw of patch as unknown[]) {
    if (!isPlainObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw badRequest(`invalid json patch operation ${JSON.stringify(raw)}: needs "op" and "path"`);
    }
    const op = raw as unknown as Operation;
    switch (op.op) {
      case 'add':
        if (!('value' in op)) throw badRequest('json patch "add" needs a "value"');
        doc = add(doc, op.path, structuredClone(op.value));
        break;
      case 'remove':
        doc = remove(doc, op.path);
        break;
      case 'replace':
        if (!('value' in op)) throw badRequest('json patch "replace" needs a "value"');
        get(doc, op.path);
        doc = op.path === '' ? structuredClone(op.value) : add(remove(doc, op.path), op.path, structuredClone(op.value));
        break;
      case 'move': {
        if (typeof op.from !== 'string') throw badRequest('json patch "move" needs "from"');
        const v = get(doc, op.from);
        doc = add(remove(doc, op.from), op.path, v);
        break;
      }
      case 'copy': {
        if (typeof op.from !== 'string') throw badRequest('json patch "copy" needs "from"');
        doc = add(doc, op.path, structuredClone(get(doc, op.from)));
        break;
      }
      case 'test':
        if (!deepEqualJson(get(doc, op.path), op.value)) throw unprocessable(`test operation failed at ${JSON.stringify(op.path)}`);
        break;
      default:
        throw badRequest(`unknown json patch operation ${JSON.stringify(op.op)}`);
    }
  }
  return doc;
}
