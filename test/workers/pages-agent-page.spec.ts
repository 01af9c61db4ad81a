/**
 * The agent page's current SVID claims and its edit form: the claims are the ones a real SVID
 * from GET /v1/agents/{agentId}/svid carries, never the token; the form is PATCH
 * /v1/agents/{agentId}'s, held to its row and its checks, answering bad input on the page.
 */
import { decodeJwt, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, inviteAgent, unique } from "./helpers.ts";
import { consoleWorld, lastAudit } from "./pages-console-support.ts";
import { follow, getPage, postForm, signInCookie } from "./pages-support.ts";

/** A compact JWS anywhere in a page: what must never be there. */
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

const unescapeHtml = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** The claims the page shows as JSON. */
function shownClaims(html: string): { iss: string; sub: string; aud: string[]; iat: number; exp: number } {
  const json = /<summary>As JSON<\/summary><pre class="message"><code>([\s\S]*?)<\/code><\/pre>/.exec(html)?.[1];
  if (json === undefined) throw new Error(`no claims on the page: ${html.slice(0, 400)}`);
  return JSON.parse(unescapeHtml(json));
}

const agentOf = async (ownerKey: string, name: string) => (await call("GET", `/v1/agents/${name}`, { token: ownerKey })).body;

describe("current SVID claims", () => {
  it("are what a real SVID from the API carries, and the page never holds a token", async () => {
    const w = await consoleWorld();
    const fetched = await call("GET", `/v1/agents/${w.agent.name}/svid`, { token: w.company.ownerKey });
    expect(fetched.status).toBe(200);
    const svid = fetched.body.svid as string;
    const real = decodeJwt(svid);
    const page = await getPage(`/agents/${w.agent.name}`, w.asOwner);
    expect(page.status).toBe(200);
    expect(page.text).toContain("Current SVID claims");
    const shown = shownClaims(page.text);
    expect(shown.sub).toBe(real.sub);
    expect(shown.sub).toBe(fetched.body.spiffeId);
    expect(shown.iss).toBe(real.iss);
    expect(shown.aud).toEqual(real.aud);
    expect(shown.exp - shown.iat).toBe((real.exp ?? 0) - (real.iat ?? 0));
    expect(Math.abs(shown.iat - (real.iat ?? 0))).toBeLessThan(60);
    // The table says the same, and names the key that signed the real one.
    expect(page.text).toContain(`<th scope="row"><code>sub</code></th><td><code>${real.sub}</code></td>`);
    expect(page.text).toContain(`Signed with key <code>${decodeProtectedHeader(svid).kid}</code>`);
    expect(page.text).not.toContain(svid);
    expect(page.text).not.toContain(w.agent.token);
    expect(page.text).not.toMatch(JWT_PATTERN);
  });

  it("members read them too; a disabled agent has none, as the API issues none", async () => {
    const w = await consoleWorld();
    const member = await getPage(`/agents/${w.agent.name}`, w.asMember);
    expect(member.status).toBe(200);
    expect(shownClaims(member.text).sub).toMatch(new RegExp(`/company/${w.company.id}/agent/${w.agent.name}$`));
    expect(member.text).not.toContain('action="/agents/');
    await call("PATCH", `/v1/agents/${w.agent.name}`, { token: w.company.ownerKey, body: { status: "disabled" } });
    expect((await call("GET", `/v1/agents/${w.agent.name}/svid`, { token: w.company.ownerKey })).body.error).toBe("agent_not_active");
    const disabled = await getPage(`/agents/${w.agent.name}`, w.asOwner);
    expect(disabled.status).toBe(200);
    expect(disabled.text).toContain("no SVID is issued for it until it is active again");
    expect(disabled.text).not.toContain("As JSON");
    // Nor a rotation: the API's refusal, already at the confirmation step.
    const rotate = await postForm(`/agents/${w.agent.name}/rotate`, w.asOwner);
    expect(rotate.status).toBe(403);
    expect(rotate.text).toContain("activate it before rotating");
  });

  it("another company's agent is not found", async () => {
    const w = await consoleWorld();
    const other = await createCompany();
    const theirs = await inviteAgent(other.ownerKey);
    const res = await getPage(`/agents/${theirs.name}`, w.asOwner);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(other.id);
  });
});

describe("editing an agent", () => {
  it("an owner sets capabilities, realm, role and rate limit as PATCH does; the agent sees it at once", async () => {
    const w = await consoleWorld();
    const slug = unique("ops").slice(0, 30);
    expect((await call("POST", "/v1/realms", { token: w.company.ownerKey, body: { name: `Ops ${slug}`, slug } })).status).toBe(201);
    const form = await getPage(`/agents/${w.agent.name}`, w.asOwner);
    expect(form.text).toContain(`action="/agents/${w.agent.name}/edit"`);
    expect(form.text).toContain('<label for="edit-rps">Requests per second</label>');
    const saved = await postForm(`/agents/${w.agent.name}/edit`, w.asOwner, {
      role: "owner",
      realm: slug,
      capabilities: ["api_call", "file_access"],
      rate_per_second: "2.5",
      burst: "5",
      max_concurrent: "",
    });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe(`/agents/${w.agent.name}?done=saved`);
    const after = await follow(saved, w.asOwner);
    expect(after.text).toContain('role="status">Agent saved');
    expect(after.text).toContain("<dt>Rate limit</dt><dd>2.5 requests/s, burst 5</dd>");
    expect(await agentOf(w.company.ownerKey, w.agent.name)).toMatchObject({
      role: "owner",
      capabilities: ["api_call", "file_access"],
      realm: { slug },
    });
    expect((await call("GET", "/v1/whoami", { token: w.agent.token })).body.company_role).toBe("owner");
    const audit = await lastAudit(w.company.id, "agent.update");
    expect(audit).toMatchObject({ actor_type: "user", actor_id: w.owner.id, target_id: w.agent.name });
    expect(JSON.parse(audit?.detail ?? "{}")).toEqual({
      role: "owner",
      realm: slug,
      capabilities: ["api_call", "file_access"],
      rate_limit: { rate_per_second: 2.5, burst: 5 },
    });
    // Everything unchecked and blank clears: no realm, no capability, no override; owner back to member.
    const cleared = await postForm(`/agents/${w.agent.name}/edit`, w.asOwner, { role: "member" });
    expect(cleared.status).toBe(303);
    expect(await agentOf(w.company.ownerKey, w.agent.name)).toMatchObject({ role: "member", capabilities: [], realm: null });
    expect((await follow(cleared, w.asOwner)).text).toContain("<dt>Rate limit</dt><dd>the vault&#39;s (or the defaults)</dd>");
  });

  it("an owner grants passport scopes in the form as PATCH does; the agent then obtains passports within them, a malformed one is refused on the page", async () => {
    const w = await consoleWorld();
    const form = await getPage(`/agents/${w.agent.name}`, w.asOwner);
    expect(form.text).toContain('<label for="edit-passport-scopes">Passport scopes</label>');
    const saved = await postForm(`/agents/${w.agent.name}/edit`, w.asOwner, { role: "member", passport_scopes: "tool:search  attest:write,tool:search" });
    expect(saved.status).toBe(303);
    expect((await agentOf(w.company.ownerKey, w.agent.name)).passportScopes).toEqual(["attest:write", "tool:search"]);
    expect((await follow(saved, w.asOwner)).text).toContain('name="passport_scopes" value="attest:write tool:search"');
    const own = (scopes: string[]) => call("POST", `/v1/agents/${w.agent.name}/passport`, { token: w.agent.token, body: { scopes } });
    expect((await own(["tool:search"])).status).toBe(201);
    expect((await own(["tool:*"])).status).toBe(403);
    const bad = await postForm(`/agents/${w.agent.name}/edit`, w.asOwner, { role: "member", passport_scopes: "tool:search Tool:*" });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/role="alert">Check the form: [^<]*passportScopes\.1/);
    expect(bad.text).toContain('name="passport_scopes" value="tool:search Tool:*"');
    // Empty clears the grant: the agent obtains nothing more by itself.
    expect((await postForm(`/agents/${w.agent.name}/edit`, w.asOwner, { role: "member", passport_scopes: "" })).status).toBe(303);
    expect((await own(["tool:search"])).status).toBe(403);
  });

  it("a member may not: the form is refused (403) and a member agent is not raised", async () => {
    const w = await consoleWorld();
    const res = await postForm(`/agents/${w.agent.name}/edit`, w.asMember, { role: "owner", capabilities: ["system_command"] });
    expect(res.status).toBe(403);
    expect(res.text).toContain('role="alert"');
    expect(await agentOf(w.company.ownerKey, w.agent.name)).toMatchObject({ role: "member", capabilities: [] });
    expect((await call("GET", "/v1/whoami", { token: w.agent.token })).body.company_role).toBe("member");
  });

  it("another company's agent is not found (404), and stays as it was", async () => {
    const w = await consoleWorld();
    const other = await createCompany();
    const theirs = await inviteAgent(other.ownerKey);
    const res = await postForm(`/agents/${theirs.name}/edit`, w.asOwner, { role: "owner", capabilities: ["api_call"] });
    expect(res.status).toBe(404);
    expect(await agentOf(other.ownerKey, theirs.name)).toMatchObject({ role: "member", capabilities: [] });
  });

  it("bad input comes back on the page with an alert and what was typed", async () => {
    const w = await consoleWorld();
    const bad = await postForm(`/agents/${w.agent.name}/edit`, w.asOwner, {
      role: "owner",
      capabilities: ["api_call", "flying"],
      rate_per_second: "-3",
      burst: "lots",
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/<p class="notice error" role="alert">Check the form: [^<]*capabilities\.1/);
    expect(bad.text).toContain("rate_limit.rate_per_second");
    expect(bad.text).toContain('name="rate_per_second" type="number" min="0.001" step="any" value="-3"');
    expect(bad.text).toContain('name="burst" type="number" min="1" step="1" value="lots"');
    expect(bad.text).toContain('<option value="owner" selected>owner agent</option>');
    expect(bad.text).toContain('value="api_call" checked>');
    // A refusal from PATCH's checks the same way: an unknown realm is its 404, on the page.
    const realm = await postForm(`/agents/${w.agent.name}/edit`, w.asOwner, { role: "member", realm: "no-such-realm", capabilities: "file_access" });
    expect(realm.status).toBe(404);
    expect(realm.text).toContain('role="alert">Realm &quot;no-such-realm&quot; not found');
    expect(realm.text).toContain('value="file_access" checked>');
    expect(await agentOf(w.company.ownerKey, w.agent.name)).toMatchObject({ role: "member", capabilities: [], realm: null });
  });

  it("without the session's CSRF token, or from another origin, the form is refused", async () => {
    const w = await consoleWorld();
    const fields = { role: "owner", capabilities: "api_call" };
    const noToken = await postForm(`/agents/${w.agent.name}/edit`, w.asOwner, { ...fields, csrf: "" });
    expect(noToken.status).toBe(403);
    const forged = await postForm(`/agents/${w.agent.name}/edit`, w.asOwner, { ...fields, csrf: "forged" });
    expect(forged.status).toBe(403);
    const elsewhere = await postForm(`/agents/${w.agent.name}/edit`, w.asOwner, fields, "https://evil.example");
    expect(elsewhere.status).toBe(403);
    expect(await agentOf(w.company.ownerKey, w.agent.name)).toMatchObject({ role: "member", capabilities: [] });
  });
});

describe("company roles move only by someone above them (PATCH's check, which the page shares)", () => {
  it("an owner agent cannot move a fellow owner agent; a person who owns the company can, from the page", async () => {
    const company = await createCompany();
    const boss = await inviteAgent(company.ownerKey, undefined, [], "owner");
    const peer = await inviteAgent(company.ownerKey, undefined, [], "owner");
    const demote = await call("PATCH", `/v1/agents/${peer.name}`, { token: boss.token, body: { role: "member" } });
    expect(demote).toMatchObject({ status: 403, body: { error: "role_above_granter" } });
    expect((await agentOf(company.ownerKey, peer.name)).role).toBe("owner");
    // Owner agents still manage member agents (seed 002), role included.
    const member = await inviteAgent(company.ownerKey);
    expect((await call("PATCH", `/v1/agents/${member.name}`, { token: boss.token, body: { role: "owner" } })).status).toBe(200);
    const owner = await createUser(company, "owner");
    const asOwner = await signInCookie(owner.email);
    const moved = await postForm(`/agents/${peer.name}/edit`, asOwner, { role: "member" });
    expect(moved.status).toBe(303);
    expect((await agentOf(company.ownerKey, peer.name)).role).toBe("member");
  });
});
