/**
 * `skill install` downloads `GET /skill.md` into `.claude/skills/edgevault/SKILL.md` (or --dir),
 * from a stand-in server (to see exactly what the CLI sends and to serve what an edge should
 * not) and from the real edge, whose copy is the repository's skills/edgevault/SKILL.md.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { readFile, stat } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { printed, runCli, tempConfigHome } from "./support/cli.ts";
import { ROOT, startEdge, type Edge } from "./support/edge.ts";

const SKILL = "---\nname: edgevault\ndescription: A stand-in skill for the test.\n---\n\n# Edgevault\n\nCall APIs without keys.\n";

describe("edgevault skill install", () => {
  let server: Server;
  let addr: string;
  let configHome: string;
  /** What the stand-in serves at /skill.md, and the headers of the last request it got. */
  let served: { status: number; type: string; body: string } = { status: 200, type: "text/markdown; charset=utf-8", body: SKILL };
  let lastHeaders: IncomingHttpHeaders = {};

  const install = async (cwd: string, ...args: string[]) =>
    runCli(["skill", "install", ...args], { configHome, cwd, env: { EDGEVAULT_ADDR: addr, EDGEVAULT_API_KEY: "evk_never-sent-to-skill-md" } });

  before(async () => {
    configHome = await tempConfigHome();
    server = createServer((req, res) => {
      lastHeaders = req.headers;
      if (req.url !== "/skill.md") res.writeHead(404).end();
      else res.writeHead(served.status, { "Content-Type": served.type }).end(served.body);
    }).listen(0, "127.0.0.1");
    await once(server, "listening");
    addr = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server?.close();
  });

  it("writes .claude/skills/edgevault/SKILL.md under the current directory, sends no token, prints the path", async () => {
    const project = await tempConfigHome();
    const result = await install(project);
    assert.equal(result.code, 0, printed(result));
    const file = path.join(project, ".claude", "skills", "edgevault", "SKILL.md");
    assert.equal(result.stdout, `${file}\n`);
    assert.equal(await readFile(file, "utf8"), SKILL);
    assert.equal(((await stat(file)).mode & 0o777).toString(8), "644");
    assert.match(result.stderr, new RegExp(`Installed the Edgevault agent skill \\(${SKILL.length} bytes\\) from ${addr}/skill\\.md\\.`));
    assert.equal(lastHeaders.authorization, undefined, "the skill is public: no token is sent");

    const again = await install(project);
    assert.equal(again.code, 0, printed(again));
    assert.match(again.stderr, /already up to date/);

    served = { ...served, body: `${SKILL}\nA newer line.\n` };
    const updated = await install(project, "--json");
    assert.equal(updated.code, 0, printed(updated));
    const report = JSON.parse(updated.stdout) as { path: string; source: string; bytes: number; sha256: string; changed: boolean };
    assert.deepEqual([report.path, report.source, report.bytes, report.changed], [file, `${addr}/skill.md`, served.body.length, true]);
    assert.match(report.sha256, /^[0-9a-f]{64}$/);
    assert.equal(await readFile(file, "utf8"), served.body);
    served = { ...served, body: SKILL };
  });

  it("--dir puts it elsewhere, creating the directories", async () => {
    const home = await tempConfigHome();
    const result = await install(ROOT, "--dir", path.join(home, "nested", "agents", "edgevault"));
    assert.equal(result.code, 0, printed(result));
    assert.equal(await readFile(path.join(home, "nested", "agents", "edgevault", "SKILL.md"), "utf8"), SKILL);
  });

  it("refuses what is not a skill, and a failed fetch, writing nothing", async () => {
    const project = await tempConfigHome();
    const file = path.join(project, ".claude", "skills", "edgevault", "SKILL.md");
    for (const [answer, message] of [
      [{ status: 200, type: "text/html", body: "<html><body>Sign in to the Wi-Fi</body></html>" }, /did not answer with a skill/],
      [{ status: 404, type: "text/plain", body: "not found" }, /answered HTTP 404, not the skill: this edge may predate it/],
      [{ status: 302, type: "text/plain", body: "" }, /answered HTTP 302/],
    ] as const) {
      served = answer;
      const result = await install(project);
      assert.equal(result.code, 1, printed(result));
      assert.match(result.stderr, message);
      await assert.rejects(stat(file));
    }
    served = { status: 200, type: "text/markdown", body: SKILL };
  });

  describe("from the real edge", () => {
    let edge: Edge;
    before(async () => {
      edge = await startEdge();
    });
    after(async () => {
      await edge?.stop();
    });

    it("installs the edge's /skill.md, which is the repository's skills/edgevault/SKILL.md", async () => {
      const project = await tempConfigHome();
      const result = await runCli(["skill", "install"], { configHome: await tempConfigHome(), cwd: project, env: { EDGEVAULT_ADDR: edge.addr } });
      assert.equal(result.code, 0, printed(result));
      const installed = await readFile(path.join(project, ".claude", "skills", "edgevault", "SKILL.md"), "utf8");
      assert.equal(installed, await readFile(path.join(ROOT, "skills", "edgevault", "SKILL.md"), "utf8"));
    });
  });
});
