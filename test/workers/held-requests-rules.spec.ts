/**
 * A call held for a person meets the service's other per-request rules in one order (issue 21's
 * two halves together): a method the service does not forward is refused before anything is
 * held; a held call has no credential read until a person approves it; the approved call then gets
 * its substitutions, and an echo of them is redacted on its way back; the refusals of a held call
 * come as problem details when asked. Real workerd, D1, Durable Objects and the recording upstream.
 */
import { describe, expect, it } from "vitest";
import { call, type Json } from "./helpers.ts";
import { heldRequest, heldSetup, SECRET } from "./held-requests-support.ts";
import { proxyFetch } from "./proxy-support.ts";
import { recorded, requestId } from "./upstream.ts";

const SID = "AC4d2f0e9c8b7a6958fedcba0123456789";

describe("a method the service does not forward is refused at once, never held for a person", () => {
  it("403 method_not_allowed without a wait; no request is recorded for a person, nothing reaches the upstream", async () => {
    const s = await heldSetup();
    const narrowed = await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: { methods: ["GET"] } });
    expect(narrowed.status, narrowed.text).toBe(200);
    const id = requestId();
    const res = await proxyFetch(s, `/r/${id}/v1/deploy`, { method: "POST", body: "deploy!" });
    expect(res.status).toBe(403);
    expect(((await res.json()) as Json).error).toBe("method_not_allowed");
    const listed = await call("GET", `/v1/vaults/${s.vault}/requests`, { token: s.admin.token });
    expect(listed.status).toBe(200);
    expect(listed.body.requests).toEqual([]);
    expect(await recorded(id)).toEqual([]);
  });
});

describe("an approved call is substituted, forwarded and redacted only after the person decided", () => {
  it("the person sees the line as the agent wrote it; the upstream gets the credential in the path; its echo comes back redacted", async () => {
    const s = await heldSetup({ credentials: { API_KEY: SECRET, TW_SID: SID } });
    const ruled = await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, {
      token: s.company.ownerKey,
      body: { substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path"] }] },
    });
    expect(ruled.status, ruled.text).toBe(200);
    const id = requestId();
    const waiting = proxyFetch(s, `/r/${id}/Accounts/__sid__/Calls.json`);
    const held = await heldRequest(s);
    expect(held.path).toBe(`/r/${id}/Accounts/__sid__/Calls.json`);
    expect(JSON.stringify(held)).not.toContain(SID);
    expect(await recorded(id)).toEqual([]);

    expect((await call("POST", `/v1/requests/${held.id}/approve`, { token: s.admin.token })).status).toBe(200);
    const res = await waiting;
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).not.toContain(SID);
    expect(body).not.toContain(SECRET);
    expect((JSON.parse(body) as { url: string }).url).toBe(`/r/${id}/Accounts/[REDACTED:TW_SID]/Calls.json`);
    const [got] = await recorded(id);
    expect(got?.url).toBe(`/r/${id}/Accounts/${SID}/Calls.json`);
    expect(got?.headers.authorization).toBe(`Bearer ${SECRET}`);
    const logs = await call("GET", `/v1/vaults/${s.vault}/logs?limit=1`, { token: s.company.ownerKey });
    expect((logs.body.entries as Json[])[0]).toMatchObject({ status: 200, path: `/r/${id}/Accounts/__sid__/Calls.json` });
    expect(((logs.body.entries as Json[])[0]?.redactions as number) > 0).toBe(true);
  });
});

describe("a held call's refusal is problem details when the agent asks for them", () => {
  it("rejected: application/problem+json with the request_rejected type and the reason", async () => {
    const s = await heldSetup();
    const id = requestId();
    const waiting = proxyFetch(s, `/r/${id}/v1/deploy`, { headers: { Accept: "application/problem+json" } });
    const held = await heldRequest(s);
    expect((await call("POST", `/v1/requests/${held.id}/reject`, { token: s.admin.token, body: { reason: "not today" } })).status).toBe(200);
    const res = await waiting;
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.headers.get("x-edgevault-error")).toBe("request_rejected");
    expect(await res.json()).toMatchObject({
      type: "https://edgevault.dev/problems/request_rejected",
      title: "Request rejected",
      status: 403,
      error: "request_rejected",
      reason: "not today",
    });
    expect(await recorded(id)).toEqual([]);
  });
});
