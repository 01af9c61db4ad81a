/**
 * The CLI's only way to talk to the edge. A call names a path and method the edge declares, with
 * the parameters and body its operation takes (edge-api.ts, from the app's /openapi.json), so a
 * call the edge would refuse fails the typecheck. Every response is validated with zod; the edge's
 * `{error, message}` bodies become an `ApiError` whose message is printed as is. Tokens never
 * appear in errors, and redirects are not followed so a bearer token is never re-sent elsewhere.
 */
import type { z } from "zod";
import { isErrorCode, type ErrorCode } from "../../workers/lib/error-codes.ts";
import { ErrorBody } from "../../workers/lib/openapi.ts";
import { CliError } from "../cli-error.ts";
import type { CallArgs, CallOptions, EdgeMethod, EdgeOperation, EdgePath, MethodOf, ViewOf } from "./edge-api.ts";

/** The edge answered with an error: its public code and message, and the HTTP status. */
export class ApiError extends CliError {
  readonly status: number;
  /** The edge's message alone, without the code and status the printed message adds. */
  readonly edgeMessage: string;
  /** The error body's other fields, as the edge sent them (e.g. a refused passport's Vane `code`). */
  readonly details: Record<string, unknown>;

  /** `code` as the edge sent it; compare it with `isApiError`, which takes an `ErrorCode`. */
  constructor(status: number, code: string, message: string, hint?: string, details: Record<string, unknown> = {}) {
    super(`${message} (${code}, HTTP ${status})${hint ? `; ${hint}` : ""}`, undefined, { code });
    this.name = "ApiError";
    this.status = status;
    this.edgeMessage = hint ? `${message}; ${hint}` : message;
    this.details = details;
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

/** A call's input once `call`'s signature has checked it: what `#send` puts on the wire. */
type WireInput = CallOptions & { params?: object; query?: object; body?: unknown };

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
   * Calls one operation of the edge and returns its answer, validated with `view`. The path is
   * the edge's own, `{…}` parameters and all; `params` fills them in (URI-encoded).
   * @example
   * const { service } = await client.call("post", "/v1/vaults/{vault}/services", OneService, { params: { vault }, body });
   */
  call<P extends EdgePath, M extends MethodOf<P> & EdgeMethod, S extends z.ZodType>(
    method: M,
    path: P,
    view: S & ViewOf<EdgeOperation<P, M>, S>,
    ...[input]: CallArgs<EdgeOperation<P, M>>
  ): Promise<z.output<S>>;
  // The signature above is the one callers are checked against; this one carries its values to the wire.
  call(method: EdgeMethod, path: EdgePath, view: z.ZodType, ...rest: unknown[]): Promise<unknown> {
    const [input = {}] = rest as [WireInput?];
    return this.#send(method.toUpperCase(), fillPath(path, input.params), view, input);
  }

  async #send<S extends z.ZodType>(method: string, path: string, schema: S, options: WireInput): Promise<z.output<S>> {
    const url = new URL(`${this.addr}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
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
        const { error, message, ...details } = body.data;
        throw new ApiError(response.status, error, message, hint, details);
      }
      // The edge answers every error as JSON; a bare 5xx came from what runs it or stands in front of
      // it (wrangler dev's proxy while the Worker restarts, a gateway), which the address cannot fix.
      if (response.status >= 500) {
        throw new CliError(
          `${this.addr} answered HTTP ${response.status} without an Edgevault error: the edge's runtime, or a proxy in front of it, failed the request. Try again; if it persists, see the edge's log`,
          undefined,
          { code: "edge_unavailable" },
        );
      }
      const where = response.status >= 300 && response.status < 400 ? `a redirect to ${response.headers.get("location") ?? "?"}` : `HTTP ${response.status}`;
      throw new CliError(`${this.addr} answered ${where}, not an Edgevault response; is EDGEVAULT_ADDR / --addr right?`, undefined, { code: "not_an_edge" });
    }
    const result = schema.safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new CliError(
        `Unexpected response from ${this.addr} for ${method} ${path} (${issue?.path.join(".") || "body"}: ${issue?.message}); is the CLI up to date with the edge?`,
        undefined,
        { code: "unexpected_response" },
      );
    }
    return result.data;
  }

  #unreachable(error: unknown, timeoutMs: number): CliError {
    if (error instanceof Error && error.name === "TimeoutError") {
      return new CliError(`${this.addr} did not answer within ${Math.round(timeoutMs / 1000)} s`, undefined, { cause: error, code: "edge_timeout" });
    }
    const cause = error instanceof Error ? error.cause : undefined;
    const reason =
      cause instanceof Error
        ? ("code" in cause && typeof cause.code === "string" && cause.code) || cause.message
        : error instanceof Error
          ? error.message
          : String(error);
    return new CliError(`Cannot reach the edge at ${this.addr} (${reason}). Is it running? Locally: npm start`, undefined, {
      cause: error,
      code: "edge_unreachable",
    });
  }
}

/** `/v1/vaults/{vault}` with `{ vault: "a b" }` → `/v1/vaults/a%20b`. */
function fillPath(path: string, params: object = {}): string {
  const values = new Map<string, unknown>(Object.entries(params));
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values.get(name);
    // Unreachable through `call`'s types; a guard so a gap in them cannot send a literal "{id}".
    if (value === undefined) throw new CliError(`Missing the path parameter ${name} of ${path}`);
    return encodeURIComponent(String(value));
  });
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
