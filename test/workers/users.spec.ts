import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, unique } from "./helpers.ts";

const PASSWORD = "correct horse battery staple";

describe("users", () => {
  it("an owner creates a member who signs in with a bearer token and signs out", async () => {
    const company = await createCompany();
    const user = await createUser(company, "member");
    const who = await call("GET", "/v1/whoami", { token: user.token });
    expect(who.body).toMatchObject({ kind: "user", email: user.email, company_role: "member", company: { id: company.id } });
    const out = await call("POST", "/v1/auth/sign-out", { token: user.token });
    expect(out.status).toBe(200);
    expect((await call("GET", "/v1/whoami", { token: user.token })).status).toBe(401);
  });

  it("invites a user who accepts once with a password", async () => {
    const company = await createCompany();
    const email = `${unique("inv")}@example.com`;
    const created = await call("POST", "/v1/users", { token: company.ownerKey, body: { email, role: "owner" } });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ status: "invited", role: "owner" });
    const invite = created.body.invite as { token: string };
    expect((await call("POST", "/v1/auth/sign-in", { body: { email, password: PASSWORD } })).status).toBe(401);
    const accepted = await call("POST", "/v1/users/accept", { body: { token: invite.token, password: PASSWORD, name: "Ada" } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.user).toMatchObject({ status: "active", name: "Ada" });
    const again = await call("POST", "/v1/users/accept", { body: { token: invite.token, password: PASSWORD } });
    expect(again.status).toBe(410);
    expect(again.body.error).toBe("invite_used");
    expect((await call("POST", "/v1/users/accept", { body: { token: "nope", password: PASSWORD } })).body.error).toBe("invite_invalid");
    expect((await call("POST", "/v1/auth/sign-in", { body: { email, password: PASSWORD } })).status).toBe(200);
  });

  it("password rules and duplicate emails", async () => {
    const company = await createCompany();
    const short = await call("POST", "/v1/users", { token: company.ownerKey, body: { email: "a@b.co", password: "short" } });
    expect(short.status).toBe(400);
    const user = await createUser(company);
    const dup = await call("POST", "/v1/users", { token: company.ownerKey, body: { email: user.email.toUpperCase(), password: PASSWORD } });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toBe("user_exists");
  });

  it("only owners manage users", async () => {
    const company = await createCompany();
    const member = await createUser(company, "member");
    expect((await call("GET", "/v1/users", { token: member.token })).status).toBe(403);
    const res = await call("POST", "/v1/users", { token: member.token, body: { email: "x@y.co", password: PASSWORD } });
    expect(res.status).toBe(403);
  });

  it("the last owner cannot be demoted or removed; another owner can be", async () => {
    const company = await createCompany();
    const owner = await createUser(company, "owner");
    const demote = await call("PATCH", `/v1/users/${owner.id}`, { token: company.ownerKey, body: { role: "member" } });
    expect(demote.status).toBe(409);
    expect(demote.body.error).toBe("last_owner");
    const remove = await call("DELETE", `/v1/users/${owner.id}`, { token: owner.token });
    expect(remove.status).toBe(409);
    const audit = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_log WHERE company_id = ? AND target_id = ? AND action IN ('user.update', 'user.delete')",
    )
      .bind(company.id, owner.id)
      .first<{ n: number }>();
    expect(audit?.n).toBe(0); // refused changes leave no audit entry behind

    const second = await createUser(company, "owner");
    expect((await call("PATCH", `/v1/users/${owner.id}`, { token: second.token, body: { role: "member" } })).status).toBe(200);
    const lastNow = await call("DELETE", `/v1/users/${second.id}`, { token: company.ownerKey });
    expect(lastNow.status).toBe(409);
    const gone = await call("DELETE", `/v1/users/${owner.id}`, { token: second.token });
    expect(gone.status).toBe(200);
    expect((await call("GET", "/v1/whoami", { token: owner.token })).status).toBe(401);
  });

  it("another company's user id answers 404", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const theirs = await createUser(other);
    expect((await call("PATCH", `/v1/users/${theirs.id}`, { token: company.ownerKey, body: { name: "x" } })).status).toBe(404);
    expect((await call("DELETE", `/v1/users/${theirs.id}`, { token: company.ownerKey })).status).toBe(404);
  });
});

describe("sign-in", () => {
  it("wrong password is 401 and never says which part was wrong", async () => {
    const company = await createCompany();
    const user = await createUser(company);
    const wrong = await call("POST", "/v1/auth/sign-in", { body: { email: user.email, password: "not the password" } });
    const unknown = await call("POST", "/v1/auth/sign-in", { body: { email: `${unique("n")}@example.com`, password: "whatever123" } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
  });

  it("throttles failed sign-ins per account with 429 and Retry-After", async () => {
    const company = await createCompany();
    const user = await createUser(company);
    const headers = { "CF-Connecting-IP": "203.0.113.7" };
    for (let i = 0; i < 5; i++) {
      expect((await call("POST", "/v1/auth/sign-in", { headers, body: { email: user.email, password: "bad password" } })).status).toBe(401);
    }
    const blocked = await call("POST", "/v1/auth/sign-in", { headers, body: { email: user.email, password: user.password } });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe("too_many_attempts");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("throttles failed sign-ins per IP across accounts", async () => {
    const headers = { "CF-Connecting-IP": "198.51.100.23" };
    for (let i = 0; i < 30; i++) {
      await call("POST", "/v1/auth/sign-in", { headers, body: { email: `${unique("spray")}@example.com`, password: "guess12345" } });
    }
    const company = await createCompany();
    const user = await createUser(company);
    const blocked = await call("POST", "/v1/auth/sign-in", { headers, body: { email: user.email, password: user.password } });
    expect(blocked.status).toBe(429);
  });

  it("cookie mode sets an HttpOnly, Secure, SameSite=Strict cookie and requires the CSRF token for changes", async () => {
    const company = await createCompany();
    const user = await createUser(company, "owner");
    const res = await call("POST", "/v1/auth/sign-in", { body: { email: user.email, password: user.password, mode: "cookie" } });
    expect(res.status).toBe(200);
    expect(res.body.token).toBeUndefined();
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const session = cookie.split(";")[0] ?? "";
    const csrf = res.body.csrf_token as string;

    expect((await call("GET", "/v1/whoami", { headers: { Cookie: session } })).status).toBe(200);
    const forged = await call("POST", "/v1/vaults", { headers: { Cookie: session, "X-CSRF-Token": "forged" }, body: { name: unique("v") } });
    expect(forged.status).toBe(403);
    expect(forged.body.error).toBe("csrf_failed");
    const missing = await call("POST", "/v1/vaults", { headers: { Cookie: session }, body: { name: unique("v") } });
    expect(missing.body.error).toBe("csrf_failed");
    const ok = await call("POST", "/v1/vaults", { headers: { Cookie: session, "X-CSRF-Token": csrf }, body: { name: unique("v") } });
    expect(ok.status).toBe(201);
    // A cookie token is not a bearer token.
    const token = session.split("=")[1] ?? "";
    expect((await call("GET", "/v1/whoami", { token })).status).toBe(401);
    const out = await call("POST", "/v1/auth/sign-out", { headers: { Cookie: session, "X-CSRF-Token": csrf } });
    expect(out.status).toBe(200);
    expect((await call("GET", "/v1/whoami", { headers: { Cookie: session } })).status).toBe(401);
  });
});
