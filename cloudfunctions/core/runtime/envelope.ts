/** The result envelope every function returns (api.md "Every function"). */

export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'NOT_ELIGIBLE'
  | 'RETURN_ALREADY_OPEN'
  | 'INVALID_STATE'
  | 'CONFLICT'
  | 'EVIDENCE_INVALID'
  | 'LOGISTICS_INVALID'
  | 'REFUND_LIMIT'
  | 'PAYMENT_UNAVAILABLE'
  | 'INTERNAL';

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type Envelope<T = unknown> = { ok: true; data: T } | { ok: false; error: ErrorBody };

export function ok<T>(data: T): Envelope<T> {
  return { ok: true, data };
}

export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): Envelope<never> {
  return details ? { ok: false, error: { code, message, details } } : { ok: false, error: { code, message } };
}

/** Thrown inside use cases for a business refusal; the shell turns it into an envelope. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/**
 * Thrown to end a use case early with an answer already made: a concurrent
 * call with the same (caller, requestId) won the race, so this one answers
 * what that one did instead of CONFLICT (api.md: a repeated call returns the
 * first call's result). The shell returns `envelope`.
 */
export class Answered extends Error {
  constructor(readonly envelope: Envelope) {
    super('answered by an earlier call with the same requestId');
    this.name = 'Answered';
  }
}
