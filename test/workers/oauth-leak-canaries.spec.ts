/**
 * Leak canaries for OAuth services: the client secret, every refresh token (the one a person
 * obtained, and each one the provider rotated to) and every access token the provider handed the
 * edge (read back from the provider itself). Agents proxy through the service (cold, warm, a 401
 * retried, an upstream that echoes the token back), the provider refuses, an account is connected
 * through the console and its answer replayed, and the service, /discover, the connect, the audit
 * log and the request log are read; then every response (status, headers, body), every line the
 * edge logged and every D1 row are scanned for each canary in every spelling of leak-scan.ts.
 */
import { env, SELF } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BASE, createUser, unique } from "./helpers.ts";
import { spellingsOf } from "./leak-scan.ts";
import { oauthVault, providerLinkOf, REDIRECT_URI } from "./oauth-support.ts";
import { postForm, signInCookie } from "./pages-support.ts";
import { proxyFetch } from "./proxy-support.ts";
import { requestId } from "./upstream.ts";

type Seen = { label: string; text: string };

describe("OAuth services' leak canaries", () => {
  const seen: Seen[] = [];
  const logged: string[] = [];
  beforeEach(() => {
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack ?? ""}` : typeof a === "string" ? a : JSON.stringify(a))).join(" "));
      });
    }
  });
  afterEach(() => vi.restoreAllMocks());

  const record = async (label: string, response: Response | Promise<Response>) => {
    const res = await response;
    const text = await res.text();
    seen.push({ label, text: `${res.status} ${JSON.stringify([...res.headers])} ${text}` });
    return { status: res.status, text, headers: res.headers };
  };

  it("no client secret, refresh token or access token appears in a response, a log line or a D1 row", { timeout: 120_000 }, async () => {
    const s = await oauthVault();
    const api = (path: string, token = s.company.ownerKey, headers: Record<string, string> = {}) =>
      SELF.fetch(`${BASE}${path}`, { headers: { Authorization: `Bearer ${token}`, ...headers } });

    // The agent's side: cold, warm, a 401 retried, an upstream echoing the token (redacted), discovery.
    expect((await record("cold", proxyFetch(s, `/r/${requestId()}/a`))).status).toBe(200);
    expect((await record("warm", proxyFetch(s, `/r/${requestId()}/b`))).status).toBe(200);
    expect((await record("401 retried", proxyFetch(s, `/r/${requestId()}/unauthorized-first`))).status).toBe(200);
    expect((await record("echoed", proxyFetch(s, `/r/${requestId()}/reflect?form=raw`))).status).toBe(200);
    expect((await record("echoed base64", proxyFetch(s, `/r/${requestId()}/reflect?form=base64`))).status).toBe(200);
    expect((await record("discover", api("/discover", s.agent.token, { "X-Vault": s.vault }))).status).toBe(200);

    // A person's side: the service, a connect through the console (and its answer replayed), the logs.
    expect((await record("service", api(`/v1/vaults/${s.vault}/services/svc`))).status).toBe(200);
    const owner = await createUser(s.company, "owner");
    const browser = await signInCookie(owner.email);
    const made = await record(
      "connect made",
      SELF.fetch(`${BASE}/v1/vaults/${s.vault}/services/svc/oauth/connections`, {
        method: "POST",
        headers: { Authorization: `Bearer ${owner.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ discovery_url: s.provider.issuer, client_secret: s.client.client_secret, scopes: ["openid", "offline_access", "read"] }),
      }),
    );
    expect(made.status).toBe(201);
    const id = (JSON.parse(made.text) as { id: string }).id;
    expect((await record("connect page", SELF.fetch(`${BASE}/vaults/${s.vault}/oauth/${id}`, { headers: { Cookie: browser.cookie } }))).status).toBe(200);
    const sent = await postForm(`/vaults/${s.vault}/oauth/${id}`, browser);
    seen.push({ label: "continue", text: `${sent.status} ${sent.location} ${sent.text}` });
    const binding = /ev_oauth_connect=([^;]+)/.exec(sent.headers.get("set-cookie") ?? "")?.[1] ?? "";
    const back = new URL(await s.provider.consent(providerLinkOf(sent.text), unique("canary")));
    for (const label of ["callback", "replayed callback"]) {
      await record(label, SELF.fetch(`${BASE}${back.pathname}${back.search}`, { headers: { Cookie: `ev_oauth_connect=${binding}` } }));
    }
    expect(back.href.startsWith(REDIRECT_URI)).toBe(true);
    expect((await record("connect read", api(`/v1/vaults/${s.vault}/oauth/connections/${id}`))).status).toBe(200);
    expect((await record("after reconnect", proxyFetch(s, `/r/${requestId()}/c`))).status).toBe(200);

    // The provider refuses: 502 with a hint, audited.
    await s.provider.refuseTokens("invalid_grant");
    expect((await record("refused", proxyFetch(s, `/r/${requestId()}/unauthorized-first`))).status).toBe(502);
    expect((await record("audit", api("/v1/audit"))).status).toBe(200);
    expect((await record("request log", api(`/v1/vaults/${s.vault}/logs`))).status).toBe(200);

    const issued = await s.provider.issuedTokens();
    const canaries = [
      { kind: "client secret", value: s.client.client_secret },
      ...issued.flatMap((t) => [
        ...(t.refresh_token ? [{ kind: "refresh token", value: t.refresh_token }] : []),
        ...(t.access_token ? [{ kind: "access token", value: t.access_token }] : []),
      ]),
    ].filter((c) => c.value.length >= 16);
    // The pasted grant and the connect, each rotated at least once; their access tokens.
    expect(canaries.filter((c) => c.kind === "refresh token").length).toBeGreaterThanOrEqual(4);
    expect(canaries.filter((c) => c.kind === "access token").length).toBeGreaterThanOrEqual(4);

    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{
      name: string;
    }>();
    for (const { name } of tables.results)
      seen.push({ label: `D1 ${name}`, text: JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results) });
    expect(tables.results.map((t) => t.name)).toEqual(expect.arrayContaining(["credentials", "oauth_connections", "audit_log", "request_log"]));

    vi.restoreAllMocks();
    const places = [...seen, ...logged.map((text) => ({ label: "console", text }))];
    const leaks = canaries.flatMap((c) =>
      places.flatMap((p) =>
        spellingsOf(c.value)
          .filter((spelling) => p.text.includes(spelling))
          .map((spelling) => `${c.kind} in ${p.label} (as "${spelling.slice(0, 12)}…")`),
      ),
    );
    console.info(`OAuth leak canaries: ${canaries.length} canaries, ${seen.length} responses and rows, ${logged.length} edge log lines scanned`);
    expect(leaks).toEqual([]);
    // The echoing upstream's answers were redacted, not empty: the scan read real bodies.
    expect(seen.find((p) => p.label === "echoed")?.text).toContain("[REDACTED");
  });
});
