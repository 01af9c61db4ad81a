/**
 * A recording HTTP server on 127.0.0.1 for CLI tests: stands in for a service's upstream (the
 * dev edge forwards to http://127.0.0.1:<port>) and for a webhook receiver. Every request is
 * kept with its headers and body, and `next()` resolves with the next one, so a test awaits an
 * arrival instead of sleeping.
 */
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export type Recorded = { method: string; path: string; headers: IncomingHttpHeaders; body: string };

export type Upstream = {
  /** e.g. http://127.0.0.1:40123 */
  origin: string;
  requests: Recorded[];
  /** The next request to arrive (or the first one not yet taken). */
  next(): Promise<Recorded>;
  close(): Promise<void>;
};

export async function startUpstream(): Promise<Upstream> {
  const requests: Recorded[] = [];
  const waiting: ((request: Recorded) => void)[] = [];
  let taken = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const recorded = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(recorded);
      const waiter = waiting.shift();
      if (waiter) {
        taken += 1;
        waiter(recorded);
      }
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ ok: true, path: recorded.path }));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    next() {
      const ready = requests[taken];
      if (ready) {
        taken += 1;
        return Promise.resolve(ready);
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
