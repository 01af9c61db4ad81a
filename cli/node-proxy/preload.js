// @ts-check
/**
 * Preloaded into every Node.js process `vault run` starts (`NODE_OPTIONS=--import=<this file>`,
 * node-options.ts): Node's own `fetch()` and `https.request()`/`https.get()` then go through
 * HTTPS_PROXY, as NODE_USE_ENV_PROXY=1 makes them do on Node 22.21+ and 24.5+, on the versions
 * that ignore it (Node 20, the CLI's minimum). Without it a Node 20 agent's fetch would go
 * straight to the real host, silently and without its credential, or fail on a service host
 * that only exists behind the proxy.
 *
 * - fetch: undici's EnvHttpProxyAgent becomes the global dispatcher Node's fetch uses, the same
 *   agent Node's own NODE_USE_ENV_PROXY support installs. It is made on the first request, so a
 *   process that never fetches does not pay for loading undici (about 60 ms).
 * - https: `https.globalAgent` opens each connection as a CONNECT tunnel through the proxy, then
 *   TLS inside it (NODE_EXTRA_CA_CERTS, set by vault run, trusts the local CA).
 * - NO_PROXY and no_proxy are honoured by both, with undici's rules.
 *
 * This file is plain JavaScript because Node loads it before anything could compile it; it
 * never throws at load, so a child always starts, proxied or not.
 */
import https from "node:https";
import { createRequire } from "node:module";
import net from "node:net";
import tls from "node:tls";
import { bypassesProxy, nativeProxySupport } from "./proxy-rules.js";

/** The symbol under which undici (Node's bundled copy and the npm package alike) keeps fetch's dispatcher. */
const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
/** A proxy's answer to CONNECT is a short head; anything longer is not a proxy we can use. */
const MAX_CONNECT_HEAD = 16 * 1024;
const DEFAULT_PORTS = /** @type {const} */ ({ "http:": 80, "https:": 443 });

/** @param {NodeJS.ProcessEnv} env */
const noProxyOf = (env) => env.no_proxy ?? env.NO_PROXY ?? "";

/**
 * undici's EnvHttpProxyAgent, without its one-time "experimental" warning: every Node process
 * under vault run would print it on stderr, and Node's own NODE_USE_ENV_PROXY support uses the
 * same agent without a word. Plain http:// URLs go to the proxy as absolute-form requests (as
 * curl sends them), which the local proxy forwards like any request through HTTP_PROXY.
 */
function envProxyAgent() {
  /** @type {typeof import("undici")} */
  const undici = createRequire(import.meta.url)("undici");
  const emitWarning = process.emitWarning;
  process.emitWarning = /** @type {typeof process.emitWarning} */ (
    (/** @type {string | Error} */ warning, /** @type {unknown[]} */ ...rest) => {
      const code = typeof rest[0] === "object" && rest[0] !== null ? /** @type {{ code?: string }} */ (rest[0]).code : rest[1];
      if (code !== "UNDICI-EHPA") Reflect.apply(emitWarning, process, [warning, ...rest]);
    }
  );
  try {
    // undici 6.29's ProxyAgent takes `proxyTunnel` (plain http:// goes absolute-form); its types lag behind.
    const options = /** @type {import("undici").EnvHttpProxyAgent.Options} */ ({ proxyTunnel: false });
    return new undici.EnvHttpProxyAgent(options);
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * Makes fetch's global dispatcher a stand-in that creates the EnvHttpProxyAgent on its first
 * request and hands it every call. Node's fetch only ever calls `dispatch`; the rest is there
 * for code that closes or inspects the global dispatcher.
 */
function installFetchProxy() {
  /** @type {import("undici").Dispatcher | undefined} */
  let agent;
  const real = () => {
    agent ??= envProxyAgent();
    return agent;
  };
  const lazy = {
    /** @param {import("undici").Dispatcher.DispatchOptions} options @param {import("undici").Dispatcher.DispatchHandlers} handler */
    dispatch: (options, handler) => real().dispatch(options, handler),
    close: () => (agent ? agent.close() : Promise.resolve()),
    destroy: () => (agent ? agent.destroy() : Promise.resolve()),
  };
  // What undici's setGlobalDispatcher does, without loading undici to do it.
  Object.defineProperty(globalThis, GLOBAL_DISPATCHER, { value: lazy, writable: true, enumerable: false, configurable: false });
}

/**
 * A proxy's refusal as an error a person can act on: its status, and the message of the JSON body
 * the local proxy and the edge answer with, when there is one.
 * @param {string} target
 * @param {string} head
 * @param {string} body
 */
function connectRefused(target, head, body) {
  const status = head.split(" ", 3)[1] ?? "?";
  let message = "";
  try {
    const parsed = JSON.parse(body);
    if (parsed && typeof parsed.message === "string") message = `: ${parsed.message}`;
  } catch {
    // Not JSON: the status says enough.
  }
  return Object.assign(new Error(`The proxy refused CONNECT ${target} with HTTP ${status}${message}`), { code: "ERR_PROXY_CONNECT" });
}

/**
 * Opens a CONNECT tunnel to `target` through the proxy and calls back with the raw socket.
 * @param {URL} proxy
 * @param {string} target host:port
 * @param {(error: Error | null, socket?: net.Socket) => void} callback
 */
function openTunnel(proxy, target, callback) {
  const socket = net.connect(Number(proxy.port) || DEFAULT_PORTS["http:"], proxy.hostname.replace(/^\[|\]$/g, ""));
  const auth =
    proxy.username === ""
      ? ""
      : `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString("base64")}\r\n`;
  /** @type {Buffer[]} */
  const chunks = [];
  let settled = false;
  /** @param {Error | null} error */
  const settle = (error) => {
    if (settled) return;
    settled = true;
    socket.off("data", onData).off("error", settle).off("close", onClose);
    if (error) socket.destroy();
    callback(error, error ? undefined : socket);
  };
  const onClose = () => settle(new Error(`The proxy closed the connection before answering CONNECT ${target}`));
  /** @param {Buffer} chunk */
  function onData(chunk) {
    chunks.push(chunk);
    const received = Buffer.concat(chunks);
    const end = received.indexOf("\r\n\r\n");
    if (end === -1) {
      if (received.length > MAX_CONNECT_HEAD) settle(new Error(`The proxy's answer to CONNECT ${target} is not HTTP`));
      return;
    }
    const head = received.subarray(0, end).toString("latin1");
    const rest = received.subarray(end + 4);
    if (!/^HTTP\/1\.[01] 200[ \r]/.test(head)) return settle(connectRefused(target, head.split("\r\n")[0] ?? "", rest.toString("utf8")));
    // TLS speaks first after a 200, so nothing should follow the head; if something did, TLS reads it.
    if (rest.length > 0) socket.unshift(rest);
    settle(null);
  }
  socket.on("data", onData).once("error", settle).once("close", onClose);
  socket.once("connect", () => socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`));
}

/**
 * `https.globalAgent` with every connection tunnelled through `proxy`, except to hosts NO_PROXY
 * names. The agent's own pooling, keep-alive and TLS options are kept: only the socket under TLS
 * changes.
 */
class TunnellingAgent extends https.Agent {
  #proxy;
  #noProxy;

  /** @param {URL} proxy @param {string} noProxy @param {https.AgentOptions} options */
  constructor(proxy, noProxy, options) {
    super(options);
    this.#proxy = proxy;
    this.#noProxy = noProxy;
  }

  /**
   * Called by the agent with the request's TLS options; answering through the callback (and
   * returning nothing) is how an agent makes a connection asynchronously.
   * @override
   * @param {tls.ConnectionOptions & { host?: string, port?: number }} options
   * @param {(error: Error | null, socket?: import("node:stream").Duplex) => void} callback
   * @returns {import("node:stream").Duplex | undefined}
   */
  createConnection(options, callback) {
    const host = (options.host ?? "localhost").toLowerCase();
    const port = Number(options.port) || DEFAULT_PORTS["https:"];
    const hostname = net.isIPv6(host) ? `[${host}]` : host;
    if (bypassesProxy(this.#noProxy, hostname, port)) return tls.connect({ ...options, host, port });
    openTunnel(this.#proxy, `${hostname}:${port}`, (error, socket) => {
      if (error || !socket) return callback(error ?? new Error("no tunnel"));
      const secure = tls.connect({ ...options, host, port, socket, servername: options.servername || (net.isIP(host) ? undefined : host) });
      callback(null, secure);
    });
    return undefined;
  }
}

/** @param {URL} proxy @param {string} noProxy */
function installHttpsProxy(proxy, noProxy) {
  // Node 20's default: keep-alive on, as https.globalAgent has it.
  https.globalAgent = new TunnellingAgent(proxy, noProxy, { keepAlive: true });
}

/** @param {string | undefined} value */
function proxyUrl(value) {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "http:" ? url : undefined;
  } catch {
    return undefined;
  }
}

try {
  const proxy = proxyUrl(process.env.https_proxy ?? process.env.HTTPS_PROXY);
  const native = nativeProxySupport(process.versions.node);
  if (proxy && !native.fetch) installFetchProxy();
  if (proxy && !native.https) installHttpsProxy(proxy, noProxyOf(process.env));
} catch (error) {
  // The child runs unproxied rather than not at all; say so once.
  process.stderr.write(`edgevault: could not route Node's fetch and https through the proxy: ${error instanceof Error ? error.message : String(error)}\n`);
}
