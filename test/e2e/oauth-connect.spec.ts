/**
 * Connecting an OAuth service's account end to end, with nothing simulated: a real `wrangler dev`
 * edge, a real authorization server (oidc-provider: PKCE required, refresh tokens rotated on every
 * use; test/support/authorization-server.ts) with its own login and consent pages, a recording
 * upstream, and a vault admin in headless Chromium. The admin presses "Connect" on the vault page,
 * sees the provider and the scopes, goes through the provider's real login and consent, and lands
 * on "connected"; an agent's /proxy call then reaches the upstream with the provider's access
 * token, and the refresh token is nowhere but sealed in the vault.
 *
 * Screenshots go to $E2E_SCREENSHOT_DIR when set. No sleeps: every step awaits a navigation or a locator.
 */
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { ROOT, startEdge, type Edge, type TestCompany, type TestUser } from "../cli/support/edge.ts";
import { type AuthorizationServer, startAuthorizationServer } from "../support/authorization-server.ts";
import { launchChromium } from "./support/browser.ts";
import { assertEveryFieldLabelled } from "./support/page-checks.ts";
import { type RecordingUpstream, startRecordingUpstream } from "./support/upstream.ts";

const ACTION_TIMEOUT_MS = 15_000;
const VAULT = "dev";
const SCOPES = ["openid", "offline_access", "read"];

describe("a vault admin connects an account through the provider's consent, and agents then reach the service", { timeout: 240_000 }, () => {
  let edge: Edge;
  let provider: AuthorizationServer;
  let upstream: RecordingUpstream;
  let browser: Browser;
  let company: TestCompany;
  let admin: TestUser;
  let agentToken: string;
  let client: { client_id: string; client_secret?: string };
  const host = `connect-${Date.now().toString(36)}.example.com`;

  const screenshot = async (page: Page, name: string) => {
    const dir = process.env.E2E_SCREENSHOT_DIR;
    if (!dir) return;
    await mkdir(path.resolve(ROOT, dir), { recursive: true });
    await page.screenshot({ path: path.resolve(ROOT, dir, name), fullPage: true });
  };

  async function setUp(method: string, urlPath: string, token: string | undefined, body?: unknown) {
    const res = await edge.call(method, urlPath, token, body);
    assert.ok(res.status < 300, `${method} ${urlPath}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  }

  before(async () => {
    [edge, provider, upstream, browser] = await Promise.all([startEdge(), startAuthorizationServer(), startRecordingUpstream(), launchChromium()]);
    company = await edge.createCompany();
    admin = await edge.createUser(company, "owner");
    client = await provider.registerClient({
      redirect_uris: [`${edge.addr}/oauth/callback`],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
      scope: SCOPES.join(" "),
    });
    await setUp("POST", "/v1/vaults", company.ownerKey, { name: VAULT });
    await setUp("POST", `/v1/vaults/${VAULT}/services`, company.ownerKey, {
      name: "crm",
      host,
      upstream: upstream.origin,
      auth: {
        type: "oauth",
        client_id: client.client_id,
        client_secret_key: "CRM_CLIENT_SECRET",
        refresh_token_key: "CRM_REFRESH_TOKEN",
        token_endpoint: provider.tokenEndpoint,
        scopes: SCOPES,
      },
    });
    await setUp("POST", "/v1/credentials", company.ownerKey, { vault: VAULT, credentials: { CRM_CLIENT_SECRET: client.client_secret } });
    const invite = await setUp("POST", "/v1/agents/invites", company.ownerKey, { name: "crm-agent", vaults: [{ vault: VAULT, role: "proxy" }] });
    agentToken = String((await setUp("POST", new URL(String(invite.invite_url)).pathname, undefined)).token);
  });

  after(async () => {
    await Promise.allSettled([browser?.close(), provider?.close(), upstream?.close(), edge?.stop()]);
  });

  it("Connect, the scopes shown, the provider's own login and consent, connected; then an agent's call carries the provider's access token", async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
    const page = await context.newPage();

    await page.goto(`${edge.addr}/sign-in`);
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/inbox");

    await page.goto(`${edge.addr}/vaults/${VAULT}`);
    const providerHost = new URL(provider.issuer).host;
    await page.getByRole("button", { name: `Connect ${providerHost} for crm` }).click();
    await page.waitForURL((url) => url.origin === edge.addr && /^\/vaults\/dev\/oauth\/oac_/.test(url.pathname));
    await assertEveryFieldLabelled(page);
    const shown = await page.locator("main").innerText();
    for (const scope of SCOPES) assert.ok(shown.includes(scope), `scope ${scope} shown before going`);
    assert.ok(shown.includes(`${edge.addr}/oauth/callback`), "the redirect URI is named");
    await screenshot(page, "oauth-connect-page.png");

    await page.getByRole("button", { name: `Continue to ${providerHost}` }).click();
    await page.getByRole("link", { name: `Go to ${providerHost}` }).click();
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.locator("input[name=login]").fill("ada@acme.example");
    await page.locator("input[name=password]").fill("whatever the provider's dev pages take");
    await page.getByRole("button", { name: "Sign-in" }).click();
    await screenshot(page, "oauth-provider-consent.png");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL((url) => url.origin === edge.addr && url.pathname === "/oauth/callback");
    await page.getByRole("heading", { name: `${providerHost} connected` }).waitFor();
    await screenshot(page, "oauth-connected.png");

    // The agent's call: the provider's access token reaches the upstream, nothing else of the grant.
    const proxied = await fetch(`${edge.addr}/proxy/${host}/v1/contacts`, { headers: { Authorization: `Bearer ${agentToken}`, "X-Vault": VAULT } });
    assert.equal(proxied.status, 200, await proxied.clone().text());
    const issued = provider.issuedTokens();
    const sent = String(upstream.requests.at(-1)?.headers.authorization ?? "");
    assert.ok(sent.startsWith("Bearer "), "a bearer token reached the upstream");
    assert.ok(
      issued.some((t) => t.access_token === sent.slice(7)),
      "it is an access token the provider issued",
    );
    assert.ok(!issued.some((t) => t.refresh_token === sent.slice(7)), "never a refresh token");
    assert.deepEqual(
      provider.tokenCalls().map((c) => c.grantType),
      ["authorization_code", "refresh_token"],
    );
    const html = await page.content();
    for (const t of issued) for (const value of [t.access_token, t.refresh_token]) if (value) assert.ok(!html.includes(value), "no token on the page");
    await context.close();
  });
});
