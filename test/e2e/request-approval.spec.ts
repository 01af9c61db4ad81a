/**
 * A person approves individual calls, end to end with nothing simulated: a real `wrangler dev`
 * edge, a real upstream on loopback, an agent's curl run by `edgevault vault run` (the local
 * proxy forwarding to the edge), and a vault admin in headless Chromium. The curl waits, with
 * nothing forwarded, until the person clicks Approve on the request's page; then it gets the
 * upstream's answer, the credential injected at the edge. A rejection reaches the curl likewise.
 *
 * Screenshots go to $E2E_SCREENSHOT_DIR when set (docs/images when regenerating the docs).
 * No sleeps: every step awaits an event (a navigation, a locator, the request being recorded, curl exiting).
 */
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { runCli, tempConfigHome } from "../cli/support/cli.ts";
import { spawnCli } from "../cli/support/cli-child.ts";
import { ROOT, startEdge, type Edge, type TestCompany } from "../cli/support/edge.ts";
import { launchChromium } from "./support/browser.ts";
import { assertEveryFieldLabelled, assertOnlyOwnOrigin } from "./support/page-checks.ts";
import { startRecordingUpstream, type RecordingUpstream } from "./support/upstream.ts";

const VAULT = "production";
const HOST = "deploy.acme-robotics.example";
const DEPLOY_TOKEN = `dpl_${Math.random().toString(36).slice(2)}_only_at_the_edge`;
const REVIEWER = { email: "ops-lead@acme-robotics.example", password: "correct horse battery staple" };
const ACTION_TIMEOUT_MS = 15_000;

type Held = { id: string; status: string; path: string };

describe("an agent's call waits at the edge until a person approves it in the browser", { timeout: 240_000 }, () => {
  let edge: Edge;
  let upstream: RecordingUpstream;
  let browser: Browser;
  let company: TestCompany;
  let operatorHome: string;

  /** The call once the edge recorded it as waiting for a person. */
  async function waitingCall(): Promise<Held> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await edge.call("GET", `/v1/vaults/${VAULT}/requests?status=pending`, company.ownerKey);
      const [held] = (res.body as { requests: Held[] }).requests;
      if (held) return held;
      if (Date.now() > deadline) throw new Error("the agent's call was never held");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The agent: curl through `vault run`, still running while the person decides. */
  const agentDeploys = () =>
    spawnCli(["vault", "run", "--vault", VAULT, "--", "curl", "-sS", "--fail-with-body", "-X", "POST", `https://${HOST}/v1/deploy?sha=4f1c9a0`], {
      configHome: operatorHome,
    });

  async function reviewerContext(): Promise<{ context: BrowserContext; page: Page; loaded: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
    const loaded: string[] = [];
    context.on("request", (request) => loaded.push(request.url()));
    return { context, page: await context.newPage(), loaded };
  }

  async function signIn(page: Page) {
    await page.getByLabel("Email").fill(REVIEWER.email);
    await page.getByLabel("Password").fill(REVIEWER.password);
    await page.getByRole("button", { name: "Sign in" }).click();
  }

  const screenshot = async (page: Page, name: string) => {
    const dir = process.env.E2E_SCREENSHOT_DIR;
    if (!dir) return;
    await mkdir(path.resolve(ROOT, dir), { recursive: true });
    await page.screenshot({ path: path.resolve(ROOT, dir, name), fullPage: true });
  };

  before(async () => {
    [edge, upstream, browser] = await Promise.all([startEdge(), startRecordingUpstream(), launchChromium()]);
    company = await edge.createCompany();
    const steps: [string, string, unknown][] = [
      ["POST", "/v1/vaults", { name: VAULT }],
      ["POST", "/v1/credentials", { vault: VAULT, credentials: { DEPLOY_TOKEN } }],
      [
        "POST",
        `/v1/vaults/${VAULT}/services`,
        { name: "deploy", host: HOST, upstream: upstream.origin, auth: { type: "bearer", token: "DEPLOY_TOKEN" }, require_approval: true },
      ],
      ["POST", "/v1/users", { ...REVIEWER, role: "member" }],
      ["POST", `/v1/vaults/${VAULT}/users`, { email: REVIEWER.email, role: "admin" }],
    ];
    for (const [method, urlPath, body] of steps) {
      const res = await edge.call(method, urlPath, company.ownerKey, body);
      assert.ok(res.status < 300, `${method} ${urlPath}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    // The operator wraps the agent with `vault run`, logged in with the company's key.
    operatorHome = await tempConfigHome();
    assert.equal((await runCli(["login", "--addr", edge.addr, "--save-api-key"], { configHome: operatorHome, stdin: company.ownerKey })).code, 0);
  });

  after(async () => {
    await Promise.allSettled([browser?.close(), upstream?.close(), edge?.stop()]);
  });

  it("the curl waits until the person clicks Approve on the request's page, then gets 200 with the credential at the upstream", async () => {
    const curl = agentDeploys();
    let curlDone = false;
    void curl.result.then(() => (curlDone = true));
    const held = await waitingCall();
    assert.equal(held.path, "/v1/deploy");
    assert.equal(upstream.requests.length, 0, "nothing reaches the upstream while the call waits");

    const { context, page, loaded } = await reviewerContext();
    await page.goto(`${edge.addr}/requests/${held.id}`);
    assert.equal(new URL(page.url()).pathname, "/sign-in");
    await signIn(page);
    await page.waitForURL((url) => url.pathname === `/requests/${held.id}`);
    await assert.doesNotReject(page.getByRole("heading", { level: 1, name: /^Call from API key/ }).waitFor());
    const call = await page.locator("section", { has: page.locator("#call") }).innerText();
    assert.match(call, new RegExp(`POST ${HOST.replaceAll(".", "\\.")}\\s*/v1/deploy`));
    assert.doesNotMatch(call, /sha=4f1c9a0/, "the query string is never shown");
    await assertEveryFieldLabelled(page);
    await screenshot(page, "request-approval.png");

    assert.equal(curlDone, false, "the agent's curl is still waiting before the person decides");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL((url) => url.searchParams.get("done") === "approved");
    assert.match(await page.getByRole("status").innerText(), /Approved: the call goes on to the upstream now/);
    assert.equal(await page.locator(`form[action='/requests/${held.id}/approve']`).count(), 0, "a decided request offers no more buttons");

    const done = await curl.result;
    assert.equal(done.code, 0, `${done.stdout}\n${done.stderr}`);
    assert.deepEqual(JSON.parse(done.stdout), { ok: true, path: "/v1/deploy?sha=4f1c9a0" });
    assert.equal(upstream.requests.length, 1);
    assert.equal(upstream.requests[0]?.headers.authorization, `Bearer ${DEPLOY_TOKEN}`);
    assert.ok(!done.stdout.includes(DEPLOY_TOKEN) && !(await page.content()).includes(DEPLOY_TOKEN), "the credential is nowhere but at the upstream");
    assertOnlyOwnOrigin(loaded, edge.addr);
    await context.close();
  });

  it("the inbox counts the waiting call and leads to its page; Reject reaches the curl as 403 request_rejected", async () => {
    const curl = agentDeploys();
    const held = await waitingCall();
    const { context, page, loaded } = await reviewerContext();
    await page.goto(`${edge.addr}/sign-in`);
    await signIn(page);
    await page.waitForURL((url) => url.pathname === "/inbox");
    assert.match(await page.locator("#held-requests").innerText(), /Calls waiting for a person\s*1/);
    await screenshot(page, "request-inbox.png");
    await page.locator(`a[href='/requests/${held.id}']`).click();
    await page.waitForURL((url) => url.pathname === `/requests/${held.id}`);
    await page.getByLabel("Reason (optional; the agent sees it)").fill("Not during the release freeze.");
    await page.getByRole("button", { name: "Reject" }).click();
    await page.waitForURL((url) => url.searchParams.get("done") === "rejected");

    const done = await curl.result;
    assert.notEqual(done.code, 0);
    const refusal = JSON.parse(done.stdout) as { error: string; reason: string };
    assert.deepEqual([refusal.error, refusal.reason], ["request_rejected", "Not during the release freeze."]);
    assert.equal(upstream.requests.length, 1, "the rejected call never reached the upstream");
    assertOnlyOwnOrigin(loaded, edge.addr);
    await context.close();
  });
});
