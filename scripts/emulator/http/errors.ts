/** Errors a route handler may throw to answer with a JSON error `{ errCode, errMsg }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errCode: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function badRequest(message: string, details?: unknown): HttpError {
  return new HttpError(400, 'INVALID_REQUEST', message, details);
}

export function notFound(message: string): HttpError {
  return new HttpError(404, 'NOT_FOUND', message);
}

/** Parses a JSON body; 400 INVALID_REQUEST when it is not JSON (or not an object when `object` is set). */
export function parseJsonBody(body: Buffer, opts: { object?: boolean; allowEmpty?: boolean } = {}): any {
  const text = body.toString('utf8').trim();
  if (text === '') {
    if (opts.allowEmpty) return opts.object ? {} : undefined;
    throw badRequest('request body is empty; expected JSON');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw badRequest(`request body is not valid JSON: ${(e as Error).message}`);
  }
  if (opts.object && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw badRequest('request body must be a JSON object');
  }
  return value;
}
