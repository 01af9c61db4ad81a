/**
 * A real edge for CLI tests: `wrangler dev --env dev` on a free loopback port, with its own
 * persistence directory (migrated before start) and its own secrets. An empty `--env-file`
 * keeps the developer's `.dev.vars` out of it. Readiness is wrangler's "Ready on" line.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { inject } from "vitest";
import { WRANGLER, wranglerDevArgs } from "./wrangler-dev-command.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
// Telemetry and the request.cf lookup would leave the machine; tests stay on loopback.
const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export type TestCompany = { id: string; ownerKey: string };
export type TestUser = { email: string; password: string };

export type Edge = {
  /** e.g. http://127.0.0.1:40463 */
  addr: string;
  platformToken: string;
  createCompany(): Promise<TestCompany>;
  createUser(company: TestCompany, role?: "owner" | "member"): Promise<TestUser>;
  /** Calls the edge directly, as a client other than the CLI would. */
  call(method: string, urlPath: string, token?: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
};

const execFileAsync = promisify(execFile);
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

/** Where the Node project's global setup (test/node/global-setup.ts) started the shared edge. */
export type SharedEdge = { addr: string; platformToken: string };

declare module "vitest" {
  export interface ProvidedContext {
    sharedEdge: SharedEdge;
  }
}

/**
 * The edge a test file talks to: the one the test run shares (one `wrangler dev` for every CLI
 * and end-to-end file; each file makes its own companies, so files never see each other's
 * data), or a fresh one outside a test run. Stopping the shared edge is left to the run.
 */
export async function startEdge(): Promise<Edge> {
  const shared = sharedEdge();
  if (!shared) return launchEdge();
  return edgeClient(shared.addr, shared.platformToken, async () => {});
}

function sharedEdge(): SharedEdge | undefined {
  try {
    return inject("sharedEdge");
  } catch {
    return undefined;
  }
}

/** What a crashed edge needs to come back as itself: its state directory and its secrets. */
export type EdgeIdentity = { dir: string; platformToken: string; masterKeys: string };

/** An edge of its own that can also be killed outright (SIGKILL to wrangler and workerd alike). */
export type OwnEdge = Edge & { identity: EdgeIdentity; crash(): Promise<void> };

/**
 * Starts a `wrangler dev` of its own, with its own state and secrets; given an identity, it
 * restarts the edge that had it (same state directory and secrets), as after a crash.
 * `inspectorPort` opens wrangler's inspector there (the bench's CPU profile of the edge reaches
 * it); otherwise it takes a free port nobody is told about. `inspector: false` (the bench, and the
 * test run's shared edge) starts the same Worker without wrangler's inspector and request log
 * (test/cli/support/dev-worker.ts).
 */
export async function launchEdge(restart?: EdgeIdentity, options: { inspectorPort?: number; inspector?: false } = {}): Promise<OwnEdge> {
  const identity: EdgeIdentity = restart ?? {
    dir: await mkdtemp(path.join(tmpdir(), "edgevault-cli-test-")),
    platformToken: randomBytes(24).toString("base64url"),
    masterKeys: `v1:${randomBytes(32).toString("base64url")}`,
  };
  const { dir, platformToken, masterKeys } = identity;
  const persistTo = path.join(dir, "state");
  const envFile = path.join(dir, "empty.env");
  await writeFile(envFile, "");

  await execFileAsync(process.execPath, [WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--env", "dev", "--persist-to", persistTo], {
    cwd: ROOT,
    env: WRANGLER_ENV,
  });
  // The edge's links start with its public origin, so the port is chosen before it starts (a
  // port taken in between fails the start, which is tried again on another).
  let started: { child: ChildProcess; killGroup: () => void; addr: string } | undefined;
  for (let attempt = 1; !started; attempt += 1) {
    const port = await freePort();
    const flags = [
      "--env",
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      persistTo,
      "--env-file",
      envFile,
      "--var",
      `PLATFORM_TOKEN:${platformToken}`,
      "--var",
      `MASTER_KEYS:${masterKeys}`,
      "--var",
      `PUBLIC_ORIGIN:http://127.0.0.1:${port}`,
    ];
    const command =
      options.inspector === false
        ? wranglerDevArgs(["--config", path.join(ROOT, "wrangler.toml"), ...flags], false)
        : // Each wrangler dev otherwise takes debugger port 9229, and parallel test files collide.
          wranglerDevArgs(flags, { port: options.inspectorPort ?? 0 });
    const child = spawn(
      process.execPath,
      command,
      // Its own process group, so a crash takes workerd down with wrangler.
      { cwd: ROOT, env: WRANGLER_ENV, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    };
    process.once("exit", killGroup);
    try {
      const addr = await readyAddress(child);
      if (addr !== `http://127.0.0.1:${port}`) throw new Error(`wrangler dev listens at ${addr}, not on port ${port}`);
      started = { child, killGroup, addr };
    } catch (error) {
      killGroup();
      process.removeListener("exit", killGroup);
      if (attempt < 3) continue;
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const { child, killGroup, addr } = started;

  const edge = edgeClient(addr, platformToken, async () => {
    process.removeListener("exit", killGroup);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGINT");
      const timer = setTimeout(killGroup, STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    killGroup();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    ...edge,
    identity,
    async crash() {
      process.removeListener("exit", killGroup);
      const exited = child.exitCode === null && child.signalCode === null ? once(child, "exit") : undefined;
      killGroup();
      await exited;
    },
  };
}

/** A client for a running edge at `addr`. */
function edgeClient(addr: string, platformToken: string, stop: () => Promise<void>): Edge {
  const call: Edge["call"] = async (method, urlPath, token, body) => {
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(`${addr}${urlPath}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };

  let counter = 0;
  return {
    addr,
    platformToken,
    call,
    async createCompany() {
      counter += 1;
      const id = `co-${counter}-${randomBytes(4).toString("hex")}`;
      const res = await call("POST", "/v1/companies", platformToken, { id, name: `Company ${id}` });
      const apiKey = (res.body as { api_key?: { token?: string } } | undefined)?.api_key?.token;
      if (res.status !== 201 || !apiKey) throw new Error(`creating a company failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { id, ownerKey: apiKey };
    },
    async createUser(company, role = "member") {
      counter += 1;
      const user = { email: `user-${counter}-${randomBytes(4).toString("hex")}@example.com`, password: "correct horse battery staple" };
      const res = await call("POST", "/v1/users", company.ownerKey, { ...user, role });
      if (res.status !== 201) throw new Error(`creating a user failed: ${res.status} ${JSON.stringify(res.body)}`);
      return user;
    },
    stop,
  };
}

/** A loopback port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves with the URL from wrangler's "Ready on" line; rejects if it exits or stalls first. */
function readyAddress(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    let ready = false;
    const onData = (chunk: Buffer) => {
      // Kept short: wrangler logs every request, and only the startup lines matter for errors.
      if (!ready) output = (output + stripAnsi(chunk.toString("utf8"))).slice(-20_000);
      const match = /Ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1] && !ready) {
        ready = true;
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve(match[1]);
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`wrangler dev exited before it was ready (${signal ?? code}):\n${output}`));
    };
    const timer = setTimeout(() => reject(new Error(`wrangler dev was not ready within ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
    // Both streams must keep being drained for the whole run, or wrangler blocks on a full pipe.
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}
