/**
 * The API the agent wants to reach, on loopback: plain `node:http`, answers 200 JSON and keeps
 * every request's method, path and headers in memory, so a test reads exactly what arrived.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export type UpstreamRequest = { method: string; url: string; headers: IncomingHttpHeaders };

export type RecordingUpstream = {
  /** e.g. http://127.0.0.1:41234, the service's `upstream` origin. */
  origin: string;
  /** Every request received so far, in arrival order. */
  requests: UpstreamRequest[];
  close(): Promise<void>;
};

export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const requests: UpstreamRequest[] = [];
  const server = createServer((req, res) => {
    // Recorded before answering: once the proxied call has its response, the record is here.
    requests.push({ method: req.method ?? "GET", url: req.url ?? "/", headers: { ...req.headers } });
    req.resume();
    req.on("end", () => {
      const body = JSON.stringify({ ok: true, path: req.url });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
