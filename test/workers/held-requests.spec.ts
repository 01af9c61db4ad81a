/**
 * A person approves individual calls (issue 21): a request to a service with `require_approval`
 * waits at the edge, with nothing forwarded and no credential read, until a vault admin approves
 * it (optionally for a while), rejects it, or its time runs out; a decision survives the eviction
 * of the object that holds it. Real workerd, D1, Durable Objects and the recording upstream.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { flushRequestLog } from "../../workers/request-log/request-log.writer.ts";
import { call, createCompany, createUser, type Json } from "./helpers.ts";
import { approvalsObject, heldRequest, heldRequests, heldSetup, SECRET } from "./held-requests-support.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { recorded, recordedSettled, requestId, upstreamUrl } from "./upstream.ts";

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Json, headers: res.headers });

describe("a call to a service that requires approval reaches the upstream only after a vault admin approves it", () => {
  it("the request waits, nothing is forwarded, then the approval sends it with the credential", async () => {
    const s = await heldSetup();
    const id = requestId();
    const waiting = proxyFetch(s, `/r/${id}/v1/deploy?ref=main`, { method: "POST", body: "deploy!" });
    const held = await heldRequest(s);
    expect(held).toMatchObject({ status: "pending", service: "svc", method: "POST", host: s.host, path: `/r/${id}/v1/deploy` });
    expect(held.requested_by).toMatchObject({ kind: "agent", name: s.agent.name });
    expect(JSON.stringify(held)).not.toContain("ref=main");
    expect(held.review_url).toBe(`https://edge.test/requests/${held.id}`);
    expect(await recorded(id)).toEqual([]);

    const approved = await call("POST", `/v1/requests/${held.id}/approve`, { token: s.admin.token });
    expect(approved.status).toBe(200);
    expect(approved.body.request).toMatchObject({ status: "approved", decided_by: { kind: "user", name: s.admin.email }, released_for_seconds: null });
    const res = await waiting;
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const [got] = await recorded(id);
    expect(got?.url).toBe(`/r/${id}/v1/deploy?ref=main`);
    expect(got?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(got?.bodyText).toBe("deploy!");
  });
});

describe("a held call reaches people where they are: the request.pending webhook", () => {
  it("the vault's webhook hears what waits (never the query or a credential) and where to decide it", async () => {
    const s = await heldSetup();
    const hookId = requestId();
    const hook = await call("POST", `/v1/vaults/${s.vault}/webhooks`, {
      token: s.company.ownerKey,
      body: { url: upstreamUrl(`/r/${hookId}/hook`), events: ["request.pending"] },
    });
    expect(hook.status).toBe(201);
    const waiting = proxyFetch(s, `/r/${requestId()}/v1/deploy?token=hunter2`);
    const held = await heldRequest(s);
    const [delivery] = await recordedSettled(hookId, 1);
    expect(delivery?.headers["x-edgevault-event"]).toBe("request.pending");
    const payload = JSON.parse(delivery?.bodyText ?? "{}") as Json;
    expect(payload).toMatchObject({
      event: "request.pending",
      request: { id: held.id, status: "pending", method: "GET", service: "svc", review_url: held.review_url },
    });
    expect(delivery?.bodyText).not.toContain("hunter2");
    expect(delivery?.bodyText).not.toContain(SECRET);
    expect((await call("POST", `/v1/requests/${held.id}/reject`, { token: s.admin.token })).status).toBe(200);
    await (await waiting).arrayBuffer();
  });
});

describe("no credential is read before a person approves", () => {
  it("a request whose credential is missing is held all the same, and hears credential_not_found only once approved", async () => {
    const s = await heldSetup({ credentials: {} });
    const id = requestId();
    const waiting = proxyFetch(s, `/r/${id}/v1/deploy`);
    const held = await heldRequest(s);
    expect((await call("POST", `/v1/requests/${held.id}/approve`, { token: s.admin.token })).status).toBe(200);
    const res = await json(await waiting);
    expect(res.status).toBe(502);
    expect(res.body.error).toBe("credential_not_found");
    expect(await recorded(id)).toEqual([]);
  });
});

describe("a rejected call never reaches the upstream", () => {
  it("the agent hears 403 request_rejected with the reason; the request log and the audit say so", async () => {
    const s = await heldSetup();
    const id = requestId();
    const waiting = proxyFetch(s, `/r/${id}/v1/deploy`, { method: "DELETE" });
    const held = await heldRequest(s);
    const rejected = await call("POST", `/v1/requests/${held.id}/reject`, { token: s.admin.token, body: { reason: "not on a Friday" } });
    expect(rejected.status).toBe(200);
    expect(rejected.body.request).toMatchObject({ status: "rejected", reason: "not on a Friday" });
    const res = await json(await waiting);
    expect(res.status).toBe(403);
    expect(res.headers.get("x-edgevault-error")).toBe("request_rejected");
    expect(res.body).toMatchObject({ error: "request_rejected", reason: "not on a Friday" });
    expect(await recorded(id)).toEqual([]);

    await flushRequestLog();
    const logs = await call("GET", `/v1/vaults/${s.vault}/logs?denied=true`, { token: s.company.ownerKey });
    expect(logs.body.entries).toEqual([expect.objectContaining({ method: "DELETE", path: `/r/${id}/v1/deploy`, status: 403, denial: "request_rejected" })]);
    const audit = await call("GET", "/v1/audit?limit=10", { token: s.company.ownerKey });
    const actions = (audit.body.entries as Json[]).filter((e) => e.target_id === held.id).map((e) => e.action);
    expect(actions.sort()).toEqual(["request.hold", "request.reject"]);
  });

  it("a reason a person wrote on several lines reaches the agent as one line", async () => {
    const s = await heldSetup();
    const id = requestId();
    const waiting = proxyFetch(s, `/r/${id}/v1/deploy`, { method: "DELETE" });
    const held = await heldRequest(s);
    const rejected = await call("POST", `/v1/requests/${held.id}/reject`, { token: s.admin.token, body: { reason: "not now\r\nX-Approved: yes\u2028ok" } });
    expect(rejected.body.request).toMatchObject({ status: "rejected", reason: "not now X-Approved: yes ok" });
    expect((await json(await waiting)).body).toMatchObject({ error: "request_rejected", reason: "not now X-Approved: yes ok" });
  });

  it("a second decision on a decided request is refused (409 request_not_pending)", async () => {
    const s = await heldSetup();
    const waiting = proxyFetch(s, `/r/${requestId()}/x`);
    const held = await heldRequest(s);
    expect((await call("POST", `/v1/requests/${held.id}/reject`, { token: s.admin.token })).status).toBe(200);
    await (await waiting).arrayBuffer();
    const again = await call("POST", `/v1/requests/${held.id}/approve`, { token: s.admin.token });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe("request_not_pending");
  });
});

describe("a held request nobody decides in time expires, and nothing is forwarded", () => {
  it("after approval_timeout_seconds the agent hears 403 request_approval_expired (timeout)", async () => {
    const s = await heldSetup({ timeoutSeconds: 1 });
    const id = requestId();
    const res = await json(await proxyFetch(s, `/r/${id}/slow`));
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: "request_approval_expired", reason: "timeout" });
    expect(await recorded(id)).toEqual([]);
    const [expired] = await heldRequests(s, "expired");
    expect(expired).toMatchObject({ expired_reason: "timeout", decided_by: null });
    const late = await call("POST", `/v1/requests/${expired?.id}/approve`, { token: s.admin.token });
    expect(late.status).toBe(409);
  });
});

describe("a held request whose client goes away expires and is never forwarded", () => {
  it("an agent that stops waiting expires its request at once (client_gone), and the request log keeps one row", async () => {
    const s = await heldSetup();
    const id = requestId();
    const controller = new AbortController();
    const waiting = proxyFetch(s, `/r/${id}/gone`, { signal: controller.signal }).catch((error: unknown) => error);
    const held = await heldRequest(s);
    controller.abort();
    await waiting;
    const [expired] = await heldRequests(s, "expired");
    expect(expired).toMatchObject({ id: held.id, expired_reason: "client_gone" });
    const late = await call("POST", `/v1/requests/${held.id}/approve`, { token: s.admin.token });
    expect(late.status).toBe(409);
    expect(await recorded(id)).toEqual([]);
    await flushRequestLog();
    const logs = await call("GET", `/v1/vaults/${s.vault}/logs?denied=true`, { token: s.company.ownerKey });
    expect(logs.body.entries).toEqual([expect.objectContaining({ path: `/r/${id}/gone`, denial: "request_approval_expired" })]);
  });

  it("a POST whose agent aborts while held is never forwarded, even when a person approves it afterwards", async () => {
    const s = await heldSetup();
    const id = requestId();
    const controller = new AbortController();
    const waiting = proxyFetch(s, `/r/${id}/Deploy`, { method: "POST", body: '{"ref":"main"}', signal: controller.signal }).catch((error: unknown) => error);
    const held = await heldRequest(s);
    controller.abort();
    await waiting;
    // Once the edge has seen the client go, the call is over: a person approving it afterwards
    // finds it ended (409) and nothing reaches the upstream. (An approval landing in the instant
    // before the edge hears of the disconnect cannot be told from one made while the agent waited:
    // the edge checks again after the approval and before forwarding, but a race that close is not
    // something a test can stage deterministically.)
    const [expired] = await heldRequests(s, "expired");
    expect(expired).toMatchObject({ id: held.id, expired_reason: "client_gone" });
    const approved = await call("POST", `/v1/requests/${held.id}/approve`, { token: s.admin.token });
    expect(approved.status).toBe(409);
    expect(await recorded(id)).toEqual([]);
  });

  it("a request nobody waits on any more (its isolate died) expires after the waiter's grace", async () => {
    const s = await heldSetup();
    const object = await approvalsObject(s.company.id, s.vault);
    const vault = (await call("GET", `/v1/vaults/${s.vault}`, { token: s.company.ownerKey })).body.vault as Json;
    const service = ((await call("GET", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey })).body.service as Json) ?? {};
    // What the proxy sends, from a Worker that then vanished without asking for the outcome.
    const ticket = await object.hold({
      companyId: s.company.id,
      vault: { id: String(vault.id), name: s.vault },
      service: { id: String(service.id), name: "svc", version: Date.parse(String(service.updated_at)), timeoutSeconds: 120 },
      actor: { kind: "agent", id: "agt_gone", companyId: s.company.id, name: "gone", root: { type: "agent", id: "agt_gone" } },
      method: "GET",
      host: s.host,
      path: "/vanished",
    });
    expect(ticket.outcome).toBe("held");
    const [expired] = await heldRequests(s, "expired");
    expect(expired).toMatchObject({ path: "/vanished", expired_reason: "client_gone" });
  });
});

describe("an approval releases the service as it was when the call came", () => {
  it("a service changed while the call waits: approving expires it (service_changed) and nothing is forwarded", async () => {
    const s = await heldSetup();
    const id = requestId();
    const waiting = proxyFetch(s, `/r/${id}/v1/deploy`);
    const held = await heldRequest(s);
    const changed = await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: { description: "now points elsewhere" } });
    expect(changed.status).toBe(200);
    const approved = await call("POST", `/v1/requests/${held.id}/approve`, { token: s.admin.token });
    expect(approved.status).toBe(409);
    expect(approved.body.error).toBe("request_not_pending");
    const res = await json(await waiting);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: "request_approval_expired", reason: "service_changed" });
    expect(await recorded(id)).toEqual([]);
    expect((await call("GET", `/v1/requests/${held.id}`, { token: s.admin.token })).body.request).toMatchObject({ expired_reason: "service_changed" });
  });
});

describe("a decision outlives the Durable Object that holds the request", () => {
  it("approved after the object was evicted, the request still waiting is released", async () => {
    const s = await heldSetup();
    const id = requestId();
    const waiting = proxyFetch(s, `/r/${id}/v1/deploy`);
    const held = await heldRequest(s);
    await runInDurableObject(await approvalsObject(s.company.id, s.vault), (_, state) => state.abort("evicted by the test")).catch(() => undefined);
    expect((await call("POST", `/v1/requests/${held.id}/approve`, { token: s.admin.token })).status).toBe(200);
    const res = await waiting;
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect((await recorded(id))[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it("a decision in D1 whose announcement never reached the object still releases the request, when its time would run out", async () => {
    const s = await heldSetup({ timeoutSeconds: 1 });
    const id = requestId();
    const waiting = proxyFetch(s, `/r/${id}/v1/deploy`);
    const held = await heldRequest(s);
    // The approval's batch landed; its call to the object was lost (the object was unreachable).
    await env.DB.prepare("UPDATE held_requests SET status = 'approved', decided_at = ? WHERE id = ?").bind(Date.now(), held.id).run();
    const res = await waiting;
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect((await recorded(id))[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });
});

describe("a time-boxed approval lets the same agent's same call through for a while, and is revocable", () => {
  it("for_seconds releases later identical calls without a person; another path still waits; revoking ends it", async () => {
    const s = await heldSetup();
    const first = proxyFetch(s, "/r/box/v1/deploy");
    const held = await heldRequest(s);
    const approved = await call("POST", `/v1/requests/${held.id}/approve`, { token: s.admin.token, body: { for_seconds: 600 } });
    expect(approved.status).toBe(200);
    expect(approved.body.request).toMatchObject({ released_for_seconds: 600 });
    expect((await first).status).toBe(200);

    const again = await proxyFetch(s, "/r/box/v1/deploy");
    expect(again.status).toBe(200);
    await again.arrayBuffer();
    expect((await call("GET", `/v1/vaults/${s.vault}/requests`, { token: s.admin.token })).body.requests).toHaveLength(1);

    const releases = await call("GET", `/v1/vaults/${s.vault}/request-releases`, { token: s.admin.token });
    expect(releases.body.releases).toEqual([
      expect.objectContaining({
        service: "svc",
        method: "GET",
        host: s.host,
        path: "/r/box/v1/deploy",
        agent: expect.objectContaining({ name: s.agent.name }),
      }),
    ]);
    const release = (releases.body.releases as Json[])[0] as Json;

    const other = proxyFetch(s, "/r/box/v1/other");
    const otherHeld = await heldRequest(s);
    expect(otherHeld.path).toBe("/r/box/v1/other");
    expect((await call("POST", `/v1/requests/${otherHeld.id}/reject`, { token: s.admin.token })).status).toBe(200);
    expect((await other).status).toBe(403);

    const revoked = await call("DELETE", `/v1/vaults/${s.vault}/request-releases/${release.id}`, { token: s.admin.token });
    expect(revoked.status).toBe(200);
    expect((await call("GET", `/v1/vaults/${s.vault}/request-releases`, { token: s.admin.token })).body.releases).toEqual([]);
    const afterRevoke = proxyFetch(s, "/r/box/v1/deploy");
    const heldAgain = await heldRequest(s);
    expect(heldAgain.path).toBe("/r/box/v1/deploy");
    expect((await call("POST", `/v1/requests/${heldAgain.id}/reject`, { token: s.admin.token })).status).toBe(200);
    expect((await afterRevoke).status).toBe(403);
  });
});

describe("nobody approves a request they or their session made; only people decide", () => {
  it("a person's own session's call is refused to them (own_request) and released by another admin", async () => {
    const s = await heldSetup();
    const minted = await call("POST", "/v1/sessions", { token: s.admin.token, body: { vault: s.vault, label: "laptop" } });
    expect(minted.status).toBe(201);
    const session = { agent: { token: String(minted.body.token) }, vault: s.vault, host: s.host };
    const id = requestId();
    const waiting = proxyFetch(session, `/r/${id}/mine`);
    const held = await heldRequest(s);
    expect(held.requested_by).toMatchObject({ kind: "user", name: s.admin.email, via: { kind: "vault_session", label: "laptop" } });
    const own = await call("POST", `/v1/requests/${held.id}/approve`, { token: s.admin.token });
    expect(own.status).toBe(403);
    expect(own.body.error).toBe("own_request");
    const owner = await call("POST", `/v1/requests/${held.id}/approve`, { token: s.company.ownerKey });
    expect(owner.status).toBe(403);
    expect(owner.body.error).toBe("human_required");
    const agent = await call("POST", `/v1/requests/${held.id}/approve`, { token: s.agent.token });
    expect(agent.status).toBe(403);
    expect((await call("GET", `/v1/requests/${held.id}`, { token: s.agent.token })).status).toBe(403);

    const other = await createUser(s.company, "owner");
    expect((await call("POST", `/v1/requests/${held.id}/approve`, { token: other.token })).status).toBe(200);
    expect((await waiting).status).toBe(200);
  });

  it("a vault member who is not its admin cannot decide, and another company's id is not found", async () => {
    const s = await heldSetup();
    const waiting = proxyFetch(s, `/r/${requestId()}/x`);
    const held = await heldRequest(s);
    const member = await createUser(s.company);
    await call("POST", `/v1/vaults/${s.vault}/users`, { token: s.company.ownerKey, body: { email: member.email, role: "member" } });
    expect((await call("POST", `/v1/requests/${held.id}/approve`, { token: member.token })).status).toBe(403);
    const stranger = await createCompany();
    const foreign = await createUser(stranger, "owner");
    expect((await call("POST", `/v1/requests/${held.id}/approve`, { token: foreign.token })).status).toBe(404);
    expect((await call("GET", `/v1/requests/${held.id}`, { token: stranger.ownerKey })).status).toBe(404);
    expect((await call("POST", `/v1/requests/${held.id}/reject`, { token: s.admin.token })).status).toBe(200);
    await (await waiting).arrayBuffer();
  });
});

describe("a service without require_approval pays nothing new", () => {
  it("its calls are never held, recorded or announced", async () => {
    const s = await proxySetup();
    const res = await proxyFetch(s, `/r/${requestId()}/plain`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const owner = { vault: s.vault, admin: { token: s.company.ownerKey } };
    expect((await call("GET", `/v1/vaults/${owner.vault}/requests`, { token: owner.admin.token })).body.requests).toEqual([]);
    const stored = await runInDurableObject(await approvalsObject(s.company.id, s.vault), async (_, state) => (await state.storage.list()).size);
    expect(stored).toBe(0);
  });
});
