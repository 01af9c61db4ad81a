/**
 * The CLI's only way to talk to the edge. Every response is validated with zod; the edge's
 * `{error, message}` bodies become an `ApiError` whose message is printed as is. Tokens never
 * appear in errors, and redirects are not followed so a bearer token is never re-sent elsewhere.
 */
import type { z } from "zod";
import { isErrorCode, type ErrorCode } from "../workers/lib/error-codes.ts";
import { ErrorBody } from "../workers/lib/openapi.ts";
import { CliError } from "./cli-error.ts";

/** The edge answered with an error: its public code and message, and the HTTP status. */
export class ApiError extends CliError {
  readonly status: number;
  /** As the edge sent it; compare it with `isApiError`, which takes an `ErrorCode`. */
  readonly code: string;

  constructor(status: number, code: string, message: string, hint?: string) {
    super(`${message} (${code}, HTTP ${status})${hint ? `; ${hint}` : ""}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/**
 * True when `error` is the edge's answer with this code.
 * @example if (isApiError(error, "human_required")) …
 */
export function isApiError(error: unknown, code: ErrorCode): error is ApiError {
  return error instanceof ApiError && isErrorCode(error.code, code);
}

export type ApiClientOptions = {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:14321. */
  addr: string;
  token?: string;
  timeoutMs?: number;
  /** Appended to 401 errors: what the user should do about a rejected token. */
  unauthorizedHint?: string;
};

export type RequestOptions = {
  body?: unknown;
  query?: Record<string, string | undefined>;
  /** Overrides the client's timeout for this request (a long poll holds the answer back). */
  timeoutMs?: number;
  /** Extra request headers (e.g. `X-Vault`); Accept, Authorization and Content-Type are set here. */
  headers?: Record<string, string>;
  /** Abandons the request (e.g. `vault logs --follow` stopped by Ctrl+C); the timeout applies too. */
  signal?: AbortSignal;
};

const DEFAULT_TIMEOUT_MS = 30_000;
/** Visible ASCII only: what an `Authorization: Bearer` value can carry. */
const BEARER_TOKEN = /^[\x21-\x7e]+$/;

export class ApiClient {
  readonly addr: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  readonly #unauthorizedHint: string | undefined;

  constructor(options: ApiClientOptions) {
    // Checked here because fetch's own error for a bad header value quotes the value.
    if (options.token !== undefined && !BEARER_TOKEN.test(options.token)) {
      throw new CliError("The token contains spaces or characters that cannot be sent in an HTTP header");
    }
    this.addr = options.addr;
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#unauthorizedHint = options.unauthorizedHint;
  }

  /**
   * Sends one request and returns the validated JSON body.
   * @example
   * const { vaults } = await client.request("GET", "/v1/vaults", VaultList); // VaultList from the vaults contract
   */
  async request<S extends z.ZodType>(method: string, path: string, schema: S, options: RequestOptions = {}): Promise<z.output<S>> {
    const url = new URL(`${this.addr}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
    const headers: Record<string, string> = { ...options.headers, Accept: "application/json" };
    if (this.#token !== undefined) headers.Authorization = `Bearer ${this.#token}`;
    if (options.body !== undefined) headers["Content-Type"] = "application/json";

    let response: Response;
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.#timeoutMs);
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        redirect: "manual",
        signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
      });
    } catch (error) {
      throw this.#unreachable(error, options.timeoutMs ?? this.#timeoutMs);
    }
    const text = await response.text();
    const json = parseJson(text);

    if (!response.ok) {
      const body = ErrorBody.safeParse(json);
      if (body.success) {
        const hint = response.status === 401 ? this.#unauthorizedHint : undefined;
        throw new ApiError(response.status, body.data.error, body.data.message, hint);
      }
      const where = response.status >= 300 && response.status < 400 ? `a redirect to ${response.headers.get("location") ?? "?"}` : `HTTP ${response.status}`;
      throw new CliError(`${this.addr} answered ${where}, not an Edgevault response; is EDGEVAULT_ADDR / --addr right?`);
    }
    const result = schema.safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new CliError(
        `Unexpected response from ${this.addr} for ${method} ${path} (${issue?.path.join(".") || "body"}: ${issue?.message}); is the CLI up to date with the edge?`,
      );
    }
    return result.data;
  }

  #unreachable(error: unknown, timeoutMs: number): CliError {
    if (error instanceof Error && error.name === "TimeoutError") {
      return new CliError(`${this.addr} did not answer within ${Math.round(timeoutMs / 1000)} s`, undefined, { cause: error });
    }
    const cause = error instanceof Error ? error.cause : undefined;
    const reason =
      cause instanceof Error
        ? ("code" in cause && typeof cause.code === "string" && cause.code) || cause.message
        : error instanceof Error
          ? error.message
          : String(error);
    return new CliError(`Cannot reach the edge at ${this.addr} (${reason}). Is it running? Locally: npm start`, undefined, { cause: error });
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
