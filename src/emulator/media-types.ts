// What form of a resource a request's Accept header asks for, as the real API server negotiates it:
// the object itself (application/json), a Table (kubectl get), or metadata only (client-go metadata
// informers: `application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1` for lists,
// `as=PartialObjectMetadata` for single objects and watches). Ranges are tried in order; a range that
// asks for a form this kind of request cannot give is skipped, and when none is left the answer is
// 406 Not Acceptable.
import { ApiError } from './api-error.js';

export type ResponseForm = 'object' | 'table' | 'metadata';

/** 'list' (a collection GET), 'watch' or 'get' (one object). */
export type RequestKind = 'list' | 'watch' | 'get';

interface MediaRange {
  type: string;
  params: Map<string, string>;
}

function parseAccept(header: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [type = '', ...rest] = part.split(';').map((s) => s.trim());
    if (type === '') continue;
    const params = new Map<string, string>();
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
    }
    out.push({ type: type.toLowerCase(), params });
  }
  return out;
}

const JSON_TYPES = new Set(['application/json', 'application/*', '*/*']);

export function negotiateForm(accept: string | undefined, kind: RequestKind): ResponseForm {
  if (!accept || accept.trim() === '') return 'object';
  const ranges = parseAccept(accept);
  let sawJson = false;
  for (const r of ranges) {
    if (!JSON_TYPES.has(r.type)) continue;
    sawJson = true;
    const as = r.params.get('as');
    if (as === undefined) return 'object';
    const group = r.params.get('g') ?? 'meta.k8s.io';
    if (group !== 'meta.k8s.io') continue;
    if (as === 'Table') return 'table';
    if (as === 'PartialObjectMetadataList' && kind === 'list') return 'metadata';
    if (as === 'PartialObjectMetadata' && kind !== 'list') return 'metadata';
  }
  // Only types we do not speak (e.g. protobuf): answer JSON, as kubectl and client libraries accept it.
  if (!sawJson) return 'object';
  throw new ApiError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/json;as=Table;g=meta.k8s.io;v=v1, application/json;as=${kind === 'list' ? 'PartialObjectMetadataList' : 'PartialObjectMetadata'};g=meta.k8s.io;v=v1`);
}
