/**
 * Interception: after a CONNECT to an intercepted host, the listener answers 200, terminates
 * the client's TLS with a leaf certificate minted for that host (ALPN pinned to http/1.1, so
 * the inner protocol is always HTTP/1.1), and feeds the decrypted connection to an inner HTTP
 * server. Each request on it goes to the edge; upgrades go through websocket.ts.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { isErrorCode } from "../../workers/lib/error-codes.ts";
import type { LeafCertificates } from "./certificates.ts";
import type { EdgeForwarder, Target } from "./edge-forwarder.ts";
import type { ProxySession } from "./proxy-auth.ts";
import { badProxyRequest, edgeUnreachable, ProxyError, respondWithError, writeErrorToSocket } from "./proxy-errors.ts";
import { relayUpgrade } from "./websocket.ts";

/** What an intercepted connection is for: the CONNECT target and the session that opened it. */
export type InterceptedConnection = { target: Target; session: ProxySession };

/** A port where a CONNECT carries plain HTTP rather than TLS. */
const PLAIN_HTTP_PORT = 80;

/**
 * The request target as the edge path wants it: origin-form (`/path?query`). Clients inside a
 * tunnel send origin-form; an absolute URL is reduced to its path and query.
 */
export function originForm(url: string | undefined): string {
  if (url?.startsWith("/")) return url;
  if (url && /^https?:\/\//i.test(url)) {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  }
  throw badProxyRequest("The request target must be a path such as /v1/items");
}

export class Interceptor {
  readonly #leaves: LeafCertificates;
  readonly #edge: EdgeForwarder;
  readonly #connections = new WeakMap<Duplex, InterceptedConnection>();
  readonly #server: http.Server;
  readonly #handshakeTimeoutMs: number;

  constructor(leaves: LeafCertificates, edge: EdgeForwarder, options: { handshakeTimeoutMs: number }) {
    this.#leaves = leaves;
    this.#edge = edge;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs;
    // The inner server's requests arrive over established tunnels; their heads get the same bound
    // (enforced only while requestTimeout is set: Node's default, 300 s, for a whole request).
    this.#server = http.createServer({
      headersTimeout: options.handshakeTimeoutMs,
      requestTimeout: 300_000,
      connectionsCheckingInterval: Math.max(100, Math.floor(options.handshakeTimeoutMs / 10)),
    });
    this.#server.on("request", (req: IncomingMessage, res: ServerResponse) => this.#onRequest(req, res));
    this.#server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#onUpgrade(req, socket, head));
    this.#server.on("clientError", (_error, socket: Duplex) => socket.destroy());
  }

  /**
   * Takes over a client socket whose CONNECT was accepted. Resolves once the connection is
   * handed to the inner server (or closed because no certificate could be minted).
   */
  async intercept(client: Socket, head: Buffer, connection: InterceptedConnection): Promise<void> {
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) client.unshift(head);
    if (connection.target.port === PLAIN_HTTP_PORT) {
      this.#connections.set(client, connection);
      this.#server.emit("connection", client);
      client.resume();
      return;
    }
    let secureContext: tls.SecureContext;
    try {
      secureContext = (await this.#leaves.get(connection.target.hostname)).secureContext;
    } catch {
      client.destroy();
      return;
    }
    // TLSSocket drains whatever the client already sent (its ClientHello) from the paused socket.
    const secure = new tls.TLSSocket(client, { isServer: true, secureContext, ALPNProtocols: ["http/1.1"] });
    // A client that does not trust the CA aborts the handshake; nothing to report to it.
    secure.on("error", () => secure.destroy());
    // One that never finishes it (or never starts) is closed: a CONNECT must not hold a socket forever.
    const handshake = setTimeout(() => secure.destroy(), this.#handshakeTimeoutMs);
    handshake.unref();
    secure.once("secure", () => clearTimeout(handshake));
    secure.once("close", () => clearTimeout(handshake));
    this.#connections.set(secure, connection);
    this.#server.emit("connection", secure);
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const connection = this.#connections.get(req.socket);
    if (!connection) {
      respondWithError(res, new ProxyError(500, "internal_error", "Lost track of this intercepted connection"));
      return;
    }
    let path: string;
    try {
      path = originForm(req.url);
    } catch (error) {
      respondWithError(res, error as ProxyError);
      return;
    }
    this.#edge.forward(req, res, connection.target, path, connection.session);
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const connection = this.#connections.get(req.socket);
    let path: string;
    try {
      if (!connection) throw new ProxyError(500, "internal_error", "Lost track of this intercepted connection");
      path = originForm(req.url);
    } catch (error) {
      writeErrorToSocket(socket, error as ProxyError);
      return;
    }
    const { target, session } = connection;
    const outgoing = this.#edge.request(req.method ?? "GET", target, path, req.rawHeaders, session, { upgrade: true });
    relayUpgrade(
      socket,
      head,
      outgoing,
      (error) => edgeUnreachable(this.#edge.addr, error),
      (res) => {
        if (isErrorCode(res.headers["x-edgevault-error"], "forbidden")) session.hosts.invalidate();
      },
    );
  }
}
