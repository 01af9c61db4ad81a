/**
 * Self-registration: register (no auth), list, approve, reject (owners), claim (claim token).
 * Trust boundary: register and claim are unauthenticated. The claim token is stored only as its
 * SHA-256; approval creates the agent but throws its first token away, and the claim mints the
 * token the agent will use, exactly once (a guarded batch), so no token exists in clear anywhere.
 */
import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { configOf, publicOriginOf } from "../config.ts";
import { didKeyFor } from "../lib/did-key.ts";
import { companyOfHost } from "../lib/company-host.ts";
import type { RegisterBody } from "./registrations.contract.ts";
import { readToken } from "../auth/token-signer.ts";
import { findRegistrationForClaim, listPendingRegistrations, pendingRegistrationView, registrationIdFor } from "./registrations.queries.ts";
import { CAPABILITIES } from "../agents/agents.contract.ts";
import { AppError, badRequest } from "../lib/app-error.ts";
import { createRouter } from "../router.ts";
import { digestsEqual, sha256Hex } from "../lib/tokens.ts";
import * as routes from "./registrations.routes.ts";
import { collectDecision, registrationNotFound } from "./collect-decision.ts";
import { approveRegistration, rejectRegistration } from "./decide-registration.ts";
import type { Principal } from "../lib/principal.ts";
import { createRegistration, requireCompany } from "./register.ts";

const NO_STORE = { "Cache-Control": "no-store" };
/** How long a pending agent is told to wait before polling the claim again. */
const CLAIM_POLL_SECONDS = 30;

type RegisterInput = z.output<typeof RegisterBody>;

/**
 * Records a pending registration in `companyId` (register.ts, shared with the registration
 * channel). The attempt was already counted, before the body was read (registration-attempts.ts).
 */
async function register(c: Context<AppEnv>, companyId: string, body: RegisterInput) {
  await requireCompany(c.var.db, companyId);
  return createRegistration(c.env, c.var.db, companyId, body);
}

/** The company an `/api/agents/register` call is for: the caller's, else the one its host names. */
function companyOfVaultysRegistration(c: Context<AppEnv>): string {
  // The gate authenticated any credentials presented (a wrong one is a 401, never a silent
  // fall-back to the host's company) and refused a vault session.
  const principal = c.get("principal") as Principal | undefined;
  if (principal) return principal.companyId;
  // The public origin's own name never names a company, even when it sits under BASE_DOMAIN.
  const hostname = new URL(c.req.url).hostname;
  const fromHost = hostname === new URL(publicOriginOf(c.env)).hostname ? undefined : companyOfHost(hostname, configOf(c.env).baseDomain);
  if (fromHost) return fromHost;
  throw badRequest(
    "company_required",
    "Which company? Call with a token of the company, at the company's own host, or register at POST /v1/companies/{id}/agents/register",
  );
}

const listPending = async (c: Context<AppEnv>) => {
  const rows = await listPendingRegistrations(c.var.db, c.var.principal.companyId);
  return { registrations: rows.map(pendingRegistrationView), availableCapabilities: [...CAPABILITIES] };
};

export const registrationsRouter = createRouter();

registrationsRouter
  .openapi(routes.registerAgent, async (c) => {
    const { companyId } = c.req.valid("param");
    const body = c.req.valid("json");
    const registered = await register(c, companyId, body);
    return c.json({ agentId: body.name, ...registered }, 201, NO_STORE);
  })
  .openapi(routes.registerVaultysAgent, async (c) => {
    const body = c.req.valid("json");
    const registered = await register(c, companyOfVaultysRegistration(c), body);
    return c.json({ agentId: didKeyFor(body.publicKey) ?? body.name, ...registered }, 201, NO_STORE);
  })
  .openapi(routes.listRegistrations, async (c) => c.json(await listPending(c), 200))
  .openapi(routes.listVaultysRegistrations, async (c) => c.json(await listPending(c), 200))
  .openapi(routes.approveRegistration, async (c) => {
    const approved = await approveRegistration(c, c.var.principal, c.req.valid("param").id, c.req.valid("json"));
    return c.json({ success: true as const, agentId: approved.name }, 200);
  })
  .openapi(routes.approveVaultysRegistration, async (c) => {
    const approved = await approveRegistration(c, c.var.principal, c.req.valid("param").id, c.req.valid("json"));
    return c.json({ success: true as const, agentId: didKeyFor(approved.publicKey) ?? approved.agentId ?? approved.name }, 200);
  })
  .openapi(routes.rejectRegistration, async (c) => {
    await rejectRegistration(c, c.var.principal, c.req.valid("param").id, c.req.valid("json").reason);
    return c.json({ success: true as const }, 200);
  })
  .openapi(routes.rejectVaultysRegistration, async (c) => {
    await rejectRegistration(c, c.var.principal, c.req.valid("param").id, c.req.valid("json").reason);
    return c.json({ success: true as const }, 200);
  })
  .openapi(routes.claimRegistration, async (c) => {
    const { claim_token: claimToken } = c.req.valid("json");
    const db = c.var.db;
    const parsed = await readToken(c.env, claimToken);
    if (parsed?.kind !== "registration") throw registrationNotFound();
    const registration = await findRegistrationForClaim(db, registrationIdFor(parsed.body));
    if (!registration || !digestsEqual(registration.claimSecretHash, await sha256Hex(claimToken))) throw registrationNotFound();

    const decision = await collectDecision(c.env, db, registration);
    if (decision.status === "pending") {
      return c.json({ status: "pending" as const, registrationId: registration.id }, 202, { ...NO_STORE, "Retry-After": String(CLAIM_POLL_SECONDS) });
    }
    if (decision.status === "rejected") {
      throw new AppError(403, "registration_rejected", "An administrator rejected this registration", { extra: { reason: decision.reason } });
    }
    return c.json(decision, 200, NO_STORE);
  });
