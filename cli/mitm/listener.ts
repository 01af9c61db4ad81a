/**
 * The local MITM proxy listener: one HTTP server that takes CONNECT (https:// traffic),
 * absolute-form requests (plain http://) and upgrades, authenticates each with
 * `Proxy-Authorization`, and then either intercepts (a service host, or any host when the
 * vault denies unmatched hosts: the edge decides) or passes the traffic through untouched.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { isIP, type AddressInfo, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { LeafCertificates } from "./certificates.ts";
import { EdgeForwarder, type Target } from "./edge-forwarder.ts";
import { Interceptor } from "./intercept.ts";
import type { ProxySession, ProxySessions } from "./proxy-auth.ts";
import { badProxyRequest, edgeUnreachable, ProxyError, respondWithError, writeErrorToSocket } from "./proxy-errors.ts";
import type { Verdict } from "./service-hosts.ts";
import { passThroughRequest, tunnel } from "./tunnel.ts";
import { directUpgradeRequest, relayUpgrade } from "./websocket.ts";

export const DEFAULT_PROXY_PORT = 14322;

/**
 * Bounds that keep one misbehaving client from starving the rest (docs/cli.md): open connections
 * at most (beyond, new ones are closed at once), a request head — or, after a CONNECT, the TLS
 * handshake — complete within HEAD_TIMEOUT_MS or the connection is closed (slowloris), and an
 * idle keep-alive connection closed after KEEP_ALIVE_TIMEOUT_MS.
 */
export const MAX_CONNECTIONS = 1024;
export const HEAD_TIMEOUT_MS = 10_000;
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** A whole plain-http request, body included (tunnelled and intercepted traffic is not bound by it). */
export const REQUEST_TIMEOUT_MS = 300_000;

export type ListenerOptions = {
  /** The edge, e.g. http://127.0.0.1:14321. */
  edgeAddr: string;
  sessions: ProxySessions;
  leaves: LeafCertificates;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default MAX_CONNECTIONS. */
  maxConnections?: number;
  /** Default HEAD_TIMEOUT_MS. */
  headTimeoutMs?: number;
  /**
   * Hears, as one line, why a direct connection to a host without a service failed and what to
   * do (the client may show only a status). Default: `edgevault: <line>` on stderr.
   */
  notice?: (line: string) => void;
};

export type MitmListener = {
  host: string;
  port: number;
  /** Stops accepting, closes every open connection and the edge connections. */
  close(): Promise<void>;
};

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/**
 * `host:port` or `[v6]:port` from a CONNECT request line.
 * @example parseConnectTarget("api.stripe.com:443") // { hostname: "api.stripe.com", port: 443 }
 */
export function parseConnectTarget(authority: string | undefined): Target {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(authority ?? "");
  const hostname = (match?.[1] ?? match?.[2])?.toLowerCase().replace(/\.$/, "");
  const port = Number(match?.[3]);
  if (!hostname || !(match?.[1] ? isIP(hostname) === 6 : isIP(hostname) === 4 || HOSTNAME.test(hostname)) || !(port >= 1 && port <= 65535)) {
    throw badProxyRequest("CONNECT needs a host:port target, such as api.example.com:443");
  }
  return { hostname, port };
}

/**
 * Starts the listener.
 * @example
 * const listener = await startListener({ edgeAddr, sessions: new SingleSession(token, vault, hosts), leaves: new LeafCertificates(ca) });
 */
export async function startListener(options: ListenerOptions): Promise<MitmListener> {
  const edge = new EdgeForwarder(options.edgeAddr);
  const headTimeoutMs = options.headTimeoutMs ?? HEAD_TIMEOUT_MS;
  const interceptor = new Interceptor(options.leaves, edge, { handshakeTimeoutMs: headTimeoutMs });
  const sockets = new Set<Socket>();
  const notice = options.notice ?? ((line: string) => process.stderr.write(`edgevault: ${line}\n`));
  // Node checks the head deadline every connectionsCheckingInterval (a tenth of it keeps the bound
  // tight), and only while requestTimeout is set: Node's own default, generous for plain uploads.
  const server = http.createServer({
    headersTimeout: headTimeoutMs,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: Math.max(100, Math.floor(headTimeoutMs / 10)),
  });
  server.maxConnections = options.maxConnections ?? MAX_CONNECTIONS;
  let self: Target = { hostname: options.host ?? "127.0.0.1", port: options.port ?? 0 };

  /** Never intercept the edge itself (agents call its API), nor loop back into the listener. */
  const special = (target: Target): "edge" | "self" | undefined => {
    if (sameTarget(target, edge.target)) return "edge";
    if (target.port === self.port && (sameTarget(target, self) || LOOPBACK.has(target.hostname))) return "self";
    return undefined;
  };

  const decide = async (session: ProxySession, target: Target): Promise<Verdict> => {
    const kind = special(target);
    if (kind === "self") throw badProxyRequest("The target is this proxy itself");
    if (kind === "edge") return "tunnel";
    try {
      return await session.hosts.verdict(target.hostname, target.port);
    } catch (error) {
      throw edgeUnreachable(edge.addr, error);
    }
  };

  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  server.on("connect", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    // Held until it is decided what reads this socket: nothing the client sends may be lost.
    socket.pause();
    socket.on("error", () => socket.destroy());
    void (async () => {
      const session = await options.sessions.authenticate(req.headers["proxy-authorization"]);
      const target = parseConnectTarget(req.url);
      if ((await decide(session, target)) === "intercept") await interceptor.intercept(socket, head, { target, session });
      else tunnel(socket, head, target, { vault: session.hosts.vault, notice });
    })().catch((error: unknown) => writeErrorToSocket(socket, asProxyError(error)));
  });

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = absoluteUrl(req.url);
      const session = await options.sessions.authenticate(req.headers["proxy-authorization"]);
      const target = targetOf(url);
      if ((await decide(session, target)) === "intercept") edge.forward(req, res, target, `${url.pathname}${url.search}`, session);
      else passThroughRequest(req, res, url, { vault: session.hosts.vault, notice });
    })().catch((error: unknown) => respondWithError(res, asProxyError(error)));
  });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    void (async () => {
      const url = absoluteUrl(req.url);
      const session = await options.sessions.authenticate(req.headers["proxy-authorization"]);
      const target = targetOf(url);
      if ((await decide(session, target)) === "intercept") {
        const outgoing = edge.request(req.method ?? "GET", target, `${url.pathname}${url.search}`, req.rawHeaders, session, { upgrade: true });
        relayUpgrade(socket, head, outgoing, (error) => edgeUnreachable(edge.addr, error));
      } else {
        relayUpgrade(
          socket,
          head,
          directUpgradeRequest(req, url),
          (error) => new ProxyError(502, "upstream_unreachable", `Could not reach ${url.host} (${String(error)})`),
        );
      }
    })().catch((error: unknown) => writeErrorToSocket(socket, asProxyError(error)));
  });

  server.on("clientError", (_error, socket: Duplex) => {
    if (socket.writable) writeErrorToSocket(socket, badProxyRequest("Malformed proxy request"));
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  self = { hostname: address.address, port: address.port };

  return {
    host: address.address,
    port: address.port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      edge.close();
      await closed;
    },
  };
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "0.0.0.0", "::"]);

function sameTarget(a: Target, b: Target): boolean {
  return a.port === b.port && a.hostname.toLowerCase() === b.hostname.toLowerCase();
}

/** A plain-proxy request line carries an absolute URL; anything else was not meant for a proxy. */
function absoluteUrl(raw: string | undefined): URL {
  let url: URL | undefined;
  try {
    url = raw && /^(https?|wss?):\/\//i.test(raw) ? new URL(raw) : undefined;
  } catch {
    url = undefined;
  }
  if (!url) throw badProxyRequest("This is Edgevault's local proxy: send requests through it (HTTPS_PROXY / HTTP_PROXY), with an absolute http:// URL");
  return url;
}

/**
 * The target of an absolute-form request. Plain http:// on its default port is matched as the
 * service's default port: the edge reaches the upstream over https either way.
 */
function targetOf(url: URL): Target {
  // The same rules as a CONNECT target: a name the WHATWG parser lets through (`!0,h`) is refused here.
  return parseConnectTarget(`${url.hostname}:${url.port || "443"}`);
}

function asProxyError(error: unknown): ProxyError {
  return error instanceof ProxyError ? error : new ProxyError(500, "internal_error", "The local proxy failed to handle this request");
}
