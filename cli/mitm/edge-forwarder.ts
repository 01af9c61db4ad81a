/**
 * Sends intercepted requests to the edge's `/proxy/{host[:port]}{path}?{query}` with the
 * session token, which is where the credential is injected: the listener never sees one.
 * Bodies stream both ways through keep-alive connections; nothing is buffered. The edge's
 * answers, its errors included (JSON with `X-Edgevault-Error`), reach the client unchanged
 * apart from hop-by-hop headers.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { pipeline } from "node:stream";
import { isErrorCode } from "../../workers/lib/error-codes.ts";
import { edgeUnreachable, respondWithError } from "./proxy-errors.ts";
import type { ProxySession } from "./proxy-auth.ts";
import { HOP_BY_HOP_HEADERS } from "../../workers/lib/forward-headers.ts";

/** A host and port the client asked for; 443 (or 80 for plain http) is the default. */
export type Target = { hostname: string; port: number };

/** RFC 9110 §7.6.1, plus Proxy-Connection: the edge's own list (workers/lib/forward-headers.ts). */
const HOP_BY_HOP = new Set(HOP_BY_HOP_HEADERS);
/**
 * Set by the forwarder itself: the edge authenticates `Authorization` (the session token
 * replaces whatever the client sent; the edge would drop it anyway), `Host` names the edge,
 * `X-Vault` comes from the proxy credentials. `Expect` was already answered by the listener.
 */
const SET_HERE = new Set(["host", "authorization", "x-vault", "expect"]);

type Headers = Record<string, string[]>;

/**
 * The client's headers as the edge should see them, from `rawHeaders` so repeated fields stay
 * repeated. With `keepUpgrade`, `Upgrade` and `Connection: Upgrade` survive (WebSocket).
 * @example forwardableHeaders(req.rawHeaders, { drop: SET_HERE })
 */
export function forwardableHeaders(rawHeaders: readonly string[], options: { drop?: ReadonlySet<string>; keepUpgrade?: boolean } = {}): Headers {
  const named = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === "connection") for (const name of (rawHeaders[i + 1] ?? "").split(",")) named.add(name.trim().toLowerCase());
  }
  const headers: Headers = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]?.toLowerCase();
    const value = rawHeaders[i + 1];
    if (name === undefined || value === undefined) continue;
    if (options.keepUpgrade && name === "upgrade") {
      headers.upgrade = [value];
      continue;
    }
    if (HOP_BY_HOP.has(name) || named.has(name) || options.drop?.has(name)) continue;
    const values = headers[name] ?? [];
    values.push(value);
    headers[name] = values;
  }
  if (options.keepUpgrade && headers.upgrade) headers.connection = ["Upgrade"];
  return headers;
}

/** `host`, `host:port`, `[v6]:port`: how the edge's `/proxy/` path names a target. */
export function hostSegment(target: Target): string {
  const host = isIP(target.hostname) === 6 ? `[${target.hostname}]` : target.hostname;
  return target.port === 443 ? host : `${host}:${target.port}`;
}

export class EdgeForwarder {
  readonly addr: string;
  readonly #base: URL;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;

  /** @param addr The edge, e.g. https://edgevault.example.com (a path prefix is kept). */
  constructor(addr: string) {
    this.addr = addr;
    this.#base = new URL(addr);
    const secure = this.#base.protocol === "https:";
    // One pool of kept-alive connections for every intercepted request of every client.
    this.#agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 64 }) : new http.Agent({ keepAlive: true, maxSockets: 64 });
    this.#request = secure ? https.request : http.request;
  }

  /** The edge's host:port, so the listener never intercepts (or denies) the edge itself. */
  get target(): Target {
    return { hostname: this.#base.hostname.replace(/^\[|\]$/g, ""), port: Number(this.#base.port) || (this.#base.protocol === "https:" ? 443 : 80) };
  }

  /**
   * A request to the edge for `target`, carrying the session token; the caller writes the body.
   * `pathAndQuery` is the client's origin-form target (`/v1/charges?limit=3`).
   */
  request(
    method: string,
    target: Target,
    pathAndQuery: string,
    rawHeaders: readonly string[],
    session: ProxySession,
    options: { upgrade?: boolean } = {},
  ): http.ClientRequest {
    const headers = forwardableHeaders(rawHeaders, { drop: SET_HERE, keepUpgrade: options.upgrade });
    headers.authorization = [`Bearer ${session.token}`];
    if (session.vaultHeader) headers["x-vault"] = [session.vaultHeader];
    if (rawHeaders.some((v, i) => i % 2 === 0 && v.toLowerCase() === "transfer-encoding")) headers["transfer-encoding"] = ["chunked"];
    const prefix = this.#base.pathname.replace(/\/+$/, "");
    return this.#request({
      protocol: this.#base.protocol,
      hostname: this.#base.hostname.replace(/^\[|\]$/g, ""),
      port: this.#base.port || undefined,
      method,
      path: `${prefix}/proxy/${hostSegment(target)}${pathAndQuery}`,
      headers,
      agent: this.#agent,
    });
  }

  /**
   * Forwards one request and streams the answer back. A 403 `forbidden` from the edge means
   * the service list may be stale: `session.hosts` is told to refresh.
   */
  forward(req: IncomingMessage, res: ServerResponse, target: Target, pathAndQuery: string, session: ProxySession): void {
    const outgoing = this.request(req.method ?? "GET", target, pathAndQuery, req.rawHeaders, session);
    let answered = false;
    outgoing.on("response", (edgeRes) => {
      answered = true;
      if (isErrorCode(edgeRes.headers["x-edgevault-error"], "forbidden")) session.hosts.invalidate();
      const headers = forwardableHeaders(edgeRes.rawHeaders);
      res.writeHead(edgeRes.statusCode ?? 502, edgeRes.statusMessage, headers);
      pipeline(edgeRes, res, () => undefined);
    });
    outgoing.on("error", (error) => {
      if (!answered) respondWithError(res, edgeUnreachable(this.addr, error));
      else res.destroy();
    });
    // The client went away mid-request or mid-response: stop the edge's work too.
    res.on("close", () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    // pipe, not pipeline: a failed edge request must not tear down the client's socket before
    // the 502 above is written on it.
    req.on("error", () => outgoing.destroy());
    req.pipe(outgoing);
  }

  close(): void {
    this.#agent.destroy();
  }
}
