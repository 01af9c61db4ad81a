import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../workers/db/client.ts";
import { admitSignInAttempt, SIGN_IN_WINDOW_MS, signInThrottleKeys } from "../../workers/db/sign-in-throttle.queries.ts";
import { clientAddressKey } from "../../workers/lib/client-address.ts";
import { type ApiResponse, call, createCompany, createUser, unique } from "./helpers.ts";

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
const counter = (key: string) => env.DB.prepare("SELECT failures, window_started_at FROM sign_in_throttle WHERE key = ?").bind(key).first<{ failures: number; window_started_at: number }>();

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
