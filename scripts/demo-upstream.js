/**
 * The demo's upstream API: a loopback HTTP server that answers every request with what it
 * received (method, path, headers, body size), so a person trying Edgevault sees the credential
 * the edge injected arrive. `npm start` serves it on 127.0.0.1:14329 beside the edge, and
 * `edgevault demo` points its services at it; nothing leaves the machine.
 *
 * Credential-bearing headers are echoed masked: their first characters (`Bearer demo_sk_`), then
 * `…` and the length. Enough to recognise which credential arrived, never the secret itself, so
 * a terminal, a screenshot or a test's output never carries it (and the edge's response
 * redaction, which replaces a stored credential echoed back whole, has nothing to hide).
 */
import { createServer } from "node:http";

export const DEMO_UPSTREAM_PORT = 14329;
export const DEMO_UPSTREAM_HOST = "127.0.0.1";

/** How many characters of a credential are shown: the demo's `demo_sk_` prefix and no more. */
const SHOWN_PREFIX = 8;
/** Headers whose value is a credential, or may carry one. */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key)$|key|token|secret|auth|password|signature/i;

/**
 * `Bearer demo_sk_4f1c…` → `Bearer demo_sk_… (40 chars)`: an auth scheme stays readable, the
 * secret after it keeps only its prefix.
 * @param {string} value
 */
export function maskSecret(value) {
  const scheme = /^([A-Za-z][A-Za-z0-9-]*) +(.*)$/.exec(value);
  const [prefix, secret] = scheme && /^(bearer|basic|token|digest)$/i.test(scheme[1] ?? "") ? [`${scheme[1]} `, scheme[2] ?? ""] : ["", value];
  return `${prefix}${secret.slice(0, SHOWN_PREFIX)}… (${secret.length} chars)`;
}

/**
 * What the upstream says it received, credentials masked.
 * @param {import("node:http").IncomingMessage} req
 * @param {number} bytes
 */
function received(req, bytes) {
  /** @type {Record<string, string>} */
  const headers = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? "").toLowerCase();
    const value = req.rawHeaders[i + 1] ?? "";
    headers[name] = SECRET_HEADER.test(name) ? maskSecret(value) : value;
  }
  return { upstream: "edgevault demo echo", method: req.method ?? "GET", path: req.url ?? "/", headers, body_bytes: bytes };
}

/**
 * Starts the echo upstream; resolves once it listens. `port` 0 picks a free one, and `onRequest`
 * sees each request's headers as they arrived, unmasked (tests, to check what really came).
 * @param {{ port?: number, host?: string, onRequest?: (headers: import("node:http").IncomingHttpHeaders) => void }} [options]
 * @returns {Promise<{ origin: string, close(): Promise<void> }>}
 */
export function startDemoUpstream(options = {}) {
  const host = options.host ?? DEMO_UPSTREAM_HOST;
  const server = createServer((req, res) => {
    options.onRequest?.({ ...req.headers });
    let bytes = 0;
    req.on("data", (chunk) => {
      bytes += chunk.length;
    });
    req.on("end", () => {
      const body = `${JSON.stringify(received(req, bytes), null, 2)}\n`;
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
      res.end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEMO_UPSTREAM_PORT, host, () => {
      server.off("error", reject);
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : options.port;
      resolve({
        origin: `http://${host}:${port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done(undefined));
          }),
      });
    });
  });
}
