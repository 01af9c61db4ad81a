/**
 * The bench measures the edge without wrangler's inspector (test/cli/support/dev-worker.ts): the same Worker,
 * local D1 and Durable Objects, but no DevTools Network events, which under the `wrangler dev`
 * command reach wrangler's debug log file for every subrequest and cost the machine more than
 * the floor Worker itself.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OwnEdge } from "./support/edge.ts";

let logDir: string;
let edge: OwnEdge;

beforeAll(async () => {
  logDir = await mkdtemp(path.join(tmpdir(), "edgevault-wrangler-log-"));
  // Read by wrangler when the edge starts: the support module copies the environment as it loads.
  process.env.WRANGLER_LOG_PATH = logDir;
  const { launchEdge } = await import("./support/edge.ts");
  edge = await launchEdge(undefined, { inspector: false });
});

afterAll(async () => {
  await edge?.stop();
  await rm(logDir, { recursive: true, force: true });
});

describe("the bench's edge, started without wrangler's inspector", () => {
  it("serves the API from local D1 and Durable Objects, and sends wrangler no DevTools Network events", async () => {
    const company = await edge.createCompany();
    const user = await edge.createUser(company);
    const listed = await edge.call("GET", "/v1/users", company.ownerKey);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain(user.email);

    const logs = await Promise.all((await readdir(logDir)).map((name) => readFile(path.join(logDir, name), "utf8")));
    // Wrangler did log (its start-up), so the log is where the events would be.
    expect(logs.join("").length).toBeGreaterThan(0);
    expect(logs.join("")).not.toMatch(/Network\.(requestWillBeSent|responseReceived|loadingFinished)/);
  });
});
