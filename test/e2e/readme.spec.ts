/**
 * The README's quick start, run as written: every fenced block marked `<!-- quickstart -->` is
 * taken out of README.md and run, in order, in one bash session (as a person types them into one
 * terminal), from a directory laid out as the repository's root after `npm start`: its
 * `.edgevault-dev/owner-key` and the `edgevault` bin that `npx` finds. `npm start` itself is
 * stood in for by the run's shared edge (EDGEVAULT_ADDR), a company with a human owner, and the
 * echo upstream `npm start` serves (scripts/demo-upstream.js, the same module, on a free port:
 * EDGEVAULT_DEMO_UPSTREAM). When a block prints an approval_url, the owner approves it in real
 * Chromium. A block that stops working, or stops showing the credential arriving, fails this.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import type { IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import type { Browser } from "playwright-core";
import { startDemoUpstream } from "../../scripts/demo-upstream.js";
import { ROOT, startEdge, type Edge, type TestCompany, type TestUser } from "../cli/support/edge.ts";
import { launchChromium } from "./support/browser.ts";

const ACTION_TIMEOUT_MS = 15_000;
const MARKER = "<!-- quickstart -->";

/** The fenced blocks that follow a quick-start marker, in the README's order. */
function quickstartBlocks(readme: string): string[] {
  const blocks: string[] = [];
  for (const match of readme.matchAll(/<!-- quickstart -->\s*\n```(?:sh|bash)\n([\s\S]*?)\n```/g)) blocks.push(match[1] ?? "");
  return blocks;
}

/** The commands a block asks a person to type: its lines without comments, blank lines and continuations. */
function commandsIn(block: string): string[] {
  return block
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

describe("the README's quick start reaches an injected credential and a proposal approved in the browser, as written", { timeout: 240_000 }, () => {
  let edge: Edge;
  let browser: Browser;
  let upstream: { origin: string; close(): Promise<void> };
  let company: TestCompany;
  let owner: TestUser;
  let work: string;
  const arrived: IncomingHttpHeaders[] = [];
  let blocks: string[];

  before(async () => {
    const readme = await readFile(path.join(ROOT, "README.md"), "utf8");
    blocks = quickstartBlocks(readme);
    const started = await Promise.allSettled([startEdge(), launchChromium(), startDemoUpstream({ port: 0, onRequest: (headers) => arrived.push(headers) })]);
    if (started[0].status === "fulfilled") edge = started[0].value;
    if (started[1].status === "fulfilled") browser = started[1].value;
    if (started[2].status === "fulfilled") upstream = started[2].value;
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    // What `npm start` makes: a company with an owner key and a human owner who signs in.
    company = await edge.createCompany();
    owner = await edge.createUser(company, "owner");
    // The repository's root as `npm start` leaves it, for what the blocks read from it.
    work = await mkdtemp(path.join(tmpdir(), "edgevault-readme-"));
    await mkdir(path.join(work, ".edgevault-dev"), { mode: 0o700 });
    await writeFile(path.join(work, ".edgevault-dev", "owner-key"), `${company.ownerKey}\n`, { mode: 0o600 });
    await mkdir(path.join(work, "node_modules", ".bin"), { recursive: true });
    await symlink(path.join(ROOT, "cli", "bin", "edgevault.js"), path.join(work, "node_modules", ".bin", "edgevault"));
  });

  after(async () => {
    await Promise.allSettled([browser?.close(), upstream?.close(), edge?.stop(), work ? rm(work, { recursive: true, force: true }) : undefined]);
  });

  it("is at most five commands, npm start included", () => {
    assert.ok(blocks.length >= 3, `README.md has ${blocks.length} blocks marked ${MARKER}`);
    const commands = blocks.flatMap(commandsIn);
    assert.ok(commands.length + 1 <= 5, `npm start and ${commands.length} more: ${commands.join(" | ")}`);
  });

  it("runs every block in one terminal: the credential arrives through /proxy and vault run, and again once the owner approves in Chromium", async () => {
    // Each block is announced on stderr, so a failure says which one stopped working.
    const script = ["set -eo pipefail", ...blocks.flatMap((block, i) => [`echo "::quickstart block ${i + 1}::" >&2`, block])].join("\n");
    const home = path.join(work, "home");
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: home,
      XDG_CONFIG_HOME: home,
      EDGEVAULT_CREDENTIAL_STORE: "file",
      EDGEVAULT_ADDR: edge.addr,
      EDGEVAULT_DEMO_UPSTREAM: upstream.origin,
      npm_config_update_notifier: "false",
      npm_config_offline: "true",
    };
    const shell = spawn("bash", ["-c", script], { cwd: work, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let approvalUrl: (url: string) => void = () => {};
    const approvalSeen = new Promise<string>((resolve) => (approvalUrl = resolve));
    shell.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      const url = /(http:\/\/\S+\/approve\/\S+)/.exec(stdout)?.[1];
      if (url) approvalUrl(url);
    });
    shell.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const exited = once(shell, "close") as Promise<[number | null]>;

    const url = await Promise.race([
      approvalSeen,
      exited.then(([code]) => assert.fail(`the blocks ended (${code}) before an approval_url:\n${stdout}\n${stderr}`)),
    ]);
    const approved = new URL(url);
    assert.equal(approved.origin, edge.addr);

    // The person: follows the link, signs in, approves.
    const context = await browser.newContext();
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    const page = await context.newPage();
    await page.goto(approved.href);
    assert.equal(new URL(page.url()).pathname, "/sign-in");
    await page.getByLabel("Email").fill(owner.email);
    await page.getByLabel("Password").fill(owner.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((at) => at.pathname === approved.pathname);
    await page.getByRole("button", { name: "Approve and apply" }).click();
    await page.waitForURL((at) => at.searchParams.get("done") === "applied");
    await context.close();

    const [code] = await exited;
    assert.equal(code, 0, `the quick start failed after ${stderr.match(/::quickstart block \d+::/g)?.at(-1)}:\n${stdout}\n${stderr}`);

    // Block 1: the agent through /proxy and curl under vault run; block 2: curl's own output;
    // block 3: after the approval. Each time the upstream shows DEMO_API_KEY arriving, masked.
    const injected = stdout.match(/authorization: Bearer demo_sk_… \(\d+ chars\) {3}<- DEMO_API_KEY, injected by the edge/g) ?? [];
    assert.equal(injected.length, 3, stdout);
    assert.match(stdout, /"authorization": "Bearer demo_sk_… \(\d+ chars\)"/, "vault run -- curl prints what the upstream received");
    assert.match(stdout, /3\. Approved and applied/);

    // What really arrived through the edge (the demo's own reachability checks carry no
    // authorization): the throwaway credential, four times, and never a token of the edge.
    const credentials = arrived.flatMap((headers) => (headers.authorization === undefined ? [] : [headers.authorization]));
    assert.equal(credentials.length, 4, JSON.stringify(credentials));
    for (const value of credentials) assert.match(value, /^Bearer demo_sk_[A-Za-z0-9_-]{32}$/);
    const credential = credentials.at(-1)?.slice("Bearer ".length) ?? "";
    for (const headers of arrived) assert.doesNotMatch(JSON.stringify(headers), /ev[kasu]_/, "no owner key, agent or session token reaches the upstream");
    const printed = `${stdout}\n${stderr}`;
    assert.ok(!printed.includes(credential), "the credential is never printed");
    assert.ok(!printed.includes(company.ownerKey), "the owner key is never printed");
  });
});
