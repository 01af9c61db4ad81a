/**
 * Leak canaries for single sign-on: a company's client secret, and every ID token and access token
 * its provider handed the edge (read back from the provider itself: sso-global-setup.ts). The
 * settings are set, read and refused over the API and the console, people sign in, and sign-ins
 * are refused after the provider issued its tokens (a tampered nonce, a replay, a wrong client);
 * then every response (status, headers, body), every line the edge logged and every D1 row are
 * scanned for each canary in every spelling of leak-scan.ts. None is allowed anywhere: the secret
 * is shown to nobody, once typed, and the tokens never leave the edge.
 */
import { env, SELF } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BASE, createCompany, createUser } from "./helpers.ts";
import { spellingsOf } from "./leak-scan.ts";
import { signInCookie } from "./pages-support.ts";
import { atProvider, finishSignIn, providers, registerClient, ssoSignIn, startSignIn } from "./sso-support.ts";

type Seen = { label: string; text: string };

describe("single sign-on's leak canaries", () => {
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
    return { status: res.status, text };
  };

  it("no client secret, ID token or access token appears in a response, a log line or a D1 row", { timeout: 120_000 }, async () => {
    const company = await createCompany();
    const owner = await createUser(company, "owner");
    const client = await registerClient();
    const secret = client.clientSecret;
    const body = { issuer: client.issuer, client_id: client.clientId, client_secret: secret, scopes: ["groups"] };
    const json = (method: string, path: string, payload?: unknown, token = company.ownerKey) =>
      SELF.fetch(`${BASE}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { "Content-Type": "application/json" }) },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });

    // The settings: set, read, refused with the secret in the body.
    expect((await record("set", json("PUT", "/v1/company/sso", body))).status).toBe(200);
    expect((await record("read", json("GET", "/v1/company/sso"))).status).toBe(200);
    expect((await record("read as a person", json("GET", "/v1/company/sso", undefined, owner.token))).status).toBe(200);
    expect((await record("unknown field", json("PUT", "/v1/company/sso", { ...body, extra: secret }))).status).toBe(400);
    expect((await record("bad issuer", json("PUT", "/v1/company/sso", { ...body, issuer: "http://login.acme.example" }))).status).toBe(400);
    expect((await record("unreachable issuer", json("PUT", "/v1/company/sso", { ...body, issuer: "http://127.0.0.1:1" }))).status).toBe(400);
    const browser = await signInCookie(owner.email);
    expect((await record("settings page", SELF.fetch(`${BASE}/sso`, { headers: { Cookie: browser.cookie } }))).status).toBe(200);
    const form = new URLSearchParams({ csrf: browser.csrf, issuer: "http://login.acme.example", client_id: client.clientId, client_secret: secret });
    const refusedForm = SELF.fetch(`${BASE}/sso`, {
      method: "POST",
      redirect: "manual",
      headers: { Cookie: browser.cookie, Origin: BASE, "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    expect((await record("settings form refused", refusedForm)).status).toBe(400);

    // Sign-ins: two that succeed, and three refused after the provider issued its tokens.
    for (const login of ["canary-one@example.test", "canary-two@example.test"]) {
      const done = await ssoSignIn({ company: company.id }, login);
      seen.push({ label: `sign-in ${login}`, text: `${done.status} ${done.session} ${done.text}` });
      expect(done.status).toBe(200);
    }
    const nonce = await startSignIn({ company: company.id });
    const tampered = new URL(nonce.authorizationUrl ?? "");
    tampered.searchParams.set("nonce", "not-the-edges-nonce");
    const refusedNonce = await finishSignIn(await atProvider(tampered.href, "canary-three@example.test"), nonce.cookie);
    seen.push({ label: "tampered nonce", text: `${refusedNonce.status} ${refusedNonce.text}` });
    expect(refusedNonce.status).toBe(400);
    const replay = await startSignIn({ company: company.id });
    const callback = await atProvider(replay.authorizationUrl ?? "", "canary-four@example.test");
    for (const label of ["first answer", "replayed answer"]) {
      const done = await finishSignIn(callback, replay.cookie);
      seen.push({ label, text: `${done.status} ${done.session} ${done.text}` });
    }

    // Every token the provider issued is a canary (the suite's other files' too: none may be here either).
    const issued = (await (await fetch(`${providers().control}/issued-tokens`)).json()) as { id_token?: string; access_token?: string }[];
    const canaries = [
      { kind: "client secret", value: secret },
      ...issued.flatMap((t) => [
        ...(t.id_token
          ? [
              { kind: "ID token", value: t.id_token },
              { kind: "ID token signature", value: t.id_token.split(".")[2] ?? "" },
            ]
          : []),
        ...(t.access_token ? [{ kind: "access token", value: t.access_token }] : []),
      ]),
    ].filter((c) => c.value.length >= 16);
    expect(canaries.filter((c) => c.kind === "ID token").length).toBeGreaterThanOrEqual(4);

    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{
      name: string;
    }>();
    for (const { name } of tables.results)
      seen.push({ label: `D1 ${name}`, text: JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results) });
    expect(tables.results.map((t) => t.name)).toEqual(expect.arrayContaining(["company_sso", "users", "user_sessions", "audit_log"]));

    vi.restoreAllMocks();
    const places = [...seen, ...logged.map((text) => ({ label: "console", text }))];
    const leaks = canaries.flatMap((c) =>
      places.flatMap((p) =>
        spellingsOf(c.value)
          .filter((spelling) => p.text.includes(spelling))
          .map((spelling) => `${c.kind} in ${p.label} (as "${spelling.slice(0, 12)}…")`),
      ),
    );
    console.info(`single sign-on leak canaries: ${canaries.length} canaries, ${seen.length} responses and rows, ${logged.length} edge log lines scanned`);
    expect(leaks).toEqual([]);
    // The refusals were logged (by the check that failed), so the log was there to scan.
    expect(logged.some((line) => line.includes("sso_flow_invalid"))).toBe(true);
  });
});
