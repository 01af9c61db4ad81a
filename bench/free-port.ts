/** A loopback port nothing listens on right now (for the inspector ports of bench/profile-edge.ts). */
import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";

export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
