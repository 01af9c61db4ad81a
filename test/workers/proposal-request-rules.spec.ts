/**
 * Proposals carry a service's per-request rules (substitutions, methods, redaction): the view and
 * the approval page say each in words, a replaced service's loosenings are marked old → new, a
 * vault admin decides them, an approval binds to the loosenings it was shown, and applying writes
 * the rules exactly as the services API would.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call, createCompany, createUser, createVault, inviteAgent, unique } from "./helpers.ts";
import { signInCookie } from "./pages-support.ts";
import { recorded, requestId, upstreamUrl } from "./upstream.ts";

async function ruledVault() {
  const company = await createCompany();
  const vault = await createVault(company.ownerKey);
  const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
  const admin = await createUser(company);
  const member = await createUser(company);
  for (const [who, role] of [
    [admin, "admin"],
    [member, "member"],
  ] as const) {
    expect((await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email: who.email, role } })).status).toBe(200);
  }
  const host = `${unique("tw").slice(0, 30)}.example.com`;
  return { company, vault, agent, admin, member, host };
}

type Vault = Awaited<ReturnType<typeof ruledVault>>;
const raise = (s: Vault, body: unknown) => call("POST", "/v1/proposals", { token: s.agent.token, headers: { "X-Vault": s.vault }, body });
const approve = (id: string, token: string, body: Record<string, unknown> = {}) => call("POST", `/v1/proposals/${id}/approve`, { token, body });

/** The approval page as the admin sees it, its text without tags. */
async function approvalPage(s: Vault, approvalUrl: unknown): Promise<string> {
  const url = new URL(String(approvalUrl));
  const { cookie } = await signInCookie(s.admin.email);
  const html = await (await SELF.fetch(`${BASE}${url.pathname}${url.search}`, { headers: { Cookie: cookie } })).text();
  return html
    .replace(/<[^>]+>/g, "")
    .replaceAll("&#96;", "`")
    .replaceAll("&gt;", ">")
    .replace(/\s+/g, " ");
}

/** A stored service of the vault, as an admin set it: GET and HEAD only, the SID in the path, redaction on. */
async function storedTwilio(s: Vault) {
  const created = await call("POST", `/v1/vaults/${s.vault}/services`, {
    token: s.company.ownerKey,
    body: {
      name: "twilio",
      host: s.host,
      upstream: upstreamUrl(),
      auth: { type: "basic", username: "TW_SID", password: "TW_TOKEN" },
      substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path"] }],
      methods: ["GET", "HEAD"],
    },
  });
  expect(created.status, created.text).toBe(201);
  await call("POST", "/v1/credentials", {
    token: s.company.ownerKey,
    body: { vault: s.vault, credentials: { TW_SID: "AC0000000000000000000000000000abcd", TW_TOKEN: "tw-token-value" } },
  });
}

describe("a proposal carries a service's rules, and the reviewer reads each in words", () => {
  it("raised with every rule, shown in words on the page, applied as the API writes them, enforced by the proxy", async () => {
    const s = await ruledVault();
    const raised = await raise(s, {
      services: [
        {
          name: "twilio",
          host: s.host,
          upstream: upstreamUrl(),
          auth: { type: "basic", username: "TW_SID", password: "TW_TOKEN" },
          substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path"] }],
          methods: ["GET", "HEAD"],
          redact_response: false,
        },
      ],
      credentials: [{ key: "TW_SID" }, { key: "TW_TOKEN" }],
    });
    expect(raised.status, raised.text).toBe(201);
    const id = raised.body.id as string;
    const view = await call("GET", `/v1/proposals/${id}`, { token: s.admin.token });
    expect((view.body.services as unknown[])[0]).toMatchObject({
      substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path"] }],
      methods: ["GET", "HEAD"],
      redact_response: false,
    });
    expect((view.body.services as { loosens?: unknown }[])[0]?.loosens).toBeUndefined();

    const page = await approvalPage(s, raised.body.approval_url);
    expect(page).toContain("only GET and HEAD");
    expect(page).toContain("puts TW_SID into the path where it reads `__sid__`");
    expect(page).toContain("redaction off: a credential the upstream echoes back reaches the agent");

    const sid = "AC1111111111111111111111111111beef";
    expect((await approve(id, s.admin.token, { credentials: { TW_SID: sid, TW_TOKEN: "tok-value" } })).status).toBe(200);
    const service = await call("GET", `/v1/vaults/${s.vault}/services/twilio`, { token: s.company.ownerKey });
    expect(service.body.service).toMatchObject({
      substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path"] }],
      methods: ["GET", "HEAD"],
      redact_response: false,
      credential_keys: ["TW_SID", "TW_TOKEN"],
    });
    const rid = requestId();
    const proxied = (path: string, method = "GET") =>
      SELF.fetch(`${BASE}/proxy/${s.host}${path}`, { method, headers: { Authorization: `Bearer ${s.agent.token}`, "X-Vault": s.vault } });
    expect((await proxied(`/r/${rid}/Accounts/__sid__/Calls.json`)).status).toBe(200);
    expect((await recorded(rid))[0]?.url).toBe(`/r/${rid}/Accounts/${sid}/Calls.json`);
    expect((await proxied(`/r/${rid}/Accounts/__sid__`, "DELETE")).status).toBe(403);
  });

  it("a substitution's key must be stored or come in the same proposal", async () => {
    const s = await ruledVault();
    const refused = await raise(s, {
      services: [{ name: "svc", host: s.host, auth: { type: "passthrough" }, substitutions: [{ key: "NOT_HERE", placeholder: "__k__" }] }],
    });
    expect(refused).toMatchObject({ status: 400, body: { error: "unknown_credential_key" } });
    expect(refused.body.message).toContain("NOT_HERE");
    const accepted = await raise(s, {
      services: [{ name: "svc", host: s.host, auth: { type: "passthrough" }, substitutions: [{ key: "NOT_HERE", placeholder: "__k__" }] }],
      credentials: [{ key: "NOT_HERE" }],
    });
    expect(accepted.status).toBe(201);
  });

  it("a substitution's key is a key the service sends: once an agent's host receives it, a member may not type its value", async () => {
    const s = await ruledVault();
    const raised = await raise(s, {
      services: [
        {
          name: "collector",
          host: s.host,
          upstream: upstreamUrl(),
          auth: { type: "passthrough" },
          substitutions: [{ key: "ACCOUNT_KEY", placeholder: "__acct__" }],
        },
      ],
      credentials: [{ key: "ACCOUNT_KEY", value: "agents-own-value" }],
    });
    expect((await approve(raised.body.id as string, s.admin.token)).status).toBe(200);
    const typed = await call("POST", "/v1/credentials", {
      token: s.member.token,
      body: { vault: s.vault, credentials: { ACCOUNT_KEY: "a-persons-real-key" } },
    });
    expect(typed).toMatchObject({ status: 403, body: { error: "admin_required" } });
    expect(
      (await call("POST", "/v1/credentials", { token: s.admin.token, body: { vault: s.vault, credentials: { ACCOUNT_KEY: "typed-by-an-admin" } } })).status,
    ).toBe(200);
  });

  it("a substitution's key is a key the service sends: a stored value for it sent to a new host is marked as exposed", async () => {
    const s = await ruledVault();
    await storedTwilio(s);
    const raised = await raise(s, {
      services: [{ name: "other", host: `x.${s.host}`, auth: { type: "passthrough" }, substitutions: [{ key: "TW_SID", placeholder: "__sid__" }] }],
    });
    const view = await call("GET", `/v1/proposals/${raised.body.id as string}`, { token: s.admin.token });
    expect((view.body.services as { exposes?: { key: string }[] }[])[0]?.exposes?.map((e) => e.key)).toEqual(["TW_SID"]);
  });
});

describe("loosening a service's rules is marked old → new, and a vault admin decides it", () => {
  const loosened = (s: Vault) => ({
    services: [
      {
        name: "twilio",
        host: s.host,
        upstream: upstreamUrl(),
        auth: { type: "basic", username: "TW_SID", password: "TW_TOKEN" },
        substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path", "header"] }],
        redact_response: false,
      },
    ],
  });

  it("a method added (the rule dropped), redaction off and a new surface: each marked, on the view and the page", async () => {
    const s = await ruledVault();
    await storedTwilio(s);
    const raised = await raise(s, loosened(s));
    const view = await call("GET", `/v1/proposals/${raised.body.id as string}`, { token: s.admin.token });
    expect((view.body.services as { loosens?: unknown }[])[0]?.loosens).toEqual([
      { rule: "methods", from: "only GET and HEAD", to: "any method" },
      {
        rule: "redact_response",
        from: "credentials echoed back in responses are redacted",
        to: "redaction off: a credential the upstream echoes back reaches the agent",
      },
      { rule: "substitutions", from: "TW_SID in the path", to: "TW_SID in the path and headers" },
    ]);
    const page = await approvalPage(s, raised.body.approval_url);
    expect(page).toContain("Loosens the methods it forwards: only GET and HEAD → any method.");
    expect(page).toContain("Loosens response redaction: credentials echoed back in responses are redacted → redaction off");
    expect(page).toContain("Loosens where credentials go in the request: TW_SID in the path → TW_SID in the path and headers.");
  });

  it("tightening is no loosening: fewer methods and the same substitutions are not marked", async () => {
    const s = await ruledVault();
    await storedTwilio(s);
    const raised = await raise(s, {
      services: [
        {
          name: "twilio",
          host: s.host,
          upstream: upstreamUrl(),
          auth: { type: "basic", username: "TW_SID", password: "TW_TOKEN" },
          substitutions: [{ key: "TW_SID", placeholder: "__account__", in: ["path"] }],
          methods: ["GET"],
        },
      ],
    });
    const view = await call("GET", `/v1/proposals/${raised.body.id as string}`, { token: s.admin.token });
    expect((view.body.services as { loosens?: unknown }[])[0]?.loosens).toBeUndefined();
  });

  it("a member is refused with what it loosens; an admin approves, and the service is loosened as shown", async () => {
    const s = await ruledVault();
    await storedTwilio(s);
    const id = (await raise(s, loosened(s))).body.id as string;
    const refused = await approve(id, s.member.token);
    expect(refused).toMatchObject({ status: 403, body: { error: "admin_required" } });
    expect(refused.body.message).toContain('loosens service "twilio" (only GET and HEAD → any method');
    expect((await approve(id, s.admin.token)).status).toBe(200);
    const service = await call("GET", `/v1/vaults/${s.vault}/services/twilio`, { token: s.company.ownerKey });
    expect(service.body.service).toMatchObject({ methods: null, redact_response: false, substitutions: [{ key: "TW_SID", in: ["path", "header"] }] });
  });

  it("an approval binds to the loosenings it was shown: the stored rules changed meanwhile → 409, nothing applied", async () => {
    const s = await ruledVault();
    await storedTwilio(s);
    const id = (await raise(s, loosened(s))).body.id as string;
    const seen = await call("GET", `/v1/proposals/${id}`, { token: s.admin.token });
    // While the admin reads, someone narrows the stored service further: what approving loosens is now more.
    expect((await call("PATCH", `/v1/vaults/${s.vault}/services/twilio`, { token: s.company.ownerKey, body: { methods: ["GET"] } })).status).toBe(200);
    const stale = await approve(id, s.admin.token, { destinations_digest: seen.body.destinations_digest });
    expect(stale).toMatchObject({ status: 409, body: { error: "proposal_changed" } });
    expect((await call("GET", `/v1/vaults/${s.vault}/services/twilio`, { token: s.company.ownerKey })).body.service).toMatchObject({ methods: ["GET"] });
    const fresh = await call("GET", `/v1/proposals/${id}`, { token: s.admin.token });
    expect((fresh.body.services as { loosens: { from: string }[] }[])[0]?.loosens[0]?.from).toBe("only GET");
    expect((await approve(id, s.admin.token, { destinations_digest: fresh.body.destinations_digest })).status).toBe(200);
  });
});
