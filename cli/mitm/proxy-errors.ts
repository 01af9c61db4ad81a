/**
 * The listener's own refusals, shaped like the edge's errors (`{error, message}` JSON,
 * `Cache-Control: no-store`, and `X-Edgevault-Error: <code>` so a client can tell them from
 * an upstream's answer). Written either on an HTTP response or, for CONNECT and upgrades,
 * straight onto the client's socket, which is then closed.
 */
import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { ErrorCode } from "../../workers/lib/error-codes.ts";

/** The listener's own codes, beside the edge's that it shares (`bad_request`, `upstream_unreachable`). */
export const LISTENER_ERROR_CODES = ["proxy_auth_required", "edge_unreachable"] as const;
export type ListenerErrorCode = ErrorCode | (typeof LISTENER_ERROR_CODES)[number];

export class ProxyError extends Error {
  readonly status: number;
  readonly code: ListenerErrorCode;
  readonly headers: Record<string, string | string[]>;

  constructor(status: number, code: ListenerErrorCode, message: string, headers: Record<string, string | string[]> = {}) {
    super(message);
    this.name = "ProxyError";
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Both schemes a client may answer with: Basic `token:vault` (what HTTPS_PROXY userinfo sends) or Bearer. */
export const PROXY_AUTHENTICATE = ['Basic realm="edgevault"', 'Bearer realm="edgevault"'];

export const proxyAuthRequired = (message: string) => new ProxyError(407, "proxy_auth_required", message, { "Proxy-Authenticate": PROXY_AUTHENTICATE });

export const badProxyRequest = (message: string) => new ProxyError(400, "bad_request", message);

export const edgeUnreachable = (addr: string, cause: unknown) =>
  new ProxyError(502, "edge_unreachable", `Cannot reach the Edgevault edge at ${addr} (${reasonOf(cause)})`);

/**
 * A host no service answers for is tunnelled straight to it, without a credential; when that
 * fails, the answer says so and how to have the edge broker it instead. `vault` is undefined
 * before the listener knows the session's vault.
 */
export function tunnelFailed(target: string, cause: unknown, vault?: string): ProxyError {
  return new ProxyError(502, "upstream_unreachable", `Could not reach ${target} (${reasonOf(cause)}). ${noServiceFix(target, vault)}`);
}

/** What to do about a host that no service of the vault answers for. */
export function noServiceFix(target: string, vault?: string): string {
  const host = target.replace(/:443$/, "");
  const inVault = vault ? ` in vault "${vault}"` : "";
  const flag = vault ? ` --vault ${vault}` : "";
  return (
    `No service${inVault} answers for ${host}, so Edgevault's local proxy sent this straight there, without a credential. ` +
    `To have the edge inject one, a vault admin adds a service: edgevault vault service add <name> --host ${host} --auth bearer:<KEY>${flag} ` +
    "(or the agent raises a proposal: POST /v1/proposals)"
  );
}

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 407: "Proxy Authentication Required", 500: "Internal Server Error", 502: "Bad Gateway" };

function bodyOf(error: ProxyError): string {
  return JSON.stringify({ error: error.code, message: error.message });
}

function headersOf(error: ProxyError, body: string): Record<string, string | string[]> {
  return {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    "Cache-Control": "no-store",
    "X-Edgevault-Error": error.code,
    ...error.headers,
  };
}

/** Answers an ordinary (absolute-form) proxy request with the error. */
export function respondWithError(res: ServerResponse, error: ProxyError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = bodyOf(error);
  res.writeHead(error.status, headersOf(error, body));
  res.end(body);
}

/** Answers a CONNECT or an upgrade request on its raw socket, then closes it. */
export function writeErrorToSocket(socket: Duplex, error: ProxyError): void {
  if (socket.destroyed) return;
  const body = bodyOf(error);
  const lines = [`HTTP/1.1 ${error.status} ${STATUS_TEXT[error.status] ?? "Error"}`];
  for (const [name, value] of Object.entries({ ...headersOf(error, body), Connection: "close" })) {
    for (const one of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${one}`);
  }
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}

/** An error's code or message, never a stack; good enough for a proxy error message. */
export function reasonOf(cause: unknown): string {
  if (cause instanceof Error) return ("code" in cause && typeof cause.code === "string" && cause.code) || cause.message;
  return String(cause);
}
