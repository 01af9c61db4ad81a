/**
 * mitmproxy's `mitmdump`, when it is on PATH (Debian: `apt-get install mitmproxy`), as the
 * reference intercepting proxy. It is set up to do what the CLI's MITM does for a service host:
 * terminate the client's TLS with a certificate from its own CA, then send each request as plain
 * HTTP to the stub edge's `/proxy/<host><path>` with an `Authorization` header, over a
 * kept-alive connection. A small addon does the rewrite; logging is off.
 */
import { execFile } from "node:child_process";
import { once } from "node:events";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import net, { type AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { spawnGroup } from "./process-group.ts";

export type Mitmdump = { port: number; caPem: string; version: string; stop(): Promise<void> };

const READY_TIMEOUT_MS = 30_000;

/** mitmdump's version line, or undefined when it is not installed. */
export async function mitmdumpVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)("mitmdump", ["--version"], { timeout: 20_000 });
    return /Mitmproxy:\s*(\S+)/.exec(stdout)?.[1] ?? stdout.split("\n")[0];
  } catch {
    return undefined;
  }
}

/** Starts mitmdump forwarding intercepted `host` requests to `stubOrigin`; `dir` holds its CA and addon. */
export async function startMitmdump(options: { dir: string; stubOrigin: string; host: string; token: string; version: string }): Promise<Mitmdump> {
  const stub = new URL(options.stubOrigin);
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const addon = path.join(options.dir, "to_stub.py");
  await writeFile(
    addon,
    [
      "class ToStub:",
      "    def request(self, flow):",
      '        flow.request.scheme = "http"',
      `        flow.request.host = ${JSON.stringify(stub.hostname)}`,
      `        flow.request.port = ${Number(stub.port)}`,
      `        flow.request.path = ${JSON.stringify(`/proxy/${options.host}`)} + flow.request.path`,
      `        flow.request.headers["authorization"] = ${JSON.stringify(`Bearer ${options.token}`)}`,
      "",
      "addons = [ToStub()]",
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const { child, stop } = spawnGroup(
    "mitmdump",
    [
      "--listen-host",
      "127.0.0.1",
      "--listen-port",
      String(port),
      "--set",
      `confdir=${options.dir}`,
      // Connect upstream only when the first request says where (the addon's stub), not on CONNECT.
      "--set",
      "connection_strategy=lazy",
      "--set",
      "upstream_cert=false",
      "--quiet",
      "-s",
      addon,
    ],
    { stop: { signal: "SIGTERM", to: "group" }, graceMs: 5_000 },
  );
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-10_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const caFile = path.join(options.dir, "mitmproxy-ca-cert.pem");
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await accepting(port)) || !(await exists(caFile))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`mitmdump did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { port, caPem: await readFile(caFile, "utf8"), version: options.version, stop };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
