/**
 * What single sign-on refuses, against the real providers of sso-global-setup.ts: an answer is
 * honoured only as the browser's own request asked for it (state, nonce, PKCE verifier, issuer,
 * the flow cookie itself), and one company's provider — another issuer, or another client of the
 * same one — never signs anyone into another company, even with that company's own address. Every
 * refusal leaves no session and no session cookie.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCompany, type TestCompany, unique } from "./helpers.ts";
import { atProvider, CALLBACK, finishSignIn, providers, registerClient, setUpSso, ssoSignIn, startSignIn, whoamiOf } from "./sso-support.ts";

const PASSWORD = "correct horse battery staple";

const sessionsOf = async (companyId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM user_sessions WHERE company_id = ?").bind(companyId).first<{ n: number }>())?.n ?? 0;

/** A started sign-in of `company`, with its authorization URL as a URL to alter. */
async function started(company: TestCompany) {
  const start = await startSignIn({ company: company.id });
  if (!start.cookie || !start.authorizationUrl) throw new Error(`not started: ${start.status} ${start.text.slice(0, 200)}`);
  return { cookie: start.cookie, url: new URL(start.authorizationUrl) };
}

const withParam = (url: URL, name: string, value: string) => {
  const altered = new URL(url);
  altered.searchParams.set(name, value);
  return altered;
};

/** A PKCE challenge of some other verifier (S256, as a real one looks). */
async function otherChallenge(): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`another verifier ${crypto.randomUUID()}`)));
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

describe("a sign-in's answer is honoured only as this browser's own request asked for it", () => {
  it("refuses a tampered state, iss, nonce or PKCE challenge, a missing, foreign, altered or renamed flow cookie, a replay and the provider's own refusal", async () => {
    const company = await createCompany();
    const other = await createCompany();
    await setUpSso(company);
    await setUpSso(other);
    const login = "tamper-target";
    const outcomes: Record<string, string> = {};
    const refusal = async (name: string, attempt: () => Promise<{ status: number; text: string; session: string | undefined; clearsFlow: boolean }>) => {
      const done = await attempt();
      const code = (/<p class="notice error" role="alert">([^<]*)</.exec(done.text)?.[1] ?? done.text.slice(0, 80)).replace(/&quot;/g, '"');
      outcomes[name] = `${done.status}${done.session ? " with a session" : ""}${done.clearsFlow ? "" : " (flow cookie kept)"}: ${code}`;
    };

    await refusal("state", async () => {
      const { cookie, url } = await started(company);
      const callback = await atProvider(url.href, login);
      return finishSignIn(withParam(callback, "state", "a-state-this-browser-never-sent"), cookie);
    });
    await refusal("iss", async () => {
      const { cookie, url } = await started(company);
      const callback = await atProvider(url.href, login);
      return finishSignIn(withParam(callback, "iss", "https://idp.evil.example"), cookie);
    });
    await refusal("nonce", async () => {
      const { cookie, url } = await started(company);
      return finishSignIn(await atProvider(withParam(url, "nonce", "a-nonce-the-edge-never-chose").href, login), cookie);
    });
    await refusal("pkce", async () => {
      const { cookie, url } = await started(company);
      return finishSignIn(await atProvider(withParam(url, "code_challenge", await otherChallenge()).href, login), cookie);
    });
    await refusal("no cookie (another browser)", async () => {
      const { url } = await started(company);
      return finishSignIn(await atProvider(url.href, login), undefined);
    });
    await refusal("another sign-in's cookie", async () => {
      const mine = await started(company);
      const theirs = await started(company);
      return finishSignIn(await atProvider(mine.url.href, login), theirs.cookie);
    });
    await refusal("altered cookie", async () => {
      const { cookie, url } = await started(company);
      const flipped = cookie.slice(0, -3) + (cookie.at(-3) === "A" ? "B" : "A") + cookie.slice(-2);
      return finishSignIn(await atProvider(url.href, login), flipped);
    });
    await refusal("cookie under another company's name", async () => {
      const { cookie, url } = await started(company);
      return finishSignIn(await atProvider(url.href, login), cookie.replace(`=${company.id}.`, `=${other.id}.`));
    });
    await refusal("replayed answer", async () => {
      const { cookie, url } = await started(company);
      const callback = await atProvider(url.href, login);
      const first = await finishSignIn(callback, cookie);
      expect(first.status).toBe(200);
      return finishSignIn(callback, cookie);
    });
    await refusal("provider said no", async () => {
      const { cookie, url } = await started(company);
      const answer = new URL(CALLBACK);
      answer.search = new URLSearchParams({ error: "access_denied", state: url.searchParams.get("state") ?? "", iss: providers().issuer }).toString();
      return finishSignIn(answer, cookie);
    });

    const invalid = (why: RegExp) => expect.stringMatching(new RegExp(`^400: This sign-in could not be completed: ${why.source}`));
    const notThisBrowser = "400: This browser did not start this sign-in, or took longer than 10 minutes: start again from the sign-in page";
    expect(outcomes).toEqual({
      state: invalid(/.*"state"/),
      iss: invalid(/.*"iss"/),
      nonce: invalid(/.*"nonce"/),
      pkce: invalid(/the provider refused the code \(invalid_grant\)/),
      "no cookie (another browser)": notThisBrowser,
      "another sign-in's cookie": invalid(/.*"state"/),
      "altered cookie": notThisBrowser,
      "cookie under another company's name": notThisBrowser,
      "replayed answer": invalid(/the provider refused the code \(invalid_grant\)/),
      "provider said no": "403: Your identity provider did not sign you in (access_denied)",
    });
    // Only the one honest sign-in (before its replay) made a session.
    expect(await sessionsOf(company.id)).toBe(1);
    expect(await sessionsOf(other.id)).toBe(0);
  });
});

describe("one company's provider never signs anyone into another company", () => {
  it("signs A's address in through B's provider as B's person only, never as A's", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const domain = `${unique("a")}.example`;
    const email = `alice@${domain}`;
    const alice = await call("POST", "/v1/users", { token: a.ownerKey, body: { email, role: "owner", password: PASSWORD } });
    const aliceId = (alice.body.user as { id: string }).id;
    await setUpSso(a, { domains: [domain] });
    await setUpSso(b);
    const throughB = await ssoSignIn({ company: b.id }, email);
    expect(throughB.status).toBe(200);
    const who = await whoamiOf(throughB.session ?? "");
    expect(who.body).toMatchObject({ email, company: { id: b.id }, company_role: "member" });
    expect(who.body.id).not.toBe(aliceId);
    expect(await sessionsOf(a.id)).toBe(0);
    // B's session opens nothing of A's.
    expect((await call("GET", "/v1/users", { token: undefined, headers: { Cookie: throughB.session ?? "" } })).status).toBe(403);
  });

  it("refuses into A a code B's client obtained for A's very request, and an answer from another provider", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const domain = `${unique("a")}.example`;
    await setUpSso(a, { domains: [domain] });
    const bClient = await setUpSso(b);
    const elsewhere = await registerClient(providers().otherIssuer);

    // Same issuer, B's client: the provider issues B's client a code bound to A's state, nonce and challenge.
    const forB = await started(a);
    const swapped = await finishSignIn(await atProvider(withParam(forB.url, "client_id", bClient.clientId).href, `alice@${domain}`), forB.cookie);
    expect(swapped.status).toBe(400);
    expect(swapped.text).toContain("the provider refused the code (invalid_grant)");

    // Another provider altogether, answering with A's state: its `iss` is not A's issuer.
    const forOther = await started(a);
    const otherUrl = new URL(`${providers().otherIssuer}${forOther.url.pathname}${forOther.url.search}`);
    otherUrl.searchParams.set("client_id", elsewhere.clientId);
    const foreign = await finishSignIn(await atProvider(otherUrl.href, `alice@${domain}`), forOther.cookie);
    expect(foreign.status).toBe(400);
    expect(foreign.text).toContain("unexpected &quot;iss&quot; (issuer)");

    expect([swapped.session, foreign.session]).toEqual([undefined, undefined]);
    expect(await sessionsOf(a.id)).toBe(0);
    expect(await sessionsOf(b.id)).toBe(0);
  });

  it("refuses a sign-in when the company changed its provider while the person was away", async () => {
    const company = await createCompany();
    await setUpSso(company);
    const { cookie, url } = await started(company);
    const callback = await atProvider(url.href, "switcher");
    await setUpSso(company);
    const done = await finishSignIn(callback, cookie);
    expect(done.status).toBe(400);
    expect(done.text).toContain("changed during this sign-in");
    expect(await sessionsOf(company.id)).toBe(0);
  });
});
