// The gateway's own error answers. A gRPC caller gets a "trailers-only" response (HTTP 200 with
// grpc-status and grpc-message in the only HEADERS frame), which every gRPC client turns into a
// status it can show; anything else gets a plain HTTP 502.
import http2 from 'node:http2';

export const grpcStatus = { UNAVAILABLE: 14 } as const;

/** grpc-message is percent-encoded: everything outside printable ASCII, and '%' itself. */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function isGrpcRequest(headers: http2.IncomingHttpHeaders): boolean {
  const contentType = headers['content-type'];
  return typeof contentType === 'string' && contentType.startsWith('application/grpc');
}

/** Answers `stream` with an error and drops whatever request body is still coming. */
export function respondWithError(
  stream: http2.ServerHttp2Stream,
  request: http2.IncomingHttpHeaders,
  code: number,
  message: string,
): void {
  if (stream.closed || stream.destroyed || stream.headersSent) return;
  stream.resume();
  if (isGrpcRequest(request)) {
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-status': String(code),
        'grpc-message': encodeGrpcMessage(message),
      },
      { endStream: true },
    );
  } else {
    stream.respond({ ':status': 502, 'content-type': 'text/plain; charset=utf-8' });
    stream.end(`${message}\n`);
  }
}
