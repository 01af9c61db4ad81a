/**
 * What the MITM proxy tests need around the real listener: a plain-http upstream that records
 * what reached it (a service's dev `upstream`), a TLS server with its own self-signed
 * certificate (a host that is tunnelled, not intercepted), `edgevault proxy` as a child
 * process, and clients that go through the proxy the way real ones do.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { execFile, spawn } from "node:child_process";
import { createHash, webcrypto } from "node:crypto";
import { once } from "node:events";
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import path from "node:path";
import { ROOT } from "./edge.ts";

export type Received = { method: string; url: string; headers: IncomingHttpHeaders; rawHeaders: string[]; body: Buffer };

export type Upstream = { port: number; origin: string; received: Received[]; close(): Promise<void> };

/**
 * A plain-http server standing in for a service's real API. It answers JSON naming what it
 * got; `/echo` answers with the request body itself, streamed back.
 */
export async function startUpstream(): Promise<Upstream> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, rawHeaders: req.rawHeaders, body });
      if (req.url?.startsWith("/echo")) {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.end(body);
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "x-upstream": "yes" });
      res.end(JSON.stringify({ upstream: true, method: req.method, url: req.url, bytes: body.length }));
    });
  });
  // A WebSocket endpoint: completes the handshake, then answers each text frame with "echo:<text>".
  const upgraded = new Set<Duplex>();
  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex) => {
    upgraded.add(socket);
    socket.on("close", () => upgraded.delete(socket));
    received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.alloc(0) });
    const accept = createHash("sha1")
      .update(`${String(req.headers["sec-websocket-key"])}${WEBSOCKET_GUID}`)
      .digest("base64");
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    readTextFrames(socket, (text) => socket.write(textFrame(`echo:${text}`, false)));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    received,
    close: () => {
      // Upgraded sockets are no longer the server's to close: the edge may still hold them.
      for (const socket of upgraded) socket.destroy();
      return closeServer(server);
    },
  };
}

export type TlsServer = { host: string; port: number; certPem: string; received: Received[]; close(): Promise<void> };

/**
 * An HTTPS server on 127.0.0.2 (loopback, but not in NO_PROXY) with its own self-signed
 * certificate: a host without a service, which the proxy must tunnel, not intercept.
 */
export async function startTlsServer(): Promise<TlsServer> {
  const host = "127.0.0.2";
  const { certPem, keyPem } = await selfSigned(host);
  const received: Received[] = [];
  const server = https.createServer({ cert: certPem, key: keyPem }, (req, res) => {
    received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.alloc(0) });
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("hello from the real server\n");
  });
  server.listen(0, host);
  await once(server, "listening");
  return { host, port: (server.address() as AddressInfo).port, certPem, received, close: () => closeServer(server) };
}

async function selfSigned(ip: string): Promise<{ certPem: string; keyPem: string }> {
  const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "0badcafe",
    name: "CN=The real tunnel test server",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 24 * 3600_000),
    keys,
    signingAlgorithm: algorithm,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "ip", value: ip }]), new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64");
  return { certPem: cert.toString("pem"), keyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)?.join("\n")}\n-----END PRIVATE KEY-----\n` };
}

export type ProxyProcess = { url: string; port: number; stderr: () => string; stop(): Promise<number | null> };

/** `edgevault proxy --port 0` as a child; resolves once it printed its URL on stdout. */
export async function startProxyCli(configHome: string, env: Record<string, string>): Promise<ProxyProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, "cli", "bin", "edgevault.js"), "proxy", "--port", "0"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: configHome, XDG_CONFIG_HOME: configHome, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      const line = /^(http:\/\/\S+)\n/.exec(stdout);
      if (line?.[1]) resolve(line[1]);
    });
    child.once("exit", (code) => reject(new Error(`edgevault proxy exited (${code}) before it was ready:\n${stderr}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    stderr: () => stderr,
    async stop() {
      process.removeListener("exit", kill);
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, "exit");
      child.kill("SIGINT");
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

export type ConnectResult = { status: number; headers: IncomingHttpHeaders; socket: Duplex; body: string };

/** Sends `CONNECT target` to the proxy the way a client library does; the body is read for refusals. */
export async function connect(proxyPort: number, target: string, proxyAuthorization?: string): Promise<ConnectResult> {
  const req = http.request({
    host: "127.0.0.1",
    port: proxyPort,
    method: "CONNECT",
    path: target,
    headers: proxyAuthorization ? { "Proxy-Authorization": proxyAuthorization } : {},
  });
  req.end();
  const [res, socket, head] = (await once(req, "connect")) as [http.IncomingMessage, Duplex, Buffer];
  let body = "";
  if (res.statusCode !== 200) {
    const chunks = [head];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    body = Buffer.concat(chunks).toString("utf8");
  }
  return { status: res.statusCode ?? 0, headers: res.headers, socket, body };
}

export type HttpsResult = { status: number; headers: IncomingHttpHeaders; body: Buffer; peerCertificate: tls.PeerCertificate };

/**
 * Node's `https.request` through a CONNECT it makes itself (Node 20 has no proxy support):
 * CONNECT, then TLS over the tunnel verified against `ca`, then the request.
 */
export async function httpsThroughProxy(options: {
  proxyPort: number;
  proxyAuthorization: string;
  host: string;
  port?: number;
  ca: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}): Promise<HttpsResult> {
  const port = options.port ?? 443;
  const tunnel = await connect(options.proxyPort, `${options.host}:${port}`, options.proxyAuthorization);
  if (tunnel.status !== 200) throw new Error(`CONNECT answered ${tunnel.status}: ${tunnel.body}`);
  const secure = tls.connect({
    socket: tunnel.socket,
    host: options.host,
    servername: isIpAddress(options.host) ? undefined : options.host,
    ca: options.ca,
    ALPNProtocols: ["h2", "http/1.1"],
  });
  await once(secure, "secureConnect");
  const peerCertificate = secure.getPeerCertificate();
  // Plain http over the already-secured socket: with createConnection and no agent, Node uses it as is.
  const req = http.request({
    host: options.host,
    port,
    method: options.method ?? "GET",
    path: options.path,
    headers: options.headers,
    createConnection: () => secure,
  });
  req.end(options.body);
  const [res] = (await once(req, "response")) as [http.IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  secure.destroy();
  return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), peerCertificate };
}

export type ExecResult = { code: number; stdout: string; stderr: string };

/** Runs a client program (curl, python3) with only the given environment plus PATH and HOME. */
export function execClient(file: string, args: readonly string[], env: Record<string, string> = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === "number" ? error.code : error ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export const basic = (token: string, vault: string) => `Basic ${Buffer.from(`${token}:${vault}`).toString("base64")}`;

function isIpAddress(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(":");
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export type ServiceVault = { vault: string; host: string; credential: string };

/**
 * Through the edge's API as the company owner: a vault (with its unmatched-host policy), a
 * credential, and a bearer service for `host` whose dev upstream is `upstreamOrigin`.
 */
export async function createServiceVault(
  call: (method: string, urlPath: string, token?: string, body?: unknown) => Promise<{ status: number; body: unknown }>,
  ownerKey: string,
  options: { vault: string; host: string; upstreamOrigin: string; policy?: "passthrough" | "deny" },
): Promise<ServiceVault> {
  const credential = `sk_test_${options.vault}_${Math.random().toString(36).slice(2)}`;
  const steps: [string, string, unknown][] = [
    ["POST", "/v1/vaults", { name: options.vault, unmatched_host_policy: options.policy ?? "passthrough" }],
    ["POST", "/v1/credentials", { vault: options.vault, credentials: { UPSTREAM_KEY: credential } }],
    [
      "POST",
      `/v1/vaults/${options.vault}/services`,
      { name: "api", host: options.host, upstream: options.upstreamOrigin, auth: { type: "bearer", token: "UPSTREAM_KEY" } },
    ],
  ];
  for (const [method, urlPath, body] of steps) {
    const res = await call(method, urlPath, ownerKey, body);
    if (res.status >= 300) throw new Error(`${method} ${urlPath} failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return { vault: options.vault, host: options.host, credential };
}

/** A vault-scoped session token, minted by the owner. */
export async function mintSession(
  call: (method: string, urlPath: string, token?: string, body?: unknown) => Promise<{ status: number; body: unknown }>,
  ownerKey: string,
  vault: string,
): Promise<string> {
  const res = await call("POST", "/v1/sessions", ownerKey, { vault, ttl_seconds: 3600, label: "mitm test" });
  const token = (res.body as { token?: string } | undefined)?.token;
  if (res.status !== 201 || !token) throw new Error(`minting a session failed: ${res.status} ${JSON.stringify(res.body)}`);
  return token;
}

export const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** One unfragmented text frame (RFC 6455 §5.2); clients mask, servers do not. Payloads under 126 bytes. */
export function textFrame(text: string, masked: boolean): Buffer {
  const payload = Buffer.from(text, "utf8");
  if (payload.length >= 126) throw new Error("test frames are short");
  if (!masked) return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0))]);
}

/** Calls `onText` for each short text frame read from `socket` (masked or not). */
export function readTextFrames(socket: Duplex, onText: (text: string) => void): void {
  let buffer = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (buffer.length < 2) return;
      const masked = ((buffer[1] ?? 0) & 0x80) !== 0;
      const length = (buffer[1] ?? 0) & 0x7f;
      const start = 2 + (masked ? 4 : 0);
      if (buffer.length < start + length) return;
      const mask = buffer.subarray(2, 6);
      const payload = Buffer.from(buffer.subarray(start, start + length).map((byte, i) => (masked ? byte ^ (mask[i % 4] ?? 0) : byte)));
      const opcode = (buffer[0] ?? 0) & 0x0f;
      buffer = buffer.subarray(start + length);
      if (opcode === 0x1) onText(payload.toString("utf8"));
    }
  });
  socket.resume(); // it may have been paused to read the handshake off it
}
