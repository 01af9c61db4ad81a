/**
 * Single sign-on end to end, with nothing simulated: a real `wrangler dev` edge, a real OpenID
 * provider (oidc-provider, PKCE required: test/support/authorization-server.ts) with its own login
 * and consent pages, and people in headless Chromium. A person types their work address, is told
 * which company and which provider they are going to, signs in at the provider's page and lands in
 * the console — created on their first sign-in, an owner when their group maps to it; once the
 * company turns passwords off, its host's sign-in page offers only the provider; and the same
 * address through another company's provider signs in to that company, never to the first.
 *
 * Screenshots go to $E2E_SCREENSHOT_DIR when set. No sleeps: every step awaits a navigation or a locator.
 */
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { ROOT, startEdge, type Edge, type TestCompany } from "../cli/support/edge.ts";
import { type AuthorizationServer, startAuthorizationServer } from "../support/authorization-server.ts";
import { OWNERS_GROUP, SSO_ACCOUNTS } from "../support/sso-accounts.ts";
import { launchChromium } from "./support/browser.ts";
import { assertEveryFieldLabelled } from "./support/page-checks.ts";

const ACTION_TIMEOUT_MS = 15_000;

describe("people sign in through their company's identity provider, into that company only", { timeout: 240_000 }, () => {
  let edge: Edge;
  let provider: AuthorizationServer;
  let browser: Browser;
  let acme: TestCompany;
  let other: TestCompany;

  const screenshot = async (page: Page, name: string) => {
    const dir = process.env.E2E_SCREENSHOT_DIR;
    if (!dir) return;
    await mkdir(path.resolve(ROOT, dir), { recursive: true });
    await page.screenshot({ path: path.resolve(ROOT, dir, name), fullPage: true });
  };

  async function freshPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
    return context.newPage();
  }

  /** Makes a client at the provider and sets it as the company's provider. */
  async function setUp(company: TestCompany, settings: Record<string, unknown>) {
    const client = await provider.registerClient({
      redirect_uris: [`${edge.addr}/sign-in/sso/callback`],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    });
    const body = { issuer: provider.issuer, client_id: client.client_id, client_secret: client.client_secret, ...settings };
    const res = await edge.call("PUT", "/v1/company/sso", company.ownerKey, body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return client;
  }

  /** The provider's own pages: its login form (any password), then its consent. */
  async function atProvider(page: Page, login: string) {
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.locator("input[name=login]").fill(login);
    await page.locator("input[name=password]").fill("whatever the provider's dev pages take");
    await page.getByRole("button", { name: "Sign-in" }).click();
    await page.getByRole("button", { name: "Continue" }).click();
  }

  /** The console's header and menu once signed in (the Refresh has moved on from the landing page). */
  async function signedInAt(page: Page, pathname: string) {
    await page.waitForURL((url) => url.origin === edge.addr && url.pathname === pathname);
    return { who: await page.locator(".who").innerText(), menu: await page.locator("nav.nav").innerText() };
  }

  before(async () => {
    [edge, provider, browser] = await Promise.all([startEdge(), startAuthorizationServer({ accounts: Object.values(SSO_ACCOUNTS) }), launchChromium()]);
    [acme, other] = await Promise.all([edge.createCompany(), edge.createCompany()]);
    await setUp(acme, { domains: ["acme.example"], scopes: ["groups"], group_roles: { [OWNERS_GROUP]: "owner" } });
    await setUp(other, {});
  });

  after(async () => {
    await Promise.allSettled([browser?.close(), provider?.close(), edge?.stop()]);
  });

  it("a person types their work address, sees where they go, signs in at the provider, and is made an owner by their group", async () => {
    const page = await freshPage();
    await page.goto(`${edge.addr}/sign-in?next=/vaults`);
    await page.getByRole("link", { name: "Use single sign-on" }).click();
    await page.getByLabel("Work address").fill(SSO_ACCOUNTS.ada.email);
    await assertEveryFieldLabelled(page);
    await screenshot(page, "sso-address.png");
    await page.getByRole("button", { name: "Continue" }).click();
    await assert.doesNotReject(page.getByRole("heading", { level: 1, name: `Sign in to Company ${acme.id}` }).waitFor());
    const providerHost = new URL(provider.issuer).host;
    await screenshot(page, "sso-continue.png");
    await page.getByRole("link", { name: `Continue to ${providerHost}` }).click();
    await atProvider(page, SSO_ACCOUNTS.ada.id);
    const landed = await signedInAt(page, "/vaults");
    assert.equal(landed.who, SSO_ACCOUNTS.ada.email);
    assert.match(landed.menu, /Users/, "an owner's menu: the provider's group mapped to the owner role");
    await screenshot(page, "sso-signed-in.png");

    const people = (await edge.call("GET", "/v1/users", acme.ownerKey)).body as { users: { email: string; role: string; status: string }[] };
    assert.deepEqual(
      people.users.map((u) => [u.email, u.role, u.status]),
      [[SSO_ACCOUNTS.ada.email, "owner", "active"]],
    );
    await page.context().close();
  });

  it("someone outside the mapped group starts as a member", async () => {
    const page = await freshPage();
    await page.goto(`${edge.addr}/sign-in/sso?email=${encodeURIComponent(SSO_ACCOUNTS.bob.email)}`);
    await page.getByRole("link", { name: /^Continue to / }).click();
    await atProvider(page, SSO_ACCOUNTS.bob.id);
    const landed = await signedInAt(page, "/inbox");
    assert.equal(landed.who, SSO_ACCOUNTS.bob.email);
    assert.doesNotMatch(landed.menu, /Users/, "a member's menu");
    await page.context().close();
  });

  it("with passwords off, the company's host offers only its provider, and that is how people get in", async () => {
    const client = await setUp(acme, { domains: ["acme.example"], scopes: ["groups"], group_roles: { [OWNERS_GROUP]: "owner" }, password_sign_in: false });
    assert.ok(client.client_id);
    const page = await freshPage();
    const host = new URL(edge.addr);
    await page.goto(`${host.protocol}//${acme.id}.localhost:${host.port}/sign-in`);
    assert.equal(await page.locator("input[name=password]").count(), 0, "no password form");
    await screenshot(page, "sso-company-host.png");
    await page.getByRole("link", { name: "Continue with single sign-on" }).click();
    await page.getByRole("link", { name: /^Continue to / }).click();
    await atProvider(page, SSO_ACCOUNTS.ada.id);
    assert.equal((await signedInAt(page, "/inbox")).who, SSO_ACCOUNTS.ada.email);

    const password = await edge.call("POST", "/v1/users", acme.ownerKey, { email: "pat@acme.example", role: "member", password: "a long enough password" });
    assert.equal(password.status, 201);
    const refused = await edge.call("POST", "/v1/auth/sign-in", undefined, { email: "pat@acme.example", password: "a long enough password" });
    assert.deepEqual([refused.status, (refused.body as { error: string }).error], [403, "password_sign_in_disabled"]);
    await page.context().close();
  });

  it("the same address through another company's provider signs in to that company, never to the first", async () => {
    const page = await freshPage();
    await page.goto(`${edge.addr}/sign-in/sso?company=${other.id}`);
    await page.getByRole("link", { name: /^Continue to / }).click();
    await atProvider(page, SSO_ACCOUNTS.ada.id);
    const landed = await signedInAt(page, "/inbox");
    assert.equal(landed.who, SSO_ACCOUNTS.ada.email);
    assert.doesNotMatch(landed.menu, /Users/, "a member of the other company, not acme's owner");
    // The session itself says whose it is (the pages' CSP lets them fetch nothing, so it is opened as a page).
    const whoami = JSON.parse((await (await page.goto(`${edge.addr}/v1/whoami`))?.text()) ?? "{}") as { company: { id: string }; company_role: string };
    assert.deepEqual([whoami.company.id, whoami.company_role], [other.id, "member"]);
    const otherPeople = (await edge.call("GET", "/v1/users", other.ownerKey)).body as { users: { email: string }[] };
    assert.deepEqual(
      otherPeople.users.map((u) => u.email),
      [SSO_ACCOUNTS.ada.email],
    );
    await page.context().close();
  });
});
