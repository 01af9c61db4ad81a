/**
 * The tunnel's floor: the smallest CONNECT relay Node can be, as Node's own documentation writes
 * it (an `http` server's `connect` event, a socket to the target with Nagle off, 200, then `pipe`
 * both ways), with no authentication and no decision about the host. The MITM's tunnel
 * (cli/mitm/tunnel.ts) is judged against a direct connection; this row shows what any relay
 * written in Node pays for the same bytes, so that what the MITM adds can be told from what
 * relaying costs.
 */
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { announce } from "./child.ts";

export type RelayInfo = { port: number };

const server = http.createServer((_, res) => res.writeHead(405).end());
server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
  const [host = "", port = ""] = (req.url ?? "").split(":");
  const upstream = net.connect({ host, port: Number(port), noDelay: true }, () => {
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on("error", () => client.destroy());
  client.on("error", () => upstream.destroy());
  client.on("close", () => upstream.destroy());
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

announce({ port: (server.address() as AddressInfo).port } satisfies RelayInfo, async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
