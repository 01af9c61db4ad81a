import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../workers/db/client.ts";
import { admitSignInAttempt, SIGN_IN_WINDOW_MS, signInThrottleKeys } from "../../workers/sign-in/sign-in-throttle.queries.ts";
import { clientAddressKey } from "../../workers/lib/http/client-address.ts";
import { type ApiResponse, call, createCompany, createUser, type TestCompany, unique } from "./helpers.ts";

const PASSWORD = "correct horse battery staple";
/** Hundreds of PBKDF2 verifications on a shared 2-core machine: more than the 5 s default. */
const SLOW = 60_000;

/** An address in a /64 of its own (documentation prefix), so tests never share a counter. */
const freshAddress = () => {
  const hextet = () => Math.floor(Math.random() * 0x10000).toString(16);
  return `2001:db8:${hextet()}:${hextet()}::1`;
};

const signIn = (body: Record<string, unknown>, address: string) => call("POST", "/v1/auth/sign-in", { headers: { "CF-Connecting-IP": address }, body });
const statuses = (responses: ApiResponse[]) => ({
  wrong: responses.filter((r) => r.status === 401 && r.body.error === "invalid_credentials").length,
  throttled: responses.filter((r) => r.status === 429 && r.body.error === "too_many_attempts").length,
});
const counter = (key: string) =>
  env.DB.prepare("SELECT failures, window_started_at FROM sign_in_throttle WHERE key = ?").bind(key).first<{ failures: number; window_started_at: number }>();

async function userWithPassword(company: TestCompany, email: string, password = PASSWORD) {
  const created = await call("POST", "/v1/users", { token: company.ownerKey, body: { email, password, role: "member" } });
  if (created.status !== 201) throw new Error(`createUser: ${created.status} ${created.text}`);
  return created.body.user as { id: string; company_id: string };
}

describe("sign-in throttling is atomic: an attempt is counted before its password is checked", () => {
  it("25 parallel wrong guesses from one address verify at most 5; the owner elsewhere is still admitted", { timeout: SLOW }, async () => {
    const user = await createUser(await createCompany());
    const attacker = freshAddress();
    const guesses = await Promise.all(Array.from({ length: 25 }, (_, i) => signIn({ email: user.email, password: `guess-${i}-wrong` }, attacker)));
    // Every verification answers 401, every refusal 429 before any password check: so 5 verified.
    expect(statuses(guesses)).toEqual({ wrong: 5, throttled: 20 });
    expect(Number(guesses.find((r) => r.status === 429)?.headers.get("retry-after"))).toBeGreaterThan(0);

    // The attacker's address stays locked even with the right password.
    expect((await signIn({ email: user.email, password: user.password }, attacker)).status).toBe(429);
    // Refused attempts counted nowhere: the account-wide budget holds only the 5 verified ones.
    expect((await counter(`account:${user.email}`))?.failures).toBe(5);
    const owner = await signIn({ email: user.email, password: user.password }, freshAddress());
    expect(owner.status).toBe(200);
    expect(owner.body.user).toMatchObject({ id: user.id });
  });

  it("a right password takes its attempt back and clears its own address's typos", { timeout: SLOW }, async () => {
    const user = await createUser(await createCompany());
    const address = freshAddress();
    for (let i = 0; i < 4; i++) expect((await signIn({ email: user.email, password: "typo typo typo" }, address)).status).toBe(401);
    expect((await signIn({ email: user.email, password: user.password }, address)).status).toBe(200);
    expect(await counter(`account-ip:${user.email}|${clientAddressKey(address)}`)).toBeNull();
    expect((await counter(`account:${user.email}`))?.failures).toBe(4);
    // A full budget again at this address: five more typos are verified, the sixth is refused.
    const again = [];
    for (let i = 0; i < 6; i++) again.push(await signIn({ email: user.email, password: "typo typo typo" }, address));
    expect(statuses(again)).toEqual({ wrong: 5, throttled: 1 });
  });

  it("one address spraying many accounts in parallel verifies at most 30", { timeout: SLOW }, async () => {
    const address = freshAddress();
    const sprayed = await Promise.all(Array.from({ length: 40 }, () => signIn({ email: `${unique("spray")}@example.com`, password: "guess12345" }, address)));
    expect(statuses(sprayed)).toEqual({ wrong: 30, throttled: 10 });
  });

  it("IPv6 addresses count per /64: rotating through one /64 gains no guesses", { timeout: SLOW }, async () => {
    const user = await createUser(await createCompany());
    const prefix = freshAddress().slice(0, -"::1".length);
    const guesses = [];
    for (let i = 1; i <= 6; i++) guesses.push(await signIn({ email: user.email, password: "wrong wrong" }, `${prefix}:${i.toString(16)}:0:0:${i}`));
    expect(statuses(guesses)).toEqual({ wrong: 5, throttled: 1 });
  });

  it("a guesser spread over many addresses is bounded per account (50); the lock lifts by itself when its window ends", { timeout: SLOW }, async () => {
    const user = await createUser(await createCompany());
    const guesses = await Promise.all(Array.from({ length: 60 }, (_, i) => signIn({ email: user.email, password: `spread-${i}` }, freshAddress())));
    expect(statuses(guesses)).toEqual({ wrong: 50, throttled: 10 });
    const locked = await counter(`account:${user.email}`);
    expect(locked?.failures).toBe(50);
    // The owner is held off too, but only until the window ends: refusals never extend it.
    expect((await signIn({ email: user.email, password: user.password }, freshAddress())).status).toBe(429);
    expect(await counter(`account:${user.email}`)).toEqual(locked);

    const keys = signInThrottleKeys(user.email, clientAddressKey(freshAddress()));
    const db = createDatabase(env.DB);
    const windowEnd = (locked?.window_started_at ?? 0) + SIGN_IN_WINDOW_MS;
    expect(await admitSignInAttempt(db, keys, windowEnd - 1)).toMatchObject({ admitted: false });
    expect(await admitSignInAttempt(db, keys, windowEnd)).toMatchObject({ admitted: true });
    expect((await counter(`account:${user.email}`))?.failures).toBe(1);
  });
});

describe("e-mail addresses are unique per company and reveal nothing across companies", () => {
  it("creating a user whose address another company has is 201, like a fresh address; the same company is 409", async () => {
    const [a, b] = [await createCompany(), await createCompany()];
    const email = `${unique("shared")}@example.com`;
    await userWithPassword(a, email);
    const fresh = await call("POST", "/v1/users", { token: b.ownerKey, body: { email: `${unique("fresh")}@example.com`, password: PASSWORD } });
    const duplicateElsewhere = await call("POST", "/v1/users", { token: b.ownerKey, body: { email: email.toUpperCase(), password: PASSWORD } });
    expect(duplicateElsewhere.status).toBe(201);
    expect(Object.keys(duplicateElsewhere.body).sort()).toEqual(Object.keys(fresh.body).sort());
    expect(duplicateElsewhere.body.user).toMatchObject({ email, company_id: b.id, status: "active" });
    const invitedElsewhere = await call("POST", "/v1/users", { token: (await createCompany()).ownerKey, body: { email } });
    expect(invitedElsewhere.status).toBe(201);

    for (const company of [a, b]) {
      const again = await call("POST", "/v1/users", { token: company.ownerKey, body: { email, password: PASSWORD } });
      expect(again.status).toBe(409);
      expect(again.body.error).toBe("user_exists");
    }
    // Concurrent creates of one address in one company: the unique index decides, still a 409.
    const racer = `${unique("race")}@example.com`;
    const raced = await Promise.all([1, 2, 3].map(() => call("POST", "/v1/users", { token: a.ownerKey, body: { email: racer, password: PASSWORD } })));
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  });

  it("each company's user signs in to their own company with their own password", { timeout: SLOW }, async () => {
    const [a, b] = [await createCompany(), await createCompany()];
    const email = `${unique("twin")}@example.com`;
    const inA = await userWithPassword(a, email, "password of the user in A");
    const inB = await userWithPassword(b, email, "password of the user in B");
    const address = freshAddress();
    const toA = await signIn({ email, password: "password of the user in A" }, address);
    const toB = await signIn({ email, password: "password of the user in B" }, address);
    expect(toA.status).toBe(200);
    expect(toA.body.user).toMatchObject({ id: inA.id, company_id: a.id });
    expect(toB.body.user).toMatchObject({ id: inB.id, company_id: b.id });
    expect((await call("GET", "/v1/whoami", { token: toB.body.token as string })).body).toMatchObject({ id: inB.id, company: { id: b.id } });
    expect((await signIn({ email, password: "neither password" }, address)).status).toBe(401);
  });

  it("another company cannot guess a victim's password through an account of its own with the victim's address: its guesses are counted", {
    timeout: SLOW,
  }, async () => {
    const [victimCompany, attackerCompany] = [await createCompany(), await createCompany()];
    const email = `${unique("victim")}@example.com`;
    await userWithPassword(victimCompany, email, "the victim's real password");
    const address = freshAddress();
    const answers: number[] = [];
    for (let guess = 1; guess <= 6; guess++) {
      // The attacker's own account carries the guess as its password, so signing in "works"…
      const own = await userWithPassword(attackerCompany, email, `guess number ${guess} of many`);
      answers.push((await signIn({ email, password: `guess number ${guess} of many` }, address)).status);
      await call("DELETE", `/v1/users/${own.id}`, { token: attackerCompany.ownerKey });
    }
    // …but every such sign-in still counts as a guess at the victim's account: the sixth is refused.
    expect(answers).toEqual([200, 200, 200, 200, 200, 429]);
    // The victim, from their own address, is not locked out.
    expect((await signIn({ email, password: "the victim's real password" }, freshAddress())).status).toBe(200);
  });

  it("when one password opens accounts in two companies, sign-in needs `company` (API and web form)", { timeout: SLOW }, async () => {
    const [a, b] = [await createCompany(), await createCompany()];
    const email = `${unique("same")}@example.com`;
    const inA = await userWithPassword(a, email);
    const inB = await userWithPassword(b, email);
    const address = freshAddress();
    // Right password each time: these are not failures and never lock the address out.
    for (let i = 0; i < 6; i++) {
      const ambiguous = await signIn({ email, password: PASSWORD }, address);
      expect(ambiguous.status).toBe(409);
      expect(ambiguous.body.error).toBe("company_required");
      expect(ambiguous.body.companies).toEqual([a, b].map((c) => ({ id: c.id, name: `Company ${c.id}` })).sort((x, y) => (x.id < y.id ? -1 : 1)));
      expect(ambiguous.body.token).toBeUndefined();
    }
    expect((await signIn({ email, password: PASSWORD, company: a.id }, address)).body.user).toMatchObject({ id: inA.id, company_id: a.id });
    expect((await signIn({ email, password: PASSWORD, company: b.id }, address)).body.user).toMatchObject({ id: inB.id, company_id: b.id });
    const elsewhere = await signIn({ email, password: PASSWORD, company: (await createCompany()).id }, address);
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body.error).toBe("invalid_credentials");

    const form = (fields: Record<string, string>) =>
      SELF.fetch("https://edge.test/sign-in", {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://edge.test", "CF-Connecting-IP": address },
        body: new URLSearchParams({ email, password: PASSWORD, next: "/inbox", ...fields }).toString(),
      });
    const asked = await form({});
    expect(asked.status).toBe(409);
    expect(asked.headers.get("set-cookie")).toBeNull();
    const page = await asked.text();
    expect(page).toContain('<select id="company" name="company" required autofocus>');
    for (const company of [a, b]) expect(page).toContain(`<option value="${company.id}">`);
    expect(page).not.toContain(PASSWORD);
    const chosen = await form({ company: b.id });
    expect(chosen.status).toBe(303);
    const cookie = (chosen.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect((await call("GET", "/v1/whoami", { headers: { Cookie: cookie } })).body).toMatchObject({ id: inB.id, company: { id: b.id } });
  });

  it("accepting an invite activates the invited user of that company, not a namesake in another", { timeout: SLOW }, async () => {
    const [a, b] = [await createCompany(), await createCompany()];
    const email = `${unique("namesake")}@example.com`;
    const inA = await userWithPassword(a, email, "the password in A");
    const invited = await call("POST", "/v1/users", { token: b.ownerKey, body: { email, role: "member" } });
    expect(invited.status).toBe(201);
    const invitedUser = invited.body.user as { id: string };
    const accepted = await call("POST", "/v1/users/accept", {
      body: { token: (invited.body.invite as { token: string }).token, password: "the password in B" },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.user).toMatchObject({ id: invitedUser.id, company_id: b.id, status: "active" });
    const address = freshAddress();
    expect((await signIn({ email, password: "the password in A" }, address)).body.user).toMatchObject({ id: inA.id, company_id: a.id });
    expect((await signIn({ email, password: "the password in B" }, address)).body.user).toMatchObject({ id: invitedUser.id, company_id: b.id });
  });
});
