/**
 * The console end to end, with nothing simulated: a real `wrangler dev` edge, a real upstream on
 * loopback, agents speaking plain HTTP, and people in real headless Chromium. The owner signs in,
 * invites a person (who accepts on the accept page and signs in), invites an agent, adds a
 * service and a credential, sees the agent's proxied request on the traffic page, makes the
 * invited person an admin of the vault (who then approves the agent's proposal, and the agent's
 * call goes through with the credential they typed), approves a registration with a subset of
 * what it asked for, finds that in the audit log, and creates and deletes a vault. No page's
 * HTML ever holds a credential value or a password.
 *
 * Screenshots of every page go to $E2E_SCREENSHOT_DIR (docs/images when regenerating the docs:
 * `E2E_SCREENSHOT_DIR=docs/images npm run test:e2e`), otherwise to a temporary directory that is
 * removed at the end. No sleeps: each step awaits a navigation or a locator; the one wait on the
 * edge (the request log, written after the response by design) reloads the page until the row is
 * there, within a deadline.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { ROOT, startEdge, type Edge, type TestCompany } from "../cli/support/edge.ts";
import { launchChromium } from "./support/browser.ts";
import { assertEveryFieldLabelled, assertOnlyOwnOrigin, focusedLabel } from "./support/page-checks.ts";
import { startRecordingUpstream, type RecordingUpstream } from "./support/upstream.ts";

const VAULT = "payments";
const AGENT = "billing-agent";
const HOST = "api.billing.example.com";
const OWNER = { email: "olivia@acme-robotics.example", password: "owner passphrase for the console" };
const INVITEE = { email: "ravi@acme-robotics.example", name: "Ravi", password: "ravi's own long passphrase" };
const CREDENTIAL = `sk_live_${Math.random().toString(36).slice(2)}_typed_in_the_console`;
/** The host the agent asks for in a proposal, which the invited person approves. */
const LEDGER = {
  host: "api.ledger.example.com",
  message: "To reconcile the charges with the ledger.",
  secret: `lg_${Math.random().toString(36).slice(2)}_typed_by_the_invitee`,
};
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 900 } };
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const ACTION_TIMEOUT_MS = 15_000;
/** The proxy writes its request log after answering (batched, within about 2 s): how long the traffic page may take to show a request. */
const LOG_DEADLINE_MS = 20_000;

type Json = Record<string, unknown>;
type Opened = { context: BrowserContext; page: Page; loaded: string[]; documents: Promise<string>[] };

describe("the console: a company run from the browser", { timeout: 300_000 }, () => {
  let edge: Edge;
  let upstream: RecordingUpstream;
  let browser: Browser;
  let company: TestCompany;
  let shots: string;
  let ownShots = false;
  let agentToken = "";
  const opened: Opened[] = [];

  async function open(options: BrowserContextOptions): Promise<Opened> {
    const context = await browser.newContext(options);
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
    const loaded: string[] = [];
    const documents: Promise<string>[] = [];
    context.on("request", (request) => loaded.push(request.url()));
    // Every HTML document the browser receives, to search for secrets at the end.
    context.on("response", (response) => {
      if (response.request().resourceType() === "document") documents.push(response.text().catch(() => ""));
    });
    const made = { context, page: await context.newPage(), loaded, documents };
    opened.push(made);
    return made;
  }

  const screenshot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, name), fullPage: true });

  async function asAgent(method: string, urlPath: string, token: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, "X-Vault": VAULT };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(`${edge.addr}${urlPath}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  }

  async function signIn(page: Page, who: { email: string; password: string }) {
    await page.goto(`${edge.addr}/sign-in`);
    await page.getByLabel("Email").fill(who.email);
    await page.getByLabel("Password").fill(who.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/inbox");
  }

  /** Follows a link of the console's menu, as a person would. */
  async function menu(page: Page, label: string, pathname: string) {
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: label, exact: true }).click();
    await page.waitForURL((url) => url.pathname === pathname);
    assert.equal(await page.getByRole("navigation", { name: "Console" }).locator("[aria-current=page]").innerText(), label);
  }

  before(async () => {
    const started = await Promise.allSettled([startEdge(), startRecordingUpstream(), launchChromium()]);
    if (started[0].status === "fulfilled") edge = started[0].value;
    if (started[1].status === "fulfilled") upstream = started[1].value;
    if (started[2].status === "fulfilled") browser = started[2].value;
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;

    const dir = process.env.E2E_SCREENSHOT_DIR;
    shots = dir ? path.resolve(ROOT, dir) : await mkdtemp(path.join(tmpdir(), "edgevault-console-shots-"));
    ownShots = !dir;
    await mkdir(shots, { recursive: true });

    // The platform operator makes the company; its first person is made with its owner key.
    company = await edge.createCompany();
    for (const [method, urlPath, body] of [
      ["POST", "/v1/users", { ...OWNER, role: "owner" }],
      ["POST", "/v1/vaults", { name: VAULT }],
    ] as const) {
      const res = await edge.call(method, urlPath, company.ownerKey, body);
      assert.equal(res.status, 201, `${method} ${urlPath}: ${JSON.stringify(res.body)}`);
    }
  });

  after(async () => {
    await Promise.allSettled([
      ...opened.map((o) => o.context.close()),
      browser?.close(),
      upstream?.close(),
      edge?.stop(),
      ownShots ? rm(shots, { recursive: true, force: true }) : undefined,
    ]);
  });

  it("the owner invites a person, who accepts on the accept page and signs in (on a phone) to a menu of their own", async () => {
    const { page } = await open(DESKTOP);
    await signIn(page, OWNER);
    await menu(page, "Users", "/users");
    await assertEveryFieldLabelled(page);
    await page.getByLabel("Email").fill(INVITEE.email);
    await page.getByLabel("Name (optional)").fill(INVITEE.name);
    await page.getByLabel("Company role").selectOption("member");
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: `Invited ${INVITEE.email}` }).waitFor();
    const link = new URL(await page.locator("#invite-link").innerText());
    assert.equal(link.origin, edge.addr);
    assert.match(link.pathname, /^\/accept\/evi_/);
    await screenshot(page, "console-user-invited.png");
    await menu(page, "Users", "/users");
    const row = page.locator("tr", { hasText: INVITEE.email });
    assert.match(await row.innerText(), /invited/);
    assert.ok(!(await page.content()).includes(link.pathname), "the list never shows the invite's token");
    await screenshot(page, "console-users.png");

    const phone = await open(PHONE);
    await phone.page.goto(link.href);
    await phone.page.getByRole("heading", { level: 1, name: /^Join / }).waitFor();
    assert.ok(!(await phone.page.content()).includes(link.pathname.slice("/accept/".length)), "the accept page never writes the token into the page");
    await assertEveryFieldLabelled(phone.page);
    await phone.page.getByLabel("Your name (optional)").fill(INVITEE.name);
    await phone.page.getByLabel("Password", { exact: true }).fill(INVITEE.password);
    await phone.page.getByLabel("Password again").fill(INVITEE.password);
    await screenshot(phone.page, "console-accept-phone.png");
    await phone.page.getByRole("button", { name: "Set my password" }).click();
    await phone.page.getByRole("heading", { name: "Your password is set" }).waitFor();
    await phone.page.getByRole("link", { name: "Sign in" }).click();
    await phone.page.waitForURL((url) => url.pathname === "/sign-in");
    await phone.page.getByLabel("Email").fill(INVITEE.email);
    await phone.page.getByLabel("Password").fill(INVITEE.password);
    await phone.page.getByRole("button", { name: "Sign in" }).click();
    await phone.page.waitForURL((url) => url.pathname === "/inbox");
    const items = await phone.page.getByRole("navigation", { name: "Console" }).getByRole("link").allInnerTexts();
    assert.deepEqual(items, ["Inbox", "Agents", "Vaults"], "a member's menu offers only what a member may open");
    // The menu wraps on a phone: nothing scrolls sideways, every entry is a comfortable target.
    const fit = await phone.page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
    assert.ok(fit.scrollWidth <= fit.innerWidth, `no horizontal overflow (${fit.scrollWidth} > ${fit.innerWidth})`);
    for (const box of await phone.page
      .getByRole("navigation", { name: "Console" })
      .getByRole("link")
      .evaluateAll((links) => links.map((l) => l.getBoundingClientRect().height)))
      assert.ok(box >= 44, `menu entries are 44 px tall or more (${box})`);
    await screenshot(phone.page, "console-member-phone.png");
    const refused = await phone.page.goto(`${edge.addr}/users`);
    assert.equal(refused?.status(), 403);
    await phone.page.getByRole("alert").waitFor();
  });

  it("the owner invites an agent: a confirmation step, then the prompt once; the agent redeems it", async () => {
    const { page } = await open(DESKTOP);
    await signIn(page, OWNER);
    await menu(page, "Agents", "/agents");
    await page.getByRole("link", { name: "Invite an agent" }).click();
    await page.waitForURL((url) => url.pathname === "/agent-invites");
    await assertEveryFieldLabelled(page);
    await page.getByLabel("Agent name").fill(AGENT);
    await page.getByLabel(`Vault ${VAULT}`).selectOption("proxy");
    await page.getByLabel("The invite works for").selectOption({ label: "1 hour" });
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { level: 1, name: `Invite ${AGENT}` }).waitFor();
    assert.match(await page.locator("main").innerText(), new RegExp(`proxy in ${VAULT}`));
    await screenshot(page, "console-agent-invite-confirm.png");
    await page.getByRole("button", { name: "Create the invite" }).click();
    await page.getByRole("heading", { level: 1, name: `Invite for ${AGENT}` }).waitFor();
    const prompt = await page.locator("#prompt").innerText();
    const inviteUrl = /curl -s -X POST (\S+)/.exec(prompt)?.[1] ?? "";
    assert.ok(inviteUrl.startsWith(`${edge.addr}/invite/`), prompt);
    await screenshot(page, "console-agent-invite-prompt.png");

    // The agent, handed the prompt, redeems it over plain HTTP.
    const redeemed = await fetch(inviteUrl, { method: "POST" });
    assert.equal(redeemed.status, 200);
    agentToken = String(((await redeemed.json()) as Json).token);
    await page.goto(`${edge.addr}/agent-invites`);
    assert.ok(!(await page.content()).includes(new URL(inviteUrl).pathname), "the pending list never shows an invite's URL");
  });

  it("the owner adds a service and types its credential; the agent's call goes through; the traffic page shows it", async () => {
    const { page } = await open(DESKTOP);
    await signIn(page, OWNER);
    await menu(page, "Vaults", "/vaults");
    await page.getByRole("link", { name: VAULT }).click();
    await page.waitForURL((url) => url.pathname === `/vaults/${VAULT}`);
    await page.getByText("Add a service").click();
    await page.locator("#add-name").fill("billing");
    await page.locator("#add-host").fill(HOST);
    await page.locator("#add-upstream").fill(upstream.origin);
    await page.locator("#add-description").fill("The billing API: charges and refunds");
    await page.getByLabel("Auth", { exact: true }).selectOption("bearer");
    await page.locator("#add-bearer_token").fill("API_TOKEN");
    await assertEveryFieldLabelled(page);
    await page.getByRole("button", { name: "Add the service" }).click();
    await page.waitForURL((url) => url.searchParams.get("done") === "service");
    await page.getByRole("status").filter({ hasText: "Service added." }).waitFor();

    await page.getByLabel("Key", { exact: true }).fill("API_TOKEN");
    await page.getByLabel("New value").fill(CREDENTIAL);
    assert.equal(await page.getByLabel("New value").getAttribute("type"), "password");
    await page.getByRole("button", { name: "Store the value" }).click();
    await page.waitForURL((url) => url.searchParams.get("done") === "credential");
    const credentials = page.locator("section", { has: page.locator("#credentials") });
    assert.match(await credentials.innerText(), /API_TOKEN\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    assert.ok(!(await page.content()).includes(CREDENTIAL), "the typed value is never rendered back");
    await screenshot(page, "console-vault.png");

    // The agent calls the API through the edge; the upstream sees the typed credential, the agent never does.
    const charges = await asAgent("GET", `/proxy/${HOST}/v1/charges?limit=3`, agentToken);
    assert.equal(charges.status, 200, JSON.stringify(charges.body));
    assert.equal(upstream.requests.at(-1)?.headers.authorization, `Bearer ${CREDENTIAL}`);
    const refused = await asAgent("GET", "/proxy/api.unknown.example.com/v1/x", agentToken);
    assert.equal(refused.status, 403);

    await page.getByRole("link", { name: "Traffic" }).click();
    await page.waitForURL((url) => url.pathname === `/vaults/${VAULT}/traffic`);
    const rows = page.locator("main table tbody tr", { hasText: "/v1/charges" });
    const deadline = Date.now() + LOG_DEADLINE_MS;
    while ((await rows.count()) === 0) {
      assert.ok(Date.now() < deadline, "the agent's request reached the traffic page within the deadline");
      await page.reload();
    }
    assert.match(await rows.first().innerText(), new RegExp(`${AGENT}[\\s\\S]*billing[\\s\\S]*GET ${HOST.replaceAll(".", "\\.")}/v1/charges[\\s\\S]*200`));
    assert.ok(!(await rows.first().innerText()).includes("limit=3"), "the log keeps no query string");
    assert.equal(await page.locator("svg.chart").count(), 1);
    assert.match((await page.locator("svg.chart desc").textContent()) ?? "", /\d+ requests?, \d+ refused/);
    // Totals per service and per caller: the service's calls, and the agent by its name.
    const totals = await page.locator("section", { has: page.locator("#totals-heading") }).innerText();
    assert.match(totals, /By service[\s\S]*billing\s+\d+\s+\d+\s+\d+ ms/);
    assert.match(totals, new RegExp(`By caller[\\s\\S]*${AGENT}\\s+\\d+\\s+\\d+`));
    await assertEveryFieldLabelled(page);
    await screenshot(page, "console-traffic.png");
    await page.getByLabel("Refusals", { exact: true }).selectOption("refused");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL((url) => url.searchParams.get("denial") === "refused");
    assert.equal(await page.locator("main table tbody tr", { hasText: "/v1/charges" }).count(), 0);
  });

  it("the owner approves a self-registration with a subset of what it asked for, and finds it in the audit log", async () => {
    const registered = await fetch(`${edge.addr}/v1/companies/${company.id}/agents/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "report-writer", capabilities: ["api_call", "file_access", "mail_send"] }),
    });
    assert.equal(registered.status, 201);
    const claimToken = String(((await registered.json()) as Json).claim_token);

    const { page } = await open(DESKTOP);
    await signIn(page, OWNER);
    await menu(page, "Registrations", "/registrations");
    const card = page.locator("section", { hasText: "report-writer" });
    await assertEveryFieldLabelled(page);
    await screenshot(page, "console-registrations.png");
    await card.getByLabel("mail_send").uncheck();
    await card.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL((url) => url.searchParams.get("done") === "approved");
    await page.getByText("No registration is waiting.").waitFor();

    const claimed = await fetch(`${edge.addr}/v1/registrations/claim`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ claim_token: claimToken }),
    });
    assert.equal(claimed.status, 200);
    assert.deepEqual(((await claimed.json()) as Json).capabilities, ["api_call", "file_access"]);

    await menu(page, "Audit", "/audit");
    await page.getByLabel("Action").selectOption("registration.approve");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL((url) => url.searchParams.get("action") === "registration.approve");
    const entry = page.locator("main table tbody tr").first();
    const text = await entry.innerText();
    assert.match(text, new RegExp(OWNER.email.replaceAll(".", "\\.")));
    assert.match(text, /registration\.approve/);
    assert.match(text, /"capabilities":\["api_call","file_access"\]/);
    await screenshot(page, "console-audit.png");

    // Layout, on a desktop and a narrow window: every filter field stays inside its column (the
    // date-and-time fields once overflowed), and no action is broken mid-word.
    await page.getByLabel("Action").selectOption("");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL((url) => url.pathname === "/audit" && !url.searchParams.get("action"));
    for (const width of [1280, 700]) {
      await page.setViewportSize({ width, height: 900 });
      const overflowing = await page.locator("form .filters > div").evaluateAll((cells) =>
        cells
          .filter((cell) => {
            const field = cell.querySelector("input, select");
            if (!field) return false;
            const [box, inner] = [cell.getBoundingClientRect(), field.getBoundingClientRect()];
            return inner.left < box.left - 0.5 || inner.right > box.right + 0.5;
          })
          .map((cell) => cell.querySelector("label")?.textContent),
      );
      assert.deepEqual(overflowing, [], `fields overflow their columns at ${width}px`);
      const broken = await page
        .locator("main table code.whole")
        .evaluateAll((codes) => codes.filter((code) => code.getClientRects().length > 1).map((code) => code.textContent));
      assert.deepEqual(broken, [], `actions broken mid-word at ${width}px`);
      assert.ok((await page.locator("main table code.whole").count()) > 3);
    }
  });

  it("the owner makes the invited person an admin of the vault on its page; the agent's proposal is then theirs to approve", async () => {
    // The agent is refused a host its vault has no service for, and asks for it.
    const refused = await asAgent("GET", `/proxy/${LEDGER.host}/v1/entries`, agentToken);
    assert.equal(refused.status, 403);
    assert.equal((refused.body.proposal_hint as Json).host, LEDGER.host);
    const raised = await asAgent("POST", "/v1/proposals", agentToken, {
      services: [{ name: "ledger", host: LEDGER.host, upstream: upstream.origin, auth: { type: "bearer", token: "LEDGER_TOKEN" } }],
      credentials: [{ key: "LEDGER_TOKEN", description: "Ledger API token, read-only" }],
      message: LEDGER.message,
    });
    assert.equal(raised.status, 201, JSON.stringify(raised.body));
    const id = String(raised.body.id);
    assert.equal(new URL(String(raised.body.approval_url)).pathname, `/approve/${id}`);

    // Ravi, a company member with no role in the vault yet, has nothing to decide.
    const ravi = await open(DESKTOP);
    await signIn(ravi.page, INVITEE);
    await ravi.page.getByText("Nothing is waiting for you.").waitFor();

    const { page } = await open(DESKTOP);
    await signIn(page, OWNER);
    await menu(page, "Vaults", "/vaults");
    await page.getByRole("link", { name: VAULT }).click();
    await page.waitForURL((url) => url.pathname === `/vaults/${VAULT}`);
    await page.getByLabel("Their e-mail").fill(INVITEE.email);
    await page.getByLabel("Their role in this vault").selectOption("admin");
    await assertEveryFieldLabelled(page);
    await page.getByRole("button", { name: "Add to the vault" }).click();
    await page.waitForURL((url) => url.searchParams.get("done") === "member_added");
    assert.equal(await page.getByLabel(`Role of ${INVITEE.email}`).inputValue(), "admin");
    assert.equal(await page.getByLabel(`Role of ${AGENT}`).inputValue(), "proxy");
    await page.locator("#members").scrollIntoViewIfNeeded();
    await screenshot(page, "console-vault-members.png");

    // Now it is in Ravi's inbox; he approves it, typing the credential.
    await ravi.page.reload();
    const link = ravi.page.getByRole("link", { name: `agent ${AGENT}: ${LEDGER.message}` });
    assert.equal(await link.getAttribute("href"), `/approve/${id}`);
    await link.click();
    await ravi.page.waitForURL((url) => url.pathname === `/approve/${id}`);
    await ravi.page.getByLabel("LEDGER_TOKEN").fill(LEDGER.secret);
    await ravi.page.getByRole("button", { name: "Approve and apply" }).click();
    await ravi.page.waitForURL((url) => url.searchParams.get("done") === "applied");
    assert.ok(!(await ravi.page.content()).includes(LEDGER.secret), "the typed value is never rendered back");

    const decided = await asAgent("GET", `/v1/proposals/${id}`, agentToken);
    assert.equal(decided.body.status, "applied");
    const entries = await asAgent("GET", `/proxy/${LEDGER.host}/v1/entries`, agentToken);
    assert.equal(entries.status, 200, JSON.stringify(entries.body));
    assert.equal(upstream.requests.at(-1)?.url, "/v1/entries");
    assert.equal(upstream.requests.at(-1)?.headers.authorization, `Bearer ${LEDGER.secret}`);
  });

  it("every page: keyboard reachable, visible focus, light and dark, nothing from other hosts, and never a secret", async () => {
    const { page, loaded } = await open(DESKTOP);
    await signIn(page, OWNER);
    // Keyboard: from the top, Tab reaches the menu; the focused link shows a ring.
    await page.goto(`${edge.addr}/agents`);
    let stops = "";
    for (let i = 0; i < 12 && !stops.endsWith("a:Vaults"); i++) {
      await page.keyboard.press("Tab");
      stops += ` → ${await focusedLabel(page)}`;
    }
    assert.ok(stops.endsWith("a:Vaults"), `Tab reaches the menu: ${stops}`);
    const ring = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    assert.notEqual(ring, "none", "the focused link shows its focus");
    await screenshot(page, "console-agents.png");
    await page.getByRole("link", { name: AGENT, exact: true }).click();
    await page.waitForURL((url) => url.pathname === `/agents/${AGENT}`);
    assert.match(await page.locator("dl.facts").innerText(), new RegExp(`spiffe://[^\\s]+/company/${company.id}/agent/${AGENT}`));
    await screenshot(page, "console-agent.png");
    for (const [pathname, name] of [
      ["/vaults", "console-vaults.png"],
      ["/api-keys", "console-api-keys.png"],
    ] as const) {
      await page.goto(`${edge.addr}${pathname}`);
      await assertEveryFieldLabelled(page);
      await screenshot(page, name);
    }
    // A vault made and deleted from the browser (after its confirmation step); a service's delete step, cancelled.
    await page.goto(`${edge.addr}/vaults`);
    await page.getByLabel("Name", { exact: true }).fill("scratch");
    await page.getByRole("button", { name: "Create the vault" }).click();
    await page.waitForURL((url) => url.pathname === "/vaults/scratch" && url.searchParams.get("done") === "created");
    await page.getByRole("button", { name: "Delete the vault…" }).click();
    await page.getByRole("heading", { level: 1, name: "Delete the vault scratch" }).waitFor();
    await screenshot(page, "console-vault-delete-confirm.png");
    await page.getByRole("button", { name: "Delete the vault", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/vaults" && url.searchParams.get("done") === "deleted");
    assert.equal(await page.locator('a[href="/vaults/scratch"]').count(), 0);
    await page.goto(`${edge.addr}/vaults/${VAULT}/services/billing`);
    await page.getByRole("button", { name: "Delete the service…" }).click();
    await page.getByRole("heading", { level: 1, name: "Delete the service billing" }).waitFor();
    await page.getByRole("link", { name: "Cancel" }).click();
    await page.waitForURL((url) => url.pathname === `/vaults/${VAULT}/services/billing`);
    assertOnlyOwnOrigin(loaded, edge.addr);

    const dark = await open({ ...DESKTOP, colorScheme: "dark" });
    await signIn(dark.page, OWNER);
    await dark.page.goto(`${edge.addr}/vaults/${VAULT}`);
    const background = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(background, light, "prefers-color-scheme: dark changes the colours");
    await screenshot(dark.page, "console-vault-dark.png");

    // Every HTML document any of these browsers received: no credential value, no password.
    const documents = await Promise.all(opened.flatMap((o) => o.documents));
    assert.ok(documents.length > 20, `${documents.length} documents seen`);
    for (const secret of [CREDENTIAL, LEDGER.secret, OWNER.password, INVITEE.password, agentToken, company.ownerKey]) {
      const holders = documents.filter((d) => d.includes(secret)).length;
      assert.equal(holders, 0, `a page held a secret (${secret.slice(0, 6)}…)`);
    }
  });
});
