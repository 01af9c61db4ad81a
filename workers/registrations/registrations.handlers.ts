/**
 * Self-registration: register (no auth), list, approve, reject (owners), claim (claim token).
 * Trust boundary: register and claim are unauthenticated. The claim token is stored only as its
 * SHA-256; approval creates the agent but throws its first token away, and the claim mints the
 * token the agent will use, exactly once (a guarded batch), so no token exists in clear anywhere.
 */
import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { configOf } from "../config.ts";
import { presentedToken } from "../auth/bearer.ts";
import { authenticateRequest } from "../auth/gate.ts";
import { didKeyFor } from "../lib/did-key.ts";
import { companyOfHost } from "../lib/company-host.ts";
import type { ApproveRegistrationBody, RegisterBody } from "./registrations.contract.ts";
import { AGENT_ID_PREFIX, agentTokenBody } from "../auth/actor-gate-client.ts";
import { minterFor, readToken } from "../auth/token-signer.ts";
import { findAgentByName, isAgentNameTaken, realmView } from "../agents/agents.queries.ts";
import { isGuardFailure } from "../db/audit.ts";
import { commitChange } from "../effects.ts";
import { findCompany } from "../companies/companies.queries.ts";
import { requireRealm } from "../realms/realms.queries.ts";
import {
  approveRegistrationChange,
  claimRegistrationChange,
  findRegistration,
  findRegistrationForClaim,
  isForeignKeyFailure,
  isRegistrationRefused,
  listPendingRegistrations,
  MAX_PENDING_REGISTRATIONS,
  pendingRegistrationView,
  registrationBlocker,
  registrationIdFor,
  registerChange,
  rejectRegistrationChange,
  type RegistrationBlocker,
  type RegistrationRow,
} from "./registrations.queries.ts";
import { CAPABILITIES } from "../agents/agents.contract.ts";
import { AppError, badRequest, conflict } from "../lib/app-error.ts";
import type { Principal } from "../lib/principal.ts";
import { createRouter } from "../lib/router.ts";
import { spiffeIdFor } from "../lib/spiffe.ts";
import { digestsEqual, newId, sha256Hex } from "../lib/tokens.ts";
import { requireKnownCapabilities } from "../agents/capabilities.ts";
import * as routes from "./registrations.routes.ts";
import { overLimit } from "../sign-in/sign-in-throttle.queries.ts";
import { clientAddressKey } from "../lib/client-address.ts";

const NO_STORE = { "Cache-Control": "no-store" };
/** How long a pending agent is told to wait before polling the claim again. */
const CLAIM_POLL_SECONDS = 30;

const registrationNotFound = () => new AppError(404, "registration_not_found", "Registration not found");
const alreadyDecided = () => conflict("registration_decided", "This registration was already approved or rejected");
const alreadyClaimed = () => new AppError(410, "registration_claimed", "The agent token for this registration was already collected");
const agentRemoved = () => new AppError(410, "agent_removed", "The approved agent was removed before its token was collected");

function blockerError(blocker: RegistrationBlocker, name: string): AppError {
  if (blocker === "agent_exists") return conflict("agent_exists", `An agent named "${name}" already exists`);
  if (blocker === "public_key_in_use") return conflict("public_key_in_use", "Another agent (or pending registration) of this company has this public key");
  if (blocker === "registration_pending") return conflict("registration_pending", `A registration for "${name}" is already awaiting approval`);
  return new AppError(429, "too_many_registrations", `This company already has ${MAX_PENDING_REGISTRATIONS} registrations awaiting approval`);
}

/** Commits a decision, whose first statement is an audit entry guarded on the registration still being pending. */
async function decide<T>(commit: () => Promise<T>): Promise<T> {
  try {
    return await commit();
  } catch (error) {
    if (isGuardFailure(error)) throw alreadyDecided();
    throw error;
  }
}

/** A pending registration of the caller's company; a decided one is a 409. */
function requirePending(principal: Principal, registration: RegistrationRow | undefined): RegistrationRow {
  if (!registration || registration.companyId !== principal.companyId) throw registrationNotFound();
  if (registration.status !== "pending") throw alreadyDecided();
  return registration;
}

/** Unauthenticated registrations allowed from one client address (IPv6: one /64) per hour. */
const REGISTRATIONS_PER_IP_PER_HOUR = 10;

type RegisterInput = z.output<typeof RegisterBody>;
type ApproveInput = z.output<typeof ApproveRegistrationBody>;

/**
 * Records a pending registration in `companyId`. Unauthenticated callers are throttled per client
 * address, since anyone may register and one client must not fill a company's pending list alone.
 */
async function register(c: Context<AppEnv>, companyId: string, body: RegisterInput, caller: "anonymous" | "authenticated") {
  const db = c.var.db;
  const capabilities = requireKnownCapabilities(body.capabilities);
  if (!(await findCompany(db, companyId))) throw new AppError(404, "company_not_found", `Company "${companyId}" not found`);
  // Cloudflare always sets CF-Connecting-IP; without it (local tools) there is no one to count.
  // IPv6 clients count per /64, which one client can otherwise rotate through freely.
  const ip = caller === "anonymous" ? c.req.header("CF-Connecting-IP") : undefined;
  const wait = ip ? await overLimit(db, `register-ip:${clientAddressKey(ip)}`, REGISTRATIONS_PER_IP_PER_HOUR, 3600_000) : 0;
  if (wait > 0) {
    throw new AppError(429, "too_many_attempts", `At most ${REGISTRATIONS_PER_IP_PER_HOUR} registrations per hour from one address`, {
      headers: { "Retry-After": String(wait) },
    });
  }
  const blocker = await registrationBlocker(db, companyId, body.name, body.publicKey);
  if (blocker) throw blockerError(blocker, body.name);
  const claim = await minterFor(c.env)("registration");
  const id = registrationIdFor(claim.publicId);
  try {
    await commitChange(
      c,
      registerChange(db, {
        id,
        companyId,
        name: body.name,
        version: body.version ?? null,
        publicKey: body.publicKey ?? null,
        llmProvider: body.llmProvider ?? null,
        llmModel: body.llmModel ?? null,
        requestedCapabilities: capabilities,
        claimSecretHash: claim.hash,
        requestedAt: Date.now(),
      }),
    );
  } catch (error) {
    // Lost a race with another registration or agent of the same name or key, or the cap filled up.
    if (!isRegistrationRefused(error)) throw error;
    throw blockerError((await registrationBlocker(db, companyId, body.name, body.publicKey)) ?? "registration_pending", body.name);
  }
  return { registrationId: id, status: "pending" as const, message: "Agent registered. Awaiting admin approval.", claim_token: claim.token };
}

/** Approves a pending registration of the caller's company, granting a subset of what it asked for. */
async function approve(c: Context<AppEnv>, id: string, body: ApproveInput): Promise<RegistrationRow> {
  const principal = c.var.principal;
  const db = c.var.db;
  const registration = requirePending(principal, await findRegistration(db, principal.companyId, id));
  const granted = [...new Set(body.capabilities)];
  const notRequested = granted.filter((capability) => !registration.requestedCapabilities.includes(capability));
  if (notRequested.length > 0) {
    throw badRequest("capability_not_requested", `Not requested by this agent: ${notRequested.join(", ")}`, {
      requestedCapabilities: registration.requestedCapabilities,
    });
  }
  const realm = body.realm === undefined ? undefined : await requireRealm(db, principal.companyId, body.realm);
  const now = Date.now();
  // The agent's first token is dropped unseen and revoked in the same batch: the agent's usable
  // token is minted only by its claim.
  const agentId = newId(AGENT_ID_PREFIX);
  const issued = await minterFor(c.env)("agent", agentTokenBody(agentId));
  try {
    await decide(() => commitChange(c, approveRegistrationChange(db, principal, registration, { agentId, issued, capabilities: granted, realm }, now)));
  } catch (error) {
    if (isAgentNameTaken(error)) throw conflict("agent_exists", `An agent named "${registration.name}" already exists; reject this registration`);
    if (realm && isForeignKeyFailure(error)) throw new AppError(404, "realm_not_found", `Realm "${body.realm}" not found`);
    throw error;
  }
  return { ...registration, agentId };
}

async function reject(c: Context<AppEnv>, id: string, reason: string): Promise<void> {
  const principal = c.var.principal;
  const db = c.var.db;
  const registration = requirePending(principal, await findRegistration(db, principal.companyId, id));
  await decide(() => commitChange(c, rejectRegistrationChange(db, principal, registration, reason, Date.now())));
}

/** The company an `/api/agents/register` call is for: the caller's, else the one its host names. */
async function companyOfVaultysRegistration(c: Context<AppEnv>): Promise<{ companyId: string; caller: "anonymous" | "authenticated" }> {
  if (presentedToken(c)) return { companyId: (await authenticateRequest(c)).companyId, caller: "authenticated" };
  const fromHost = companyOfHost(new URL(c.req.url).hostname, configOf(c.env).baseDomain);
  if (fromHost) return { companyId: fromHost, caller: "anonymous" };
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
    const registered = await register(c, companyId, body, "anonymous");
    return c.json({ agentId: body.name, ...registered }, 201, NO_STORE);
  })
  .openapi(routes.registerVaultysAgent, async (c) => {
    const body = c.req.valid("json");
    const { companyId, caller } = await companyOfVaultysRegistration(c);
    const registered = await register(c, companyId, body, caller);
    return c.json({ agentId: didKeyFor(body.publicKey) ?? body.name, ...registered }, 201, NO_STORE);
  })
  .openapi(routes.listRegistrations, async (c) => c.json(await listPending(c), 200))
  .openapi(routes.listVaultysRegistrations, async (c) => c.json(await listPending(c), 200))
  .openapi(routes.approveRegistration, async (c) => {
    const approved = await approve(c, c.req.valid("param").id, c.req.valid("json"));
    return c.json({ success: true as const, agentId: approved.name }, 200);
  })
  .openapi(routes.approveVaultysRegistration, async (c) => {
    const approved = await approve(c, c.req.valid("param").id, c.req.valid("json"));
    return c.json({ success: true as const, agentId: didKeyFor(approved.publicKey) ?? approved.agentId ?? approved.name }, 200);
  })
  .openapi(routes.rejectRegistration, async (c) => {
    await reject(c, c.req.valid("param").id, c.req.valid("json").reason);
    return c.json({ success: true as const }, 200);
  })
  .openapi(routes.rejectVaultysRegistration, async (c) => {
    await reject(c, c.req.valid("param").id, c.req.valid("json").reason);
    return c.json({ success: true as const }, 200);
  })
  .openapi(routes.claimRegistration, async (c) => {
    const { claim_token: claimToken } = c.req.valid("json");
    const db = c.var.db;
    const parsed = await readToken(c.env, claimToken);
    if (parsed?.kind !== "registration") throw registrationNotFound();
    const registration = await findRegistrationForClaim(db, registrationIdFor(parsed.body));
    if (!registration || !digestsEqual(registration.claimSecretHash, await sha256Hex(claimToken))) throw registrationNotFound();

    if (registration.status === "pending") {
      return c.json({ status: "pending" as const, registrationId: registration.id }, 202, { ...NO_STORE, "Retry-After": String(CLAIM_POLL_SECONDS) });
    }
    if (registration.status === "rejected") {
      throw new AppError(403, "registration_rejected", "An administrator rejected this registration", { extra: { reason: registration.reason ?? "" } });
    }
    if (registration.claimedAt != null) throw alreadyClaimed();
    const found = await findAgentByName(db, registration.companyId, registration.name);
    if (!found || found.agent.id !== registration.agentId) throw agentRemoved();
    const agent = found.agent;

    const now = Date.now();
    const issued = await minterFor(c.env)("agent", agentTokenBody(agent.id));
    try {
      // The agent's gate re-reads its token once the claim is committed.
      await commitChange(c, claimRegistrationChange(db, registration, agent, issued, now));
    } catch (error) {
      if (!isGuardFailure(error)) throw error;
      const again = await findRegistrationForClaim(db, registration.id);
      throw again?.claimedAt != null ? alreadyClaimed() : agentRemoved();
    }
    return c.json(
      {
        status: "approved" as const,
        agentId: agent.name,
        spiffeId: spiffeIdFor(configOf(c.env).trustDomain, agent.companyId, agent.name),
        token: issued.token,
        capabilities: agent.capabilities,
        realm: realmView(found.realm),
      },
      200,
      NO_STORE,
    );
  });
