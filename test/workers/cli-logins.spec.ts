/**
 * `edgevault login --web`'s routes in workerd against real D1: a login is collected only with its
 * device code, only after a person of the right company confirmed it, once, within 10 minutes,
 * and polled no faster than its interval. The page's behaviour is in cli-login-page.spec.ts.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../workers/lib/crypto/tokens.ts";
import { call, createCompany, createUser, inviteAgent } from "./helpers.ts";

type Started = { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number; interval: number };

/** A fresh client address per login, so the per-address cap of one test never meets another's. */
const freshAddress = () => `198.51.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

async function start(body: Record<string, unknown> = {}, address = freshAddress()): Promise<Started> {
  const res = await call("POST", "/v1/cli-logins", {
    body: { client_name: "edgevault 0.1.0 on test-host (linux)", ...body },
    headers: { "CF-Connecting-IP": address },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as unknown as Started;
}

const poll = (deviceCode: string) => call("POST", "/v1/cli-logins/token", { body: { device_code: deviceCode } });

/** The interval passes: the login's last poll moves back, as if the CLI had waited. */
async function intervalPasses(deviceCode: string) {
  await env.DB.prepare("UPDATE cli_logins SET last_polled_at = last_polled_at - 10000 WHERE device_code_hash = ?")
    .bind(await sha256Hex(deviceCode))
    .run();
}

describe("a CLI login is collected only after a person confirmed it, once", () => {
  it("answers codes of the device flow's shape: a 256-bit device code, an eight-letter user code, the console page", async () => {
    const login = await start();
    expect(login.device_code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(login.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(login.verification_uri).toMatch(/\/cli-login$/);
    expect(login.verification_uri_complete).toBe(`${login.verification_uri}?code=${login.user_code}`);
    expect([login.expires_in, login.interval]).toEqual([600, 5]);
    const row = await env.DB.prepare("SELECT device_code_hash FROM cli_logins WHERE user_code = ?").bind(login.user_code).first<{ device_code_hash: string }>();
    expect(row?.device_code_hash).toBe(await sha256Hex(login.device_code));
    expect(JSON.stringify(row)).not.toContain(login.device_code);
  });

  it("says authorization_pending while nobody decided, then hands the confirming person's session over once", async () => {
    const company = await createCompany();
    const person = await createUser(company, "member");
    const login = await start();
    const pending = await poll(login.device_code);
    expect([pending.status, pending.body.error]).toEqual([400, "authorization_pending"]);

    const seen = await call("GET", `/v1/cli-logins/${login.user_code.toLowerCase().replace("-", "")}`, { token: person.token });
    expect(seen.status, seen.text).toBe(200);
    expect(seen.body).toMatchObject({ user_code: login.user_code, client_name: "edgevault 0.1.0 on test-host (linux)", status: "pending" });
    const approved = await call("POST", `/v1/cli-logins/${login.user_code}/approve`, { token: person.token });
    expect([approved.status, approved.body.status]).toEqual([200, "approved"]);

    await intervalPasses(login.device_code);
    const collected = await poll(login.device_code);
    expect(collected.status, collected.text).toBe(200);
    const token = collected.body.token as string;
    expect(token).toMatch(/^evu_/);
    const me = await call("GET", "/v1/whoami", { token });
    expect(me.body).toMatchObject({ kind: "user", id: person.id, company: { id: company.id } });

    await intervalPasses(login.device_code);
    const again = await poll(login.device_code);
    expect([again.status, again.body.error]).toEqual([400, "expired_token"]);
    // The session is a sign-in like any other: signing out ends it.
    expect((await call("POST", "/v1/auth/sign-out", { token })).status).toBe(200);
    expect((await call("GET", "/v1/whoami", { token })).status).toBe(401);
  });

  it("answers slow_down to a poll inside the interval", async () => {
    const login = await start();
    expect((await poll(login.device_code)).body.error).toBe("authorization_pending");
    const fast = await poll(login.device_code);
    expect([fast.status, fast.body.error]).toEqual([400, "slow_down"]);
    expect(fast.headers.get("Retry-After")).toBe("5");
  });

  it("a denied login gives the CLI access_denied and nothing else, and cannot be confirmed after", async () => {
    const company = await createCompany();
    const person = await createUser(company, "owner");
    const login = await start();
    const denied = await call("POST", `/v1/cli-logins/${login.user_code}/deny`, { token: person.token });
    expect([denied.status, denied.body.status]).toEqual([200, "denied"]);
    const answer = await poll(login.device_code);
    expect([answer.status, answer.body.error]).toEqual([403, "access_denied"]);
    expect(answer.body.token).toBeUndefined();
    const late = await call("POST", `/v1/cli-logins/${login.user_code}/approve`, { token: person.token });
    expect([late.status, late.body.error]).toEqual([409, "cli_login_decided"]);
  });

  it("expires after ten minutes: neither confirmed nor collected after", async () => {
    const company = await createCompany();
    const person = await createUser(company, "member");
    const login = await start();
    const approvedInTime = await start();
    expect((await call("POST", `/v1/cli-logins/${approvedInTime.user_code}/approve`, { token: person.token })).status).toBe(200);
    await env.DB.prepare("UPDATE cli_logins SET expires_at = ? WHERE user_code IN (?, ?)")
      .bind(Date.now() - 1, login.user_code, approvedInTime.user_code)
      .run();

    const late = await call("POST", `/v1/cli-logins/${login.user_code}/approve`, { token: person.token });
    expect([late.status, late.body.error]).toEqual([409, "expired_token"]);
    expect((await call("GET", `/v1/cli-logins/${login.user_code}`, { token: person.token })).body.status).toBe("expired");
    for (const code of [login.device_code, approvedInTime.device_code]) {
      const answer = await poll(code);
      expect([answer.status, answer.body.error]).toEqual([400, "expired_token"]);
    }
  });

  it("a login asked for one company cannot be seen or confirmed by another company's person", async () => {
    const [mine, theirs] = [await createCompany(), await createCompany()];
    const [me, stranger] = [await createUser(mine, "member"), await createUser(theirs, "owner")];
    const login = await start({ company: mine.id });
    for (const [method, path] of [
      ["GET", `/v1/cli-logins/${login.user_code}`],
      ["POST", `/v1/cli-logins/${login.user_code}/approve`],
      ["POST", `/v1/cli-logins/${login.user_code}/deny`],
    ] as const) {
      const refused = await call(method, path, { token: stranger.token });
      expect([refused.status, refused.body.error], `${method} ${path}`).toEqual([404, "not_found"]);
    }
    expect((await poll(login.device_code)).body.error).toBe("authorization_pending");
    expect((await call("POST", `/v1/cli-logins/${login.user_code}/approve`, { token: me.token })).status).toBe(200);
    await intervalPasses(login.device_code);
    const collected = await poll(login.device_code);
    expect((await call("GET", "/v1/whoami", { token: collected.body.token as string })).body).toMatchObject({ id: me.id, company: { id: mine.id } });
  });

  it("only a person decides: an API key and an agent are refused before anything is read, no token is 401", async () => {
    const company = await createCompany();
    const agent = (await inviteAgent(company.ownerKey)).token;
    const login = await start();
    for (const token of [company.ownerKey, agent]) {
      const refused = await call("POST", `/v1/cli-logins/${login.user_code}/approve`, { token });
      expect([refused.status, refused.body.error]).toEqual([403, "human_required"]);
    }
    expect((await call("POST", `/v1/cli-logins/${login.user_code}/approve`)).status).toBe(401);
  });

  it("the user code alone never collects, and a wrong device code learns nothing", async () => {
    const company = await createCompany();
    const person = await createUser(company, "member");
    const login = await start();
    expect((await call("POST", `/v1/cli-logins/${login.user_code}/approve`, { token: person.token })).status).toBe(200);
    // A device code one character off (never the code itself: its last character may already be "A").
    const offByOne = `${login.device_code.slice(0, -1)}${login.device_code.endsWith("A") ? "B" : "A"}`;
    for (const guess of [login.user_code, login.user_code.replace("-", ""), offByOne]) {
      const answer = await poll(guess);
      expect([answer.status, answer.body.error]).toEqual([400, "expired_token"]);
      expect(answer.body.token).toBeUndefined();
    }
  });

  it("at most five logins wait per client address", async () => {
    const address = freshAddress();
    for (let i = 0; i < 5; i++) await start({}, address);
    const refused = await call("POST", "/v1/cli-logins", { body: {}, headers: { "CF-Connecting-IP": address } });
    expect([refused.status, refused.body.error]).toEqual([429, "too_many_pending_logins"]);
    expect(refused.headers.get("Retry-After")).toBe("600");
    expect((await call("POST", "/v1/cli-logins", { body: {}, headers: { "CF-Connecting-IP": freshAddress() } })).status).toBe(201);
  });

  it("refuses a client name with control characters and an unknown company", async () => {
    const bad = await call("POST", "/v1/cli-logins", { body: { client_name: "evil\u001b[2J" } });
    expect(bad.status).toBe(400);
    const unknown = await call("POST", "/v1/cli-logins", { body: { company: "no-such-company-here" } });
    expect([unknown.status, unknown.body.error]).toEqual([404, "not_found"]);
  });
});
