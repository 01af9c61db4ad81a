/**
 * Sends intercepted requests to the edge's `/proxy/{host[:port]}{path}?{query}` with the
 * session token, which is where the credential is injected: the listener never sees one.
 * Bodies stream both ways through keep-alive connections; nothing is buffered. The client's
 * `X-Edgevault-*` headers stay here (the edge's namespace: the listener itself sends none, and
 * the edge drops them too). The edge's answers, its errors included (JSON with
 * `X-Edgevault-Error`), reach the client unchanged apart from hop-by-hop headers.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { isErrorCode } from "../../workers/lib/error-codes.ts";
import { EDGEVAULT_HEADER_PREFIX } from "../../workers/lib/http/forward-headers.ts";
import { forwardableHeaders, forwardableRawHeaders } from "./forwardable-headers.ts";
import { edgeUnreachable, respondWithError } from "./proxy-errors.ts";
import type { ProxySession } from "./proxy-auth.ts";

/** A host and port the client asked for; 443 (or 80 for plain http) is the default. */
export type Target = { hostname: string; port: number };

/**
 * Set by the forwarder itself: the edge authenticates `Authorization` (the session token
 * replaces whatever the client sent; the edge would drop it anyway), `Host` names the edge,
 * `X-Vault` comes from the proxy credentials. `Expect` was already answered by the listener.
 */
const SET_HERE = new Set(["host", "authorization", "x-vault", "expect"]);

/** `host`, `host:port`, `[v6]:port`: how the edge's `/proxy/` path names a target. */
export function hostSegment(target: Target): string {
  const host = isIP(target.hostname) === 6 ? `[${target.hostname}]` : target.hostname;
  return target.port === 443 ? host : `${host}:${target.port}`;
}

/** Whether a request carries a body: a framing header (RFC 9112 §6.3), or a non-zero length. */
function hasBody(rawHeaders: readonly string[]): { chunked: boolean; body: boolean } {
  let chunked = false;
  let body = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name?.length === 17 && name.toLowerCase() === "transfer-encoding") chunked = body = true;
    else if (name?.length === 14 && name.toLowerCase() === "content-length" && rawHeaders[i + 1]?.trim() !== "0") body = true;
  }
  return { chunked, body };
}

export class EdgeForwarder {
  readonly addr: string;
  readonly #base: URL;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;
  readonly #hostname: string;
  readonly #port: string | undefined;
  /** `Host` for the edge, and the path up to the target: computed once, not per request. */
  readonly #host: string;
  readonly #prefix: string;
  readonly #paths = new WeakMap<Target, string>();

  /** @param addr The edge, e.g. https://edgevault.example.com (a path prefix is kept). */
  constructor(addr: string) {
    this.addr = addr;
    this.#base = new URL(addr);
    const secure = this.#base.protocol === "https:";
    // One pool of kept-alive connections for every intercepted request of every client; no Nagle
    // delay on a request head written in one piece.
    const options = { keepAlive: true, maxSockets: 64, noDelay: true };
    this.#agent = secure ? new https.Agent(options) : new http.Agent(options);
    this.#request = secure ? https.request : http.request;
    this.#hostname = this.#base.hostname.replace(/^\[|\]$/g, "");
    this.#port = this.#base.port || undefined;
    this.#host = this.#base.host;
    this.#prefix = `${this.#base.pathname.replace(/\/+$/, "")}/proxy/`;
  }

  /** The edge's host:port, so the listener never intercepts (or denies) the edge itself. */
  get target(): Target {
    return { hostname: this.#hostname, port: Number(this.#base.port) || (this.#base.protocol === "https:" ? 443 : 80) };
  }

  /** `/proxy/<host[:port]>` for a target; an intercepted connection's target is one object, so it is built once per connection. */
  #pathOf(target: Target): string {
    let path = this.#paths.get(target);
    if (path === undefined) {
      path = `${this.#prefix}${hostSegment(target)}`;
      this.#paths.set(target, path);
    }
    return path;
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
    options: { upgrade?: boolean; chunked?: boolean } = {},
  ): http.ClientRequest {
    // A flat list: Node writes it as given (Host included, which it adds only to object headers).
    const headers = forwardableRawHeaders(rawHeaders, { drop: SET_HERE, dropPrefix: EDGEVAULT_HEADER_PREFIX, keepUpgrade: options.upgrade });
    headers.push("host", this.#host, "authorization", `Bearer ${session.token}`);
    if (session.vaultHeader) headers.push("x-vault", session.vaultHeader);
    if (options.chunked ?? hasBody(rawHeaders).chunked) headers.push("transfer-encoding", "chunked");
    return this.#request({
      protocol: this.#base.protocol,
      hostname: this.#hostname,
      port: this.#port,
      method,
      path: `${this.#pathOf(target)}${pathAndQuery}`,
      headers,
      agent: this.#agent,
    });
  }

  /**
   * Forwards one request and streams the answer back. A 403 `forbidden` from the edge means
   * the service list may be stale: `session.hosts` is told to refresh.
   */
  forward(req: IncomingMessage, res: ServerResponse, target: Target, pathAndQuery: string, session: ProxySession): void {
    const { chunked, body } = hasBody(req.rawHeaders);
    const outgoing = this.request(req.method ?? "GET", target, pathAndQuery, req.rawHeaders, session, { chunked });
    let answered = false;
    outgoing.on("response", (edgeRes: IncomingMessage) => {
      answered = true;
      // `headers` is built on first use: only a 403 can be `forbidden`, so only a 403 pays for it.
      if (edgeRes.statusCode === 403 && isErrorCode(edgeRes.headers["x-edgevault-error"], "forbidden")) session.hosts.invalidate();
      res.writeHead(edgeRes.statusCode ?? 502, edgeRes.statusMessage, forwardableHeaders(edgeRes.rawHeaders));
      relayBody(edgeRes, res);
    });
    outgoing.on("error", (error) => {
      if (!answered) respondWithError(res, edgeUnreachable(this.addr, error));
      else res.destroy();
    });
    // The client went away mid-request or mid-response: stop the edge's work too.
    res.on("close", () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    if (!body) {
      // Nothing to stream: the head goes out at once, without a pipe to set up and tear down.
      outgoing.end();
      return;
    }
    // pipe, not pipeline: a failed edge request must not tear down the client's socket before
    // the 502 above is written on it.
    req.on("error", () => outgoing.destroy());
    req.pipe(outgoing);
  }

  close(): void {
    this.#agent.destroy();
  }
}

/**
 * The edge's answer body to the client, with backpressure. Not `stream.pipeline`, which makes
 * an AbortSignal (and a DOMException) per request, nor `pipe`, which adds and removes six
 * listeners: each is a measurable share of an intercepted request (bench/README.md). An error
 * on either side is handled by `forward` (the edge request's, the response's close).
 */
function relayBody(from: IncomingMessage, to: ServerResponse): void {
  from.on("data", (chunk: Buffer) => {
    if (!to.write(chunk)) {
      from.pause();
      to.once("drain", () => from.resume());
    }
  });
  from.on("end", () => to.end());
  from.on("error", () => to.destroy());
}
