/**
 * The one error type of the edge API. Handlers throw it; `onError` in app.ts turns it into
 * `{error: code, message, ...extra}` with `Cache-Control: no-store`. `cause` is logged, never sent.
 * Codes are `ErrorCode`s (error-codes.ts): a code that is not listed there fails typecheck.
 */
import type { ErrorCode } from "./error-codes.ts";

export type AppErrorOptions = {
  /** Extra JSON fields for the wire body (e.g. `proposal_hint`). Never secrets. */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Internal reason for logs only. */
  cause?: unknown;
};

export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(status: number, code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

/** Shorthands for the errors every area raises. */
export const badRequest = (code: ErrorCode, message: string, extra?: Record<string, unknown>) => new AppError(400, code, message, { extra });
export const unauthorized = (message = "Missing or invalid token") =>
  new AppError(401, "unauthorized", message, { headers: { "WWW-Authenticate": 'Bearer realm="edgevault"' } });
/** A token of another kind where this one is expected (a passport, an SVID): 401, saying what to send instead. */
export const wrongTokenType = (message: string) =>
  new AppError(401, "wrong_token_type", message, { headers: { "WWW-Authenticate": 'Bearer realm="edgevault", error="invalid_token"' } });
export const forbidden = (message: string, code: ErrorCode = "forbidden") => new AppError(403, code, message);
export const notFound = (what: string) => new AppError(404, "not_found", `${what} not found`);
export const conflict = (code: ErrorCode, message: string) => new AppError(409, code, message);
