/**
 * Keep-alive HTTPS load, directly or through an HTTP proxy's CONNECT, which autocannon cannot
 * do. Each connection: TCP to the proxy (or the server), `CONNECT host:port` (answered 200),
 * TLS over that (verified against the given CA, ALPN http/1.1), then HTTP/1.1 requests one
 * after another on the same TLS connection, each sent as soon as the previous answer is read,
 * like autocannon's keep-alive connections. Latency is one request's write to the last byte
 * of its answer; connection setup is not in it unless `newConnectionPerRequest` is set, when
 * every request pays TCP, CONNECT and the TLS handshake (and the proxy's decision) again.
 *
 * The response reader is minimal on purpose (status line, Content-Length or chunked body, no
 * trailers): a full HTTP client would make the client, not the proxy, the bottleneck.
 */
import { once } from "node:events";
import net, { isIP } from "node:net";
import tls from "node:tls";
import { Latencies, type Measurement, type RunWindow } from "./measurement.ts";

export type TlsLoadOptions = RunWindow & {
  /** The HTTPS server as the client names it: SNI, Host header, CONNECT target. */
  host: string;
  port: number;
  /** PEM of the CA the server's (or the MITM's) certificate chains to. */
  ca: string;
  path: string;
  headers?: Record<string, string>;
  /** Through a proxy on 127.0.0.1:port with CONNECT. */
  proxy?: { port: number; authorization?: string };
  connections: number;
  newConnectionPerRequest?: boolean;
};

/** Runs the load; every connection stops at the deadline. */
export async function tlsLoad(options: TlsLoadOptions): Promise<Measurement> {
  const request = Buffer.from(
    [
      `GET ${options.path} HTTP/1.1`,
      `Host: ${options.host}${options.port === 443 ? "" : `:${options.port}`}`,
      ...Object.entries(options.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
      "",
      "",
    ].join("\r\n"),
  );
  const start = performance.now() + options.warmupMs;
  const deadline = start + options.durationMs;
  const latencies = new Latencies({ start, end: deadline });
  const worker = async () => {
    let connection: Connection | undefined;
    while (performance.now() < deadline) {
      try {
        connection ??= await open(options);
        const sent = performance.now();
        const status = await connection.exchange(request);
        if (status >= 200 && status < 300) latencies.record(performance.now() - sent);
        else latencies.error();
      } catch {
        latencies.error();
        connection?.close();
        connection = undefined;
      }
    }
    connection?.close();
  };
  if (options.newConnectionPerRequest) {
    // Setup is the point here: time from before connecting to the end of the one answer.
    const setupWorker = async () => {
      while (performance.now() < deadline) {
        const begun = performance.now();
        let connection: Connection | undefined;
        try {
          connection = await open(options);
          const status = await connection.exchange(request);
          if (status >= 200 && status < 300) latencies.record(performance.now() - begun);
          else latencies.error();
        } catch {
          latencies.error();
        } finally {
          connection?.close();
        }
      }
    };
    await Promise.all(Array.from({ length: options.connections }, setupWorker));
  } else {
    await Promise.all(Array.from({ length: options.connections }, worker));
  }
  return latencies.summary(options.durationMs / 1000);
}

type Connection = { exchange(request: Buffer): Promise<number>; close(): void };

async function open(options: TlsLoadOptions): Promise<Connection> {
  let socket: net.Socket;
  if (options.proxy) {
    socket = net.connect(options.proxy.port, "127.0.0.1");
    socket.setNoDelay(true);
    await once(socket, "connect");
    const auth = options.proxy.authorization ? `Proxy-Authorization: ${options.proxy.authorization}\r\n` : "";
    const target = `${options.host}:${options.port}`;
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`);
    const head = await readHead(socket);
    if (!/^HTTP\/1\.[01] 200/.test(head)) {
      socket.destroy();
      throw new Error(`CONNECT answered ${head.split("\r\n")[0]}`);
    }
  } else {
    socket = net.connect(options.port, options.host);
    socket.setNoDelay(true);
    await once(socket, "connect");
  }
  const secure = tls.connect({
    socket,
    servername: isIP(options.host) ? undefined : options.host,
    host: options.host,
    ca: options.ca,
    ALPNProtocols: ["http/1.1"],
  });
  await once(secure, "secureConnect");
  return new ResponseReader(secure);
}

/** Reads a CONNECT answer's head byte by byte-chunk, leaving nothing after it unread (the TLS bytes follow). */
async function readHead(socket: net.Socket): Promise<string> {
  let received = Buffer.alloc(0);
  for (;;) {
    const chunk = socket.read() as Buffer | null;
    if (chunk) {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf("\r\n\r\n");
      if (end !== -1) {
        if (end + 4 < received.length) socket.unshift(received.subarray(end + 4));
        return received.subarray(0, end).toString("latin1");
      }
      continue;
    }
    if (socket.destroyed) throw new Error("the proxy closed the connection");
    await Promise.race([once(socket, "readable"), once(socket, "close")]);
  }
}

/** One request at a time on one TLS connection; answers are parsed just enough to find their end. */
class ResponseReader implements Connection {
  readonly #socket: tls.TLSSocket;
  #buffer: Buffer = Buffer.alloc(0);
  #waiting: { resolve: (status: number) => void; reject: (error: Error) => void } | undefined;
  #closed: Error | undefined;

  constructor(socket: tls.TLSSocket) {
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
      this.#tryComplete();
    });
    const fail = (error: Error) => {
      this.#closed ??= error;
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.reject(error);
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("connection closed")));
  }

  exchange(request: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.#closed) {
        reject(this.#closed);
        return;
      }
      this.#waiting = { resolve, reject };
      this.#socket.write(request);
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #tryComplete(): void {
    const end = this.#buffer.indexOf("\r\n\r\n");
    if (end === -1 || !this.#waiting) return;
    const head = this.#buffer.subarray(0, end).toString("latin1");
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let total: number | undefined;
    if (length?.[1]) total = end + 4 + Number(length[1]);
    else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) total = chunkedEnd(this.#buffer, end + 4);
    else total = end + 4; // no body (e.g. 204)
    if (total === undefined || this.#buffer.length < total) return;
    this.#buffer = this.#buffer.subarray(total);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting.resolve(status);
  }
}

/** Where a chunked body starting at `offset` ends, or undefined while it is incomplete. */
function chunkedEnd(buffer: Buffer, offset: number): number | undefined {
  let at = offset;
  for (;;) {
    const lineEnd = buffer.indexOf("\r\n", at);
    if (lineEnd === -1) return undefined;
    const size = Number.parseInt(buffer.subarray(at, lineEnd).toString("latin1"), 16);
    if (Number.isNaN(size)) throw new Error("malformed chunked body");
    if (size === 0) {
      const last = buffer.indexOf("\r\n\r\n", lineEnd);
      return last === -1 ? undefined : last + 4;
    }
    at = lineEnd + 2 + size + 2;
    if (at > buffer.length) return undefined;
  }
}
