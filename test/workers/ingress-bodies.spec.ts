/**
 * What a request's body may be, and when it is read: every route has a cap (workers/body-caps.ts)
 * enforced before anything reads the body, and the unauthenticated registration routes count the
 * attempt before the body is parsed.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PROXY_BODY_LIMIT } from "../../workers/body-caps.ts";
import { MAX_REGISTRATION_BODY_BYTES } from "../../workers/registrations/registrations.contract.ts";
import { BASE, call, createCompany, createUser, unique } from "./helpers.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { recorded, requestId } from "./upstream.ts";

let lastAddress = 0;
/** A client address of its own, so each test starts under the registration throttle. */
const freshAddress = () => {
  lastAddress += 1;
  return `192.0.${lastAddress >> 8}.${lastAddress & 255}`;
};

/** A body of `size` bytes sent without a length: the edge can only count it as it reads. */
function unsizedBody(size: number, fill = 0x20): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).fill(fill);
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= size) return controller.close();
      const part = chunk.subarray(0, Math.min(chunk.byteLength, size - sent));
      sent += part.byteLength;
      controller.enqueue(part);
    },
  });
}

async function send(url: string, init: RequestInit): Promise<{ status: number; error: string | undefined }> {
  const res = await SELF.fetch(url.startsWith("http") ? url : `${BASE}${url}`, { redirect: "manual", ...init });
  const text = await res.text();
  const error = res.headers.get("content-type")?.includes("json") ? (JSON.parse(text) as { error?: string }).error : undefined;
  return { status: res.status, error };
}

const pendingOf = async (companyId: string) =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM registrations WHERE company_id = ?").bind(companyId).first<{ n: number }>())?.n;

describe("every route's body has a cap, checked before the body is read", () => {
  it("a 20 MB anonymous registration is 413 payload_too_large, and nothing is stored", async () => {
    const company = await createCompany();
    const huge = JSON.stringify({ name: unique("big").slice(0, 40), capabilities: [], version: "x".repeat(20 * 1024 * 1024) });
    for (const url of [`http://${company.id}.localhost/api/agents/register`, `/v1/companies/${company.id}/agents/register`]) {
      const res = await send(url, { method: "POST", headers: { "Content-Type": "application/json", "CF-Connecting-IP": freshAddress() }, body: huge });
      expect(res, url).toEqual({ status: 413, error: "payload_too_large" });
    }
    expect(await pendingOf(company.id)).toBe(0);
  });

  it("a body sent without a length is counted as it is read: over the cap it is 413 whoever reads it, under it it passes whole", async () => {
    const company = await createCompany();
    const json = { Authorization: `Bearer ${company.ownerKey}`, "Content-Type": "application/json" };
    expect(await send("/v1/vaults", { method: "POST", headers: json, body: unsizedBody(1024 * 1024 + 1) })).toEqual({
      status: 413,
      error: "payload_too_large",
    });
    const name = unique("v").slice(0, 40);
    const small = new TextEncoder().encode(JSON.stringify({ name }));
    const whole = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(small);
        controller.close();
      },
    });
    expect((await send("/v1/vaults", { method: "POST", headers: json, body: whole })).status).toBe(201);
    expect((await call("GET", `/v1/vaults/${name}`, { token: company.ownerKey })).status).toBe(200);

    // The registration's own, tighter cap is counted the same way.
    const registration = await send(`/v1/companies/${company.id}/agents/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": freshAddress() },
      body: unsizedBody(MAX_REGISTRATION_BODY_BYTES + 1),
    });
    expect(registration).toEqual({ status: 413, error: "payload_too_large" });
  });

  it("each kind of route has a size that fits it: registrations and public /v1 forms 16 KiB, token exchange and /api 64 KiB, /invite 1 KiB, /v1 1 MiB, pages 16 or 64 KiB", async () => {
    const company = await createCompany();
    const owner = { Authorization: `Bearer ${company.ownerKey}` };
    const over = (limit: number) => "x".repeat(limit + 1);
    const cases: [string, string, Record<string, string>, number][] = [
      [`/v1/companies/${company.id}/agents/register`, "application/json", { "CF-Connecting-IP": freshAddress() }, MAX_REGISTRATION_BODY_BYTES],
      ["/api/agents/register", "application/json", owner, MAX_REGISTRATION_BODY_BYTES],
      ["/api/registrations/reg_x/approve", "application/json", owner, 64 * 1024],
      ["/invite/evi_anything", "application/json", {}, 1024],
      ["/v1/vaults", "application/json", owner, 1024 * 1024],
      ["/v1/auth/sign-in", "application/json", {}, 16 * 1024],
      ["/v1/users/accept", "application/json", {}, 16 * 1024],
      ["/v1/registrations/claim", "application/json", {}, 16 * 1024],
      ["/v1/token/exchange", "application/x-www-form-urlencoded", {}, 64 * 1024],
      ["/sign-in", "application/x-www-form-urlencoded", { Origin: BASE }, 16 * 1024],
      ["/accept/evi_anything", "application/x-www-form-urlencoded", { Origin: BASE }, 16 * 1024],
      ["/approve/prp_anything", "application/x-www-form-urlencoded", { Origin: BASE }, 64 * 1024],
    ];
    for (const [path, type, headers, limit] of cases) {
      const refused = await send(path, { method: "POST", headers: { ...headers, "Content-Type": type }, body: over(limit) });
      expect(refused, `${path} over ${limit}`).toEqual({ status: 413, error: "payload_too_large" });
    }
    // Just under the cap, the same routes read the body and answer on its merits.
    const fits = await send("/invite/evi_anything", { method: "POST", headers: { "Content-Type": "application/json" }, body: "x".repeat(1024) });
    expect(fits.status).not.toBe(413);
    expect(await pendingOf(company.id)).toBe(0);
  });

  it("a proxied body declaring more than 100 MiB is 413 before the upstream hears of it", async () => {
    const s = await proxySetup();
    const id = requestId();
    const res = await proxyFetch(s, `/r/${id}/upload`, {
      method: "POST",
      body: unsizedBody(64 * 1024),
      headers: { "Content-Type": "application/octet-stream", "Content-Length": String(PROXY_BODY_LIMIT + 1) },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe("payload_too_large");
    expect(await recorded(id)).toEqual([]);
  });
});

describe("an unauthenticated route throttles before it parses", () => {
  it("malformed and oversized registrations count as attempts: the 11th from one address is 429, whatever its body", async () => {
    const company = await createCompany();
    const ip = freshAddress();
    const post = (body: BodyInit) =>
      send(`/v1/companies/${company.id}/agents/register`, { method: "POST", headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip }, body });
    for (let i = 0; i < 5; i++) expect((await post("{not json")).error).toBe("malformed_json");
    for (let i = 0; i < 5; i++) expect((await post(unsizedBody(MAX_REGISTRATION_BODY_BYTES + 1))).error).toBe("payload_too_large");
    // Counted before the body was read: neither a good body nor a bad one gets past the count now.
    expect(await post(JSON.stringify({ name: unique("late").slice(0, 40), capabilities: [] }))).toEqual({ status: 429, error: "too_many_attempts" });
    expect(await post("x".repeat(MAX_REGISTRATION_BODY_BYTES + 1))).toEqual({ status: 429, error: "too_many_attempts" });
    expect(await pendingOf(company.id)).toBe(0);
  });

  it("Vaultys' registration by host counts the same way before its body is read", async () => {
    const company = await createCompany();
    const ip = freshAddress();
    const post = (body: string) =>
      send(`http://${company.id}.localhost/api/agents/register`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip },
        body,
      });
    for (let i = 0; i < 10; i++) expect((await post("[")).error).toBe("malformed_json");
    expect(await post(JSON.stringify({ name: unique("late").slice(0, 40), capabilities: [] }))).toEqual({ status: 429, error: "too_many_attempts" });
  });
});

describe("registration is throttled for every caller, and never open to a vault session", () => {
  const registerAt = (path: string, token: string | undefined, headers: Record<string, string> = {}) =>
    call("POST", path, { token, headers, body: { name: unique("reg").slice(0, 40), capabilities: [] } });

  it("a vault session is refused on every way to register (403 session_cannot_register), and nothing is stored", async () => {
    const company = await createCompany();
    const minted = await call("POST", "/v1/sessions", { token: company.ownerKey, body: { vault: "default" } });
    const session = minted.body.token as string;
    for (const path of [`/v1/companies/${company.id}/agents/register`, "/api/agents/register", `http://${company.id}.localhost/api/agents/register`]) {
      const res = await registerAt(path, session);
      expect(res.status, path).toBe(403);
      expect(res.body.error, path).toBe("session_cannot_register");
    }
    const channel = await SELF.fetch(`${BASE}/v1/companies/${company.id}/agents/channel`, {
      headers: { Upgrade: "websocket", Authorization: `Bearer ${session}` },
    });
    expect(channel.status).toBe(403);
    expect(((await channel.json()) as { error: string }).error).toBe("session_cannot_register");
    expect(await pendingOf(company.id)).toBe(0);
  });

  it("a caller with a token of the company is counted per principal: the 11th is 429, another principal still registers", async () => {
    const company = await createCompany();
    const person = await createUser(company, "member");
    // No client address at all: only the principal can be counted.
    for (let i = 0; i < 10; i++) expect((await registerAt("/api/agents/register", company.ownerKey)).status).toBe(201);
    const refused = await registerAt(`/v1/companies/${company.id}/agents/register`, company.ownerKey);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe("too_many_attempts");
    expect(refused.body.message).toContain("by one caller");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await registerAt("/api/agents/register", person.token)).status).toBe(201);
  });

  it("a token of another company is counted by its address, as anyone registering there is; a wrong token is 401", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const ip = freshAddress();
    const path = `/v1/companies/${company.id}/agents/register`;
    for (let i = 0; i < 10; i++) expect((await registerAt(path, undefined, { "CF-Connecting-IP": ip })).status).toBe(201);
    const foreign = await registerAt(path, other.ownerKey, { "CF-Connecting-IP": ip });
    expect(foreign.status).toBe(429);
    expect(foreign.body.message).toContain("from one address");
    // Its own principal was not counted: at home it still registers.
    expect((await registerAt(`/v1/companies/${other.id}/agents/register`, other.ownerKey, { "CF-Connecting-IP": ip })).status).toBe(201);
    expect((await registerAt(path, "evk_not_a_real_token_x", { "CF-Connecting-IP": freshAddress() })).status).toBe(401);
  });
});
