/**
 * Self-registration: register (no auth), list, approve, reject (owners), claim (claim token).
 * Trust boundary: register and claim are unauthenticated. The claim token is stored only as its
 * SHA-256; approval creates the agent but throws its first token away, and the claim mints the
 * token the agent will use, exactly once (a guarded batch), so no token exists in clear anywhere.
 */
import { and, eq, isNull } from "drizzle-orm";
import { agentRoot, invalidateRoots } from "../auth/revocation.ts";
import { minterFor, readToken } from "../auth/token-signer.ts";

import { newAgentStatements, newAgentTokenStatements } from "../agents/agent-writes.queries.ts";
import { findAgentByName, isAgentNameTaken, realmView } from "../agents/agents.queries.ts";
import { auditStatement, isGuardFailure } from "../db/audit.ts";
import { findCompany } from "../companies/companies.queries.ts";
import { requireRealm } from "../realms/realms.queries.ts";
import {
  claimable,
  findRegistration,
  findRegistrationForClaim,
  guardedPendingStatus,
  isForeignKeyFailure,
  isRegistrationRefused,
  listPendingRegistrations,
  MAX_PENDING_REGISTRATIONS,
  pendingRegistrationView,
  registrationBlocker,
  registrationIdFor,
  stillPending,
  type RegistrationBlocker,
  type RegistrationRow,
} from "./registrations.queries.ts";
import { agentTokens, registrations } from "../db/schema.ts";
import { CAPABILITIES } from "../agents/agents.contract.ts";
import { AppError, badRequest, conflict } from "../lib/app-error.ts";
import type { Principal } from "../auth/principal.ts";
import { createRouter } from "../lib/router.ts";
import { spiffeIdFor } from "../lib/spiffe.ts";
import { digestsEqual, sha256Hex } from "../lib/tokens.ts";
import { requireKnownCapabilities } from "../agents/agent-list.handlers.ts";
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
  if (blocker === "registration_pending") return conflict("registration_pending", `A registration for "${name}" is already awaiting approval`);
  return new AppError(429, "too_many_registrations", `This company already has ${MAX_PENDING_REGISTRATIONS} registrations awaiting approval`);
}

/** Runs a batch whose first statement is an audit entry guarded on the registration still being pending. */
async function decide<T>(batch: () => Promise<T>): Promise<T> {
  try {
    return await batch();
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

export const registrationsRouter = createRouter();

registrationsRouter
  .openapi(routes.registerAgent, async (c) => {
    const { companyId } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = c.var.db;
    const capabilities = requireKnownCapabilities(body.capabilities);
    if (!(await findCompany(db, companyId))) throw new AppError(404, "company_not_found", `Company "${companyId}" not found`);
    // Anyone may register, so one client must not fill a company's pending list on its own.
    // Cloudflare always sets CF-Connecting-IP; without it (local tools) there is no one to count.
    // IPv6 clients count per /64, which one client can otherwise rotate through freely.
    const ip = c.req.header("CF-Connecting-IP");
    const wait = ip ? await overLimit(db, `register-ip:${clientAddressKey(ip)}`, REGISTRATIONS_PER_IP_PER_HOUR, 3600_000) : 0;
    if (wait > 0) {
      throw new AppError(429, "too_many_attempts", `At most ${REGISTRATIONS_PER_IP_PER_HOUR} registrations per hour from one address`, { headers: { "Retry-After": String(wait) } });
    }
    const blocker = await registrationBlocker(db, companyId, body.name);
    if (blocker) throw blockerError(blocker, body.name);
    const claim = await minterFor(c.env)("registration");
    const id = registrationIdFor(claim.publicId);
    try {
      await db.insert(registrations).values({
        id,
        companyId,
        name: body.name,
        version: body.version ?? null,
        publicKey: body.publicKey ?? null,
        requestedCapabilities: capabilities,
        status: guardedPendingStatus(companyId, body.name),
        claimSecretHash: claim.hash,
        requestedAt: Date.now(),
      });
    } catch (error) {
      // Lost a race with another registration or agent of the same name, or the cap filled up.
      if (!isRegistrationRefused(error)) throw error;
      throw blockerError((await registrationBlocker(db, companyId, body.name)) ?? "registration_pending", body.name);
    }
    return c.json(
      { agentId: body.name, registrationId: id, status: "pending" as const, message: "Agent registered. Awaiting admin approval.", claim_token: claim.token },
      201,
      NO_STORE,
    );
  })
  .openapi(routes.listRegistrations, async (c) => {
    const principal = c.var.principal;
    const rows = await listPendingRegistrations(c.var.db, principal.companyId);
    return c.json({ registrations: rows.map(pendingRegistrationView), availableCapabilities: [...CAPABILITIES] }, 200);
  })
  .openapi(routes.approveRegistration, async (c) => {
    const principal = c.var.principal;
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = c.var.db;
    const registration = requirePending(principal, await findRegistration(db, principal.companyId, id));
    const granted = [...new Set(body.capabilities)];
    const notRequested = granted.filter((capability) => !registration.requestedCapabilities.includes(capability));
    if (notRequested.length > 0) {
      throw badRequest("capability_not_requested", `Not requested by this agent: ${notRequested.join(", ")}`, { requestedCapabilities: registration.requestedCapabilities });
    }
    const realm = body.realm === undefined ? undefined : await requireRealm(db, principal.companyId, body.realm);
    const now = Date.now();
    // The token newAgentStatements mints is dropped unseen and revoked in the same batch: the
    // agent's usable token is minted only by its claim.
    const created = await newAgentStatements(
      db,
      minterFor(c.env),
      {
        companyId: principal.companyId,
        name: registration.name,
        role: "member",
        capabilities: granted,
        realmId: realm?.id ?? null,
        version: registration.version,
        publicKey: registration.publicKey,
        createdBy: principal.id,
      },
      now,
    );
    try {
      await decide(() =>
        db.batch([
          auditStatement(
            db,
            principal,
            { action: "registration.approve", targetType: "registration", targetId: registration.id, detail: { name: registration.name, capabilities: granted, realm: realm?.slug ?? null } },
            stillPending(principal.companyId, registration.id),
          ),
          ...created.statements,
          db.update(agentTokens).set({ revokedAt: now }).where(and(eq(agentTokens.agentId, created.agentId), isNull(agentTokens.revokedAt))),
          db
            .update(registrations)
            .set({ status: "approved", agentId: created.agentId, grantedCapabilities: granted, realmId: realm?.id ?? null, decidedAt: now, decidedBy: principal.id })
            .where(and(eq(registrations.id, registration.id), eq(registrations.companyId, principal.companyId))),
        ]),
      );
    } catch (error) {
      if (isAgentNameTaken(error)) throw conflict("agent_exists", `An agent named "${registration.name}" already exists; reject this registration`);
      if (realm && isForeignKeyFailure(error)) throw new AppError(404, "realm_not_found", `Realm "${body.realm}" not found`);
      throw error;
    }
    return c.json({ success: true as const, agentId: registration.name }, 200);
  })
  .openapi(routes.rejectRegistration, async (c) => {
    const principal = c.var.principal;
    const { id } = c.req.valid("param");
    const { reason } = c.req.valid("json");
    const db = c.var.db;
    const registration = requirePending(principal, await findRegistration(db, principal.companyId, id));
    await decide(() =>
      db.batch([
        auditStatement(
          db,
          principal,
          { action: "registration.reject", targetType: "registration", targetId: registration.id, detail: { name: registration.name, reason } },
          stillPending(principal.companyId, registration.id),
        ),
        db
          .update(registrations)
          .set({ status: "rejected", reason, decidedAt: Date.now(), decidedBy: principal.id })
          .where(and(eq(registrations.id, registration.id), eq(registrations.companyId, principal.companyId))),
      ]),
    );
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
    const minted = await newAgentTokenStatements(db, minterFor(c.env), agent.companyId, agent.id, now);
    // The claimant proves itself with the claim token; it is recorded as the agent it becomes.
    const claimant: Principal = { kind: "agent", companyId: agent.companyId, id: agent.id, tokenId: agent.id, companyRole: agent.role, name: agent.name };
    try {
      await db.batch([
        auditStatement(db, claimant, { action: "registration.claim", targetType: "agent", targetId: agent.id, detail: { name: agent.name } }, claimable(registration.id, agent.id)),
        db.update(registrations).set({ claimedAt: now }).where(and(eq(registrations.id, registration.id), isNull(registrations.claimedAt))),
        ...minted.statements,
      ]);
    } catch (error) {
      if (!isGuardFailure(error)) throw error;
      const again = await findRegistrationForClaim(db, registration.id);
      throw again?.claimedAt != null ? alreadyClaimed() : agentRemoved();
    }
    await invalidateRoots(c.env, [agentRoot(agent.id)]);
    return c.json(
      {
        status: "approved" as const,
        agentId: agent.name,
        spiffeId: spiffeIdFor(c.env.TRUST_DOMAIN, agent.companyId, agent.name),
        token: minted.token,
        capabilities: agent.capabilities,
        realm: realmView(found.realm),
      },
      200,
      NO_STORE,
    );
  });
