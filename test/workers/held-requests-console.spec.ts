/**
 * Held requests in the console and the services' and proposals' fields: the page at `review_url`
 * and its forms, the inbox's count, the vault page's time-boxed approvals and their revocation,
 * the service form's checkbox, and a proposal that turns approval off: a loosening like the other
 * rules' (request-rules.contract.ts), marked old → new, decided by a vault admin, bound by the
 * digest, and applied as shown.
 */
import { describe, expect, it } from "vitest";
import { call, createUser, type Json, type TestCompany } from "./helpers.ts";
import { type HeldSetup, heldRequest, heldSetup } from "./held-requests-support.ts";
import { follow, getPage, postForm, signInCookie } from "./pages-support.ts";
import { proxyFetch } from "./proxy-support.ts";
import { recorded, requestId, upstreamUrl } from "./upstream.ts";

describe("a vault admin decides a held call on its page, reached from the inbox", () => {
  it("the inbox counts the calls waiting; the page names the call and who asks; Approve sends it", async () => {
    const s = await heldSetup();
    const browser = await signInCookie(s.admin.email);
    const id = requestId();
    const waiting = proxyFetch(s, `/r/${id}/v1/deploy?secret_query=1`, { method: "POST", body: "go" });
    const held = await heldRequest(s);

    const inbox = await getPage("/inbox", browser);
    expect(inbox.text).toContain(`Calls waiting for a person <span class="badge pending">1</span>`);
    expect(inbox.text).toContain(`href="/requests/${held.id}"`);

    const page = await getPage(`/requests/${held.id}`, browser);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<h1>Call from agent ${s.agent.name}</h1>`);
    expect(page.text).toContain(`<code>POST</code> <code>${s.host}</code><bdi class="chosen">/r/${id}/v1/deploy</bdi>`);
    expect(page.text).not.toContain("secret_query");
    expect(page.text).toContain(`action="/requests/${held.id}/approve"`);

    const approved = await postForm(`/requests/${held.id}/approve`, browser, { for_seconds: "" });
    expect(approved.status).toBe(303);
    expect((await follow(approved, browser)).text).toContain("Approved: the call goes on to the upstream now.");
    expect((await waiting).status).toBe(200);
    expect((await recorded(id))[0]?.bodyText).toBe("go");
    expect((await getPage("/inbox", browser)).text).not.toContain("Calls waiting for a person");
  });

  it("Reject refuses the call with the reason; a person who is not an admin of the vault cannot open the page", async () => {
    const s = await heldSetup();
    const waiting = proxyFetch(s, `/r/${requestId()}/x`);
    const held = await heldRequest(s);
    const member = await call("POST", "/v1/users", {
      token: s.company.ownerKey,
      body: { email: `m-${held.id}@example.com`, role: "member", password: "correct horse battery staple" },
    });
    expect(member.status).toBe(201);
    await call("POST", `/v1/vaults/${s.vault}/users`, { token: s.company.ownerKey, body: { email: `m-${held.id}@example.com`, role: "member" } });
    const memberBrowser = await signInCookie(`m-${held.id}@example.com`);
    expect((await getPage(`/requests/${held.id}`, memberBrowser)).status).toBe(403);
    expect((await getPage("/inbox", memberBrowser)).text).not.toContain(`/requests/${held.id}`);

    const browser = await signInCookie(s.admin.email);
    const rejected = await postForm(`/requests/${held.id}/reject`, browser, { reason: "wrong branch" });
    expect(rejected.status).toBe(303);
    const after = await follow(rejected, browser);
    expect(after.text).toContain("Rejected by");
    expect(after.text).not.toContain(`action="/requests/${held.id}/approve"`);
    expect(((await (await waiting).json()) as Json).reason).toBe("wrong branch");
  });

  it("a call the person made through their own session is shown without forms, and marked in the inbox", async () => {
    const s = await heldSetup();
    const minted = await call("POST", "/v1/sessions", { token: s.admin.token, body: { vault: s.vault } });
    const waiting = proxyFetch({ agent: { token: String(minted.body.token) }, vault: s.vault, host: s.host }, `/r/${requestId()}/own`);
    const held = await heldRequest(s);
    const browser = await signInCookie(s.admin.email);
    const page = await getPage(`/requests/${held.id}`, browser);
    expect(page.text).toContain("Nobody approves a request they made");
    expect(page.text).not.toContain(`action="/requests/${held.id}/approve"`);
    expect((await postForm(`/requests/${held.id}/approve`, browser, {})).status).toBe(403);
    expect((await getPage("/inbox", browser)).text).toContain("made by you: another admin decides it");
    expect((await call("POST", `/v1/requests/${held.id}/reject`, { token: (await createOwner(s)).token })).status).toBe(200);
    await (await waiting).arrayBuffer();
  });
});

describe("a time-boxed approval is shown on the vault page, and revoked there", () => {
  it("approving for 10 minutes lists the call under Time-boxed approvals; Revoke ends it", async () => {
    const s = await heldSetup();
    const browser = await signInCookie(s.admin.email);
    const waiting = proxyFetch(s, "/r/page-box/v1/deploy");
    const held = await heldRequest(s);
    expect((await postForm(`/requests/${held.id}/approve`, browser, { for_seconds: "600" })).status).toBe(303);
    expect((await waiting).status).toBe(200);
    expect((await postForm(`/requests/${held.id}/approve`, browser, { for_seconds: "7" })).status).toBe(400);

    const vaultPage = await getPage(`/vaults/${s.vault}`, browser);
    expect(vaultPage.text).toContain("Time-boxed approvals");
    const [release] = (await call("GET", `/v1/vaults/${s.vault}/request-releases`, { token: s.admin.token })).body.releases as Json[];
    expect(vaultPage.text).toContain(`action="/vaults/${s.vault}/request-releases/${release?.id}/revoke"`);
    const revoked = await postForm(`/vaults/${s.vault}/request-releases/${release?.id}/revoke`, browser);
    expect(revoked.status).toBe(303);
    expect((await follow(revoked, browser)).text).toContain("Time-boxed approval revoked");
    expect((await call("GET", `/v1/vaults/${s.vault}/request-releases`, { token: s.admin.token })).body.releases).toEqual([]);
  });
});

describe("a service says whether a person approves each call", () => {
  it("require_approval defaults off, approval_timeout_seconds to 120, at most 600", async () => {
    const s = await heldSetup();
    const added = await call("POST", `/v1/vaults/${s.vault}/services`, {
      token: s.company.ownerKey,
      body: { name: "plain", host: "plain.example.com", auth: { type: "passthrough" } },
    });
    expect(added.body.service).toMatchObject({ require_approval: false, approval_timeout_seconds: 120 });
    const tooLong = await call("PATCH", `/v1/vaults/${s.vault}/services/plain`, { token: s.company.ownerKey, body: { approval_timeout_seconds: 601 } });
    expect(tooLong.status).toBe(400);
    const zero = await call("PATCH", `/v1/vaults/${s.vault}/services/plain`, { token: s.company.ownerKey, body: { approval_timeout_seconds: 0 } });
    expect(zero.status).toBe(400);
    expect((await call("GET", `/v1/vaults/${s.vault}/services/svc`, { token: s.agent.token })).body.service).toMatchObject({ require_approval: true });
  });

  it("the console's service form turns it on, and the service page says so in words", async () => {
    const s = await heldSetup();
    const owner = await createOwner(s);
    const browser = await signInCookie(owner.email);
    const saved = await postForm(`/vaults/${s.vault}/services/svc`, browser, {
      intent: "edit",
      name: "svc",
      host: s.host,
      auth_type: "passthrough",
      enabled: "on",
      require_approval: "on",
      approval_timeout_seconds: "300",
    });
    expect(saved.status).toBe(303);
    const page = await follow(saved, browser);
    expect(page.text).toContain("every call waits for a person (up to 300 s)");
    expect((await call("GET", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey })).body.service).toMatchObject({
      require_approval: true,
      approval_timeout_seconds: 300,
    });
  });
});

describe("a proposal carries per-request approval; turning it off is a loosening the approval page marks", () => {
  it("a set that drops require_approval reads old → new, like any rule's loosening; one that keeps it says so in words", async () => {
    const s = await heldSetup();
    const owner = await createOwner(s);
    const browser = await signInCookie(owner.email);
    const loosen = await call("POST", "/v1/proposals", {
      token: s.agent.token,
      headers: { "X-Vault": s.vault },
      body: { services: [{ name: "svc", host: s.host, auth: { type: "bearer", token: "API_KEY" } }], message: "faster" },
    });
    expect(loosen.status).toBe(201);
    const loosening = await getPage(new URL(String(loosen.body.approval_url)).pathname + new URL(String(loosen.body.approval_url)).search, browser);
    expect(loosening.text).toContain(
      "Loosens per-call approval: every call waits for a person (up to 120 s) → <strong>calls go through without a person</strong>.",
    );
    const view = await call("GET", `/v1/proposals/${loosen.body.id}`, { token: owner.token });
    const [proposed] = view.body.services as Json[];
    expect(proposed?.loosens).toEqual([
      { rule: "require_approval", from: "every call waits for a person (up to 120 s)", to: "calls go through without a person" },
    ]);
    expect(proposed?.replaces).toEqual({ host: s.host, upstream: expect.any(String), auth_type: "bearer" });

    const keep = await call("POST", "/v1/proposals", {
      token: s.agent.token,
      headers: { "X-Vault": s.vault },
      body: { services: [{ name: "svc2", host: "deploy.example.com", auth: { type: "passthrough" }, require_approval: true, approval_timeout_seconds: 60 }] },
    });
    expect(keep.status).toBe(201);
    const kept = await getPage(new URL(String(keep.body.approval_url)).pathname + new URL(String(keep.body.approval_url)).search, browser);
    expect(kept.text).toContain("every call waits for a person (up to 60 s)");
    expect(kept.text).not.toContain("Loosens");
    const approved = await call("POST", `/v1/proposals/${keep.body.id}/approve`, { token: owner.token, body: {} });
    expect(approved.status).toBe(200);
    expect((await call("GET", `/v1/vaults/${s.vault}/services/svc2`, { token: owner.token })).body.service).toMatchObject({
      require_approval: true,
      approval_timeout_seconds: 60,
    });
  });
});

describe("turning approval off through a proposal is a vault admin's decision, bound to what was shown, applied as shown", () => {
  const dropApproval = (s: HeldSetup) =>
    call("POST", "/v1/proposals", {
      token: s.agent.token,
      headers: { "X-Vault": s.vault },
      body: { services: [{ name: "svc", host: s.host, upstream: upstreamUrl(), auth: { type: "bearer", token: "API_KEY" } }] },
    });

  it("a member is refused naming the loosening; an admin approves, and calls then go through without a person", async () => {
    const s = await heldSetup();
    const member = await createUser(s.company);
    expect((await call("POST", `/v1/vaults/${s.vault}/users`, { token: s.company.ownerKey, body: { email: member.email, role: "member" } })).status).toBe(200);
    const raised = await dropApproval(s);
    expect(raised.status).toBe(201);
    const refused = await call("POST", `/v1/proposals/${raised.body.id}/approve`, { token: member.token, body: {} });
    expect(refused).toMatchObject({ status: 403, body: { error: "admin_required" } });
    expect(refused.body.message).toContain('loosens service "svc" (every call waits for a person (up to 120 s) → calls go through without a person)');

    expect((await call("POST", `/v1/proposals/${raised.body.id}/approve`, { token: s.admin.token, body: {} })).status).toBe(200);
    expect((await call("GET", `/v1/vaults/${s.vault}/services/svc`, { token: s.admin.token })).body.service).toMatchObject({ require_approval: false });
    const id = requestId();
    const res = await proxyFetch(s, `/r/${id}/v1/deploy`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(await recorded(id)).toHaveLength(1);
  });

  it("approval turned on while the reviewer read: approving on the old view is 409 proposal_changed, nothing applied", async () => {
    const s = await heldSetup();
    const off = await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: { require_approval: false } });
    expect(off.status).toBe(200);
    const raised = await dropApproval(s);
    const seen = await call("GET", `/v1/proposals/${raised.body.id}`, { token: s.admin.token });
    expect((seen.body.services as Json[])[0]?.loosens).toBeUndefined();
    const on = await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: { require_approval: true } });
    expect(on.status).toBe(200);
    const stale = await call("POST", `/v1/proposals/${raised.body.id}/approve`, {
      token: s.admin.token,
      body: { destinations_digest: seen.body.destinations_digest },
    });
    expect(stale).toMatchObject({ status: 409, body: { error: "proposal_changed" } });
    expect((await call("GET", `/v1/vaults/${s.vault}/services/svc`, { token: s.admin.token })).body.service).toMatchObject({ require_approval: true });
  });
});

/** Another person, a company owner: an admin of every vault who made none of the calls. */
const createOwner = (s: { company: TestCompany }) => createUser(s.company, "owner");
