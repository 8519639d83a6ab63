// Errors a debug endpoint answers with: an HTTP status and a sentence saying what was wrong and what to
// do. Handlers throw these; the server turns them into JSON `{error, ...details}`.
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>) => new HttpError(400, message, details);
export const notFound = (message: string, details?: Record<string, unknown>) => new HttpError(404, message, details);
