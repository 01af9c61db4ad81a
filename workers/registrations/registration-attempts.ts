/**
 * The registration throttle, for every caller of every way to register (POST
 * /v1/companies/{companyId}/agents/register, POST /api/agents/register, the registration
 * channel). It runs as route middleware after the gate and before the request's input is read:
 * an attempt is counted even when its body turns out huge or malformed, so a client cannot make
 * the edge parse bodies faster than it may register.
 *
 * Who is counted: a caller without a token by its client address (IPv6: one /64); a caller with a
 * token of the company it registers in by its principal (many agents may share one address); a
 * caller with another company's token by its address, as anyone is there (else it could mint
 * principals of its own to fill that company's list). Vault sessions never get this far: the
 * permission table refuses them (`session_cannot_register`).
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";
import type { Database } from "../db/client.ts";
import { AppError } from "../lib/app-error.ts";
import { clientAddressKey } from "../lib/client-address.ts";
import type { Principal } from "../lib/principal.ts";
import { overLimit } from "../sign-in/sign-in-throttle.queries.ts";

/** Registrations allowed per hour from one client address, or by one principal. */
export const REGISTRATIONS_PER_HOUR = 10;
const WINDOW_MS = 3600_000;

/** Who an attempt is counted against. */
export type Registrant = { kind: "address"; address: string | undefined } | { kind: "principal"; principal: Principal };

/**
 * Counts one registration attempt, refusing it past the hourly limit (429 with `Retry-After`).
 * Cloudflare always sets CF-Connecting-IP; without it (local tools) an anonymous caller has no
 * one to count.
 */
export async function admitRegistrationAttempt(db: Database, registrant: Registrant): Promise<void> {
  const key =
    registrant.kind === "principal"
      ? `register-principal:${registrant.principal.kind}:${registrant.principal.id}`
      : registrant.address
        ? `register-ip:${clientAddressKey(registrant.address)}`
        : undefined;
  const wait = key ? await overLimit(db, key, REGISTRATIONS_PER_HOUR, WINDOW_MS) : 0;
  if (wait === 0) return;
  const who = registrant.kind === "principal" ? "by one caller" : "from one address";
  throw new AppError(429, "too_many_attempts", `At most ${REGISTRATIONS_PER_HOUR} registrations per hour ${who}`, {
    headers: { "Retry-After": String(wait) },
  });
}

/**
 * Route middleware: counts this request's attempt. The gate has already authenticated a caller
 * who presented a token; the company is the path's, or (Vaultys' `/api` route) the caller's own.
 */
export const countRegistrationAttempt = createMiddleware<AppEnv>(async (c, next) => {
  const principal = c.get("principal") as Principal | undefined;
  const companyId = c.req.param("companyId") ?? principal?.companyId;
  const ownCompany = principal !== undefined && principal.companyId === companyId;
  await admitRegistrationAttempt(c.var.db, ownCompany ? { kind: "principal", principal } : { kind: "address", address: c.req.header("CF-Connecting-IP") });
  await next();
});
