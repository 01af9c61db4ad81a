/**
 * The proposal story end to end (seed 000, protocol.md §1), with nothing simulated: a real
 * `wrangler dev` edge, a real upstream API on loopback, the agent speaking plain HTTP, and a
 * human in real headless Chromium who follows the `approval_url`, signs in and decides.
 *
 * Screenshots of every page go to $E2E_SCREENSHOT_DIR (docs/images when regenerating the docs:
 * `E2E_SCREENSHOT_DIR=docs/images npm run test:e2e`), otherwise to a temporary directory that
 * is removed at the end.
 * No sleeps: every step awaits an event (a navigation, a locator, the agent's pending request).
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { ROOT, startEdge, type Edge } from "../cli/support/edge.ts";
import { launchChromium } from "./support/browser.ts";
import { assertEveryFieldLabelled, assertOnlyOwnOrigin, focusedLabel, tabUntil } from "./support/page-checks.ts";
import { startRecordingUpstream, type RecordingUpstream } from "./support/upstream.ts";

const VAULT = "payments";
const AGENT = "billing-agent";
const REVIEWER = { email: "dana@acme-robotics.example", password: "correct horse battery staple" };
const DESKTOP: BrowserContextOptions = { viewport: { width: 1024, height: 768 } };
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
/** Bounds every browser action and navigation, so a broken page fails fast instead of hanging. */
const ACTION_TIMEOUT_MS = 15_000;

type Json = Record<string, unknown>;
type Answer = { status: number; body: Json };

/** A request we can look at while it is still in flight: `settled` flips when it answers. */
type Pending<T> = { settled: boolean; settledAt?: number; promise: Promise<T> };
function inFlight<T>(promise: Promise<T>): Pending<T> {
  const pending: Pending<T> = { settled: false, promise };
  const settle = () => {
    pending.settled = true;
    pending.settledAt = Date.now();
  };
  promise.then(settle, settle);
  return pending;
}

describe("an agent asks for access; a human decides in the browser", { timeout: 240_000 }, () => {
  let edge: Edge;
  let upstream: RecordingUpstream;
  let browser: Browser;
  let agentToken: string;
  let shots: string;
  /** Set when the screenshots go to a temporary directory of ours, removed at the end. */
  let ownShots = false;

  /** The agent's own HTTP calls: its token and the vault it works in, nothing else. */
  async function asAgent(method: string, urlPath: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = { Authorization: `Bearer ${agentToken}`, "X-Vault": VAULT };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(`${edge.addr}${urlPath}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  }

  async function setUp(method: string, urlPath: string, token: string | undefined, body?: unknown): Promise<Json> {
    const res = await edge.call(method, urlPath, token, body);
    assert.ok(res.status === 200 || res.status === 201, `${method} ${urlPath}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Json;
  }

  /** A browser context (its own cookie jar) that records every URL its pages load. */
  async function openContext(options: BrowserContextOptions): Promise<{ context: BrowserContext; page: Page; loaded: string[] }> {
    const context = await browser.newContext(options);
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
    const loaded: string[] = [];
    context.on("request", (request) => loaded.push(request.url()));
    return { context, page: await context.newPage(), loaded };
  }

  const screenshot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, name), fullPage: true });

  before(async () => {
    const started = await Promise.allSettled([startEdge(), startRecordingUpstream(), launchChromium()]);
    if (started[0].status === "fulfilled") edge = started[0].value;
    if (started[1].status === "fulfilled") upstream = started[1].value;
    if (started[2].status === "fulfilled") browser = started[2].value;
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;

    const dir = process.env.E2E_SCREENSHOT_DIR;
    shots = dir ? path.resolve(ROOT, dir) : await mkdtemp(path.join(tmpdir(), "edgevault-e2e-shots-"));
    ownShots = !dir;
    await mkdir(shots, { recursive: true });

    // The operator's side, through the API with the platform token and the company's owner key.
    const company = await edge.createCompany();
    await setUp("POST", "/v1/vaults", company.ownerKey, { name: VAULT });
    await setUp("POST", "/v1/users", company.ownerKey, { ...REVIEWER, role: "member" });
    // The agent asks for services: deciding that needs an admin of the vault.
    await setUp("POST", `/v1/vaults/${VAULT}/users`, company.ownerKey, { email: REVIEWER.email, role: "admin" });
    const invite = await setUp("POST", "/v1/agents/invites", company.ownerKey, { name: AGENT, vaults: [{ vault: VAULT, role: "proxy" }] });
    // The agent redeems its invite exactly as it would from the URL it was handed.
    const redeemed = await setUp("POST", new URL(String(invite.invite_url)).pathname, undefined);
    agentToken = String(redeemed.token);
  });

  after(async () => {
    await Promise.allSettled([browser?.close(), upstream?.close(), edge?.stop(), ownShots ? rm(shots, { recursive: true, force: true }) : undefined]);
  });

  /**
   * The agent's first move for `host`: the proxy refuses it with a hint, so it raises a proposal
   * and starts a long-poll that stays open until a human decides.
   */
  async function agentAsksFor(host: string, firstCall: string, proposal: Json) {
    const refused = await asAgent("GET", `/proxy/${host}${firstCall}`);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error, "forbidden");
    assert.equal((refused.body.proposal_hint as Json).host, host);
    assert.equal((refused.body.proposal_hint as Json).endpoint, "POST /v1/proposals");

    const raised = await asAgent("POST", "/v1/proposals", proposal);
    assert.equal(raised.status, 201, JSON.stringify(raised.body));
    assert.equal(raised.body.status, "pending");
    assert.equal(raised.body.vault, VAULT);
    const id = String(raised.body.id);
    const approvalUrl = new URL(String(raised.body.approval_url));
    assert.equal(approvalUrl.origin, edge.addr);
    assert.equal(approvalUrl.pathname, `/approve/${id}`);
    assert.ok(approvalUrl.searchParams.get("token"), "the approval_url carries its single-purpose token");

    const waiting = inFlight(asAgent("GET", `/v1/proposals/${id}?wait=60`));
    return { id, approvalUrl, waiting };
  }

  /** Following the approval_url: sent to sign in, then back to the very same URL. */
  async function signInVia(page: Page, approvalUrl: URL, screenshotName?: string) {
    await page.goto(approvalUrl.href);
    const signIn = new URL(page.url());
    assert.equal(signIn.pathname, "/sign-in");
    assert.equal(signIn.searchParams.get("next"), approvalUrl.pathname + approvalUrl.search);
    await assertEveryFieldLabelled(page);
    await page.getByLabel("Email").fill(REVIEWER.email);
    await page.getByLabel("Password").fill(REVIEWER.password);
    if (screenshotName) await screenshot(page, screenshotName);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.href === approvalUrl.href);
  }

  it("on a desktop, the reviewer signs in from the approval_url and approves; the waiting agent's call then goes through with the typed credential", async () => {
    const host = "api.billing.example.com";
    const typed = `sk_live_${Math.random().toString(36).slice(2)}_typed_in_chromium`;
    const obtain = "https://dashboard.billing.example.com/settings/api-keys";
    const { id, approvalUrl, waiting } = await agentAsksFor(host, "/v1/charges?limit=3", {
      services: [{ name: "billing", host, upstream: upstream.origin, auth: { type: "bearer", token: "API_TOKEN" } }],
      credentials: [
        {
          key: "API_TOKEN",
          description: "Billing API secret key (read-only is enough)",
          obtain,
          obtain_instructions: "Settings → API keys → Create restricted key, with the charges:read scope.",
        },
      ],
      message: "I need to list last month's charges to reconcile invoice #1042.",
    });
    assert.equal(upstream.requests.length, 0, "the refused call never reached the upstream");

    const { context, page, loaded } = await openContext(DESKTOP);
    await signInVia(page, approvalUrl, "sign-in.png");

    // Everything the reviewer needs to decide is on the page, in their words.
    await assert.doesNotReject(page.getByRole("heading", { level: 1, name: `Request from agent ${AGENT}` }).waitFor());
    const summary = page.locator("section", { has: page.locator("#summary") });
    assert.match(await summary.innerText(), new RegExp(`Vault ${VAULT}\\s+pending`));
    assert.equal(await summary.locator(".message").innerText(), "I need to list last month's charges to reconcile invoice #1042.");
    const hosts = await page.locator("section", { has: page.locator("#hosts") }).innerText();
    assert.match(hosts, new RegExp(`Allow ${host.replaceAll(".", "\\.")} as billing`));
    assert.match(hosts, /bearer auth using API_TOKEN/);
    const field = page.getByLabel("API_TOKEN");
    assert.equal(await field.getAttribute("type"), "password");
    assert.match(await page.locator("#cred-API_TOKEN-desc").innerText(), /Billing API secret key \(read-only is enough\)/);
    assert.equal(await page.getByRole("link", { name: obtain }).getAttribute("href"), obtain);
    assert.match(await page.locator("#cred-API_TOKEN-how").innerText(), /Settings → API keys → Create restricted key/);
    await assertEveryFieldLabelled(page);

    // Keyboard only: Tab reaches the credential field, and the next stop is "Approve and apply".
    const stops = await tabUntil(page, "cred-API_TOKEN");
    await page.keyboard.type(typed);
    await page.keyboard.press("Tab");
    assert.equal(await focusedLabel(page), "button:Approve and apply", `tab stops: ${stops.join(" → ")}`);
    await screenshot(page, "approval-desktop.png");

    assert.equal(waiting.settled, false, "the agent's ?wait=60 request is still open before the human decides");
    const clickedAt = Date.now();
    await page.getByRole("button", { name: "Approve and apply" }).click();
    await page.waitForURL((url) => url.searchParams.get("done") === "applied");
    assert.match(await page.getByRole("status").innerText(), /Approved and applied/);
    assert.match(await page.locator(".badge").innerText(), /applied/);
    assert.equal(await page.locator("form[action^='/approve/']").count(), 0, "a decided proposal offers no more buttons");
    assert.ok(!(await page.content()).includes(typed), "the typed value is never rendered back");
    await screenshot(page, "approved.png");

    // The long-poll answers with the decision, and only after the click.
    const decided = await waiting.promise;
    assert.ok(waiting.settledAt !== undefined && waiting.settledAt >= clickedAt, "answered after the click, not before");
    assert.equal(decided.status, 200);
    assert.equal(decided.body.id, id);
    assert.equal(decided.body.status, "applied");
    assert.ok(!JSON.stringify(decided.body).includes(typed), "the agent never sees the value");

    // Retrying the original call now works; the upstream saw the human's credential, not the agent's token.
    const retried = await asAgent("GET", `/proxy/${host}/v1/charges?limit=3`);
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.equal(retried.body.path, "/v1/charges?limit=3");
    assert.equal(upstream.requests.length, 1);
    const received = upstream.requests[0];
    assert.equal(received?.headers.authorization, `Bearer ${typed}`);
    assert.equal(received?.headers["x-vault"], undefined);
    for (const request of upstream.requests) assert.ok(!JSON.stringify(request.headers).includes(agentToken), "the agent token never reaches the upstream");

    assertOnlyOwnOrigin(loaded, edge.addr);
    await context.close();
  });

  it("the reviewer's inbox lists what is waiting, with the agent's message, and leads to the same decision page", async () => {
    const { context, page, loaded } = await openContext(DESKTOP);
    const { id, waiting } = await agentAsksFor("api.mailer.example.com", "/v1/messages", {
      services: [
        { name: "mailer", host: "api.mailer.example.com", upstream: upstream.origin, auth: { type: "api-key", key: "MAILER_KEY", header: "X-Api-Key" } },
      ],
      credentials: [{ key: "MAILER_KEY", description: "Mailer API key" }],
      message: "To email the reconciled invoice to the customer.",
    });
    // Signing in without a `next` lands in the inbox.
    await page.goto(`${edge.addr}/sign-in`);
    await page.getByLabel("Email").fill(REVIEWER.email);
    await page.getByLabel("Password").fill(REVIEWER.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/inbox");
    const link = page.getByRole("link", { name: `agent ${AGENT}: To email the reconciled invoice to the customer.` });
    assert.equal(await link.getAttribute("href"), `/approve/${id}`);
    assert.equal(await page.locator("a[href^='/approve/']").count(), 1, "the applied proposal is no longer waiting");
    await assertEveryFieldLabelled(page);
    await screenshot(page, "inbox.png");
    await link.click();
    await page.waitForURL((url) => url.pathname === `/approve/${id}`);
    await page.getByLabel("Reason (the agent sees it)").fill("Not now: we email invoices from the billing system.");
    await page.getByRole("button", { name: "Reject" }).click();
    await page.waitForURL((url) => url.searchParams.get("done") === "rejected");
    assert.equal((await waiting.promise).body.status, "rejected");
    assertOnlyOwnOrigin(loaded, edge.addr);
    await context.close();
  });

  it("on a phone, the reviewer rejects with a reason; the waiting agent gets the reason and the host stays closed", async () => {
    const host = "api.crm.example.com";
    const reason = "Please use the read-only CRM export instead; write access is not needed.";
    const { id, approvalUrl, waiting } = await agentAsksFor(host, "/v1/contacts/42", {
      services: [{ name: "crm", host, upstream: upstream.origin, auth: { type: "bearer", token: "CRM_TOKEN" } }],
      credentials: [
        {
          key: "CRM_TOKEN",
          description: "CRM personal access token",
          obtain: "https://crm.example.com/account/tokens",
          obtain_instructions: "Account → Tokens → New token, scope contacts:write.",
        },
      ],
      message: "I need to update the customer's billing contact.",
    });
    const before = upstream.requests.length;

    const { context, page, loaded } = await openContext(PHONE);
    await signInVia(page, approvalUrl);
    await assertEveryFieldLabelled(page);

    // Fits a 390 px screen: no sideways scrolling, no zoom, full-width touch targets.
    const fit = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      scale: window.visualViewport?.scale ?? 1,
    }));
    assert.equal(fit.innerWidth, 390, "the layout viewport was not widened to fit overflowing content");
    assert.ok(fit.scrollWidth <= fit.innerWidth, `no horizontal overflow (scrollWidth ${fit.scrollWidth} > ${fit.innerWidth})`);
    assert.equal(fit.scale, 1);
    for (const name of ["Approve and apply", "Reject"]) {
      const button = page.getByRole("button", { name, exact: true });
      assert.ok(await button.isVisible(), `${name} is visible`);
      const box = await button.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= fit.innerWidth, `${name} lies within the screen's width: ${JSON.stringify(box)}`);
      assert.ok(box.height >= 44, `${name} is a comfortable touch target (${box.height}px tall)`);
    }

    const reasonField = page.getByLabel("Reason (the agent sees it)");
    await reasonField.tap();
    await reasonField.fill(reason);
    await screenshot(page, "approval-phone.png");

    assert.equal(waiting.settled, false, "the agent is still waiting before the human decides");
    const tappedAt = Date.now();
    await page.getByRole("button", { name: "Reject", exact: true }).tap();
    await page.waitForURL((url) => url.searchParams.get("done") === "rejected");
    assert.match(await page.getByRole("status").innerText(), /Rejected\. The agent has been told\./);

    const decided = await waiting.promise;
    assert.ok(waiting.settledAt !== undefined && waiting.settledAt >= tappedAt, "answered after the tap, not before");
    assert.equal(decided.status, 200);
    assert.equal(decided.body.id, id);
    assert.equal(decided.body.status, "rejected");
    assert.equal(decided.body.review_note, reason);

    const stillRefused = await asAgent("GET", `/proxy/${host}/v1/contacts/42`);
    assert.equal(stillRefused.status, 403);
    assert.equal(stillRefused.body.error, "forbidden");
    assert.equal(upstream.requests.length, before, "nothing reached the upstream for a rejected host");

    assertOnlyOwnOrigin(loaded, edge.addr);
    await context.close();
  });
});
