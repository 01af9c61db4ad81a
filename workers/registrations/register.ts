/**
 * Registering an agent (seed 004), the same steps whichever way it arrives: `POST
 * /v1/companies/{companyId}/agents/register`, or the first frame of the registration channel
 * (agent-channel/). Trust boundary: anyone may call it, so the throttle (registration-attempts.ts,
 * counted before the request is read) and the company's pending cap are what keep one client from
 * filling a company's list.
 */
import type { z } from "@hono/zod-openapi";
import { requireKnownCapabilities } from "../agents/capabilities.ts";
import { minterFor } from "../auth/token-signer.ts";
import { findCompany } from "../companies/companies.queries.ts";
import { commit } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { effectsOf } from "../effects.ts";
import type { Env } from "../env.ts";
import { AppError, conflict } from "../lib/app-error.ts";
import { newId } from "../lib/tokens.ts";
import type { RegisterBody, Registered } from "./registrations.contract.ts";
import {
  isRegistrationRefused,
  MAX_PENDING_REGISTRATIONS,
  REGISTRATION_ID_PREFIX,
  registrationBlocker,
  registrationIdFor,
  registerChange,
  type RegistrationBlocker,
} from "./registrations.queries.ts";

function blockerError(blocker: RegistrationBlocker, name: string): AppError {
  if (blocker === "agent_exists") return conflict("agent_exists", `An agent named "${name}" already exists`);
  if (blocker === "public_key_in_use") return conflict("public_key_in_use", "Another agent (or pending registration) of this company has this public key");
  if (blocker === "registration_pending") return conflict("registration_pending", `A registration for "${name}" is already awaiting approval`);
  return new AppError(429, "too_many_registrations", `This company already has ${MAX_PENDING_REGISTRATIONS} registrations awaiting approval`);
}

export async function requireCompany(db: Database, companyId: string): Promise<void> {
  if (!(await findCompany(db, companyId))) throw new AppError(404, "company_not_found", `Company "${companyId}" not found`);
}

/** A fresh registration id, for a channel that must be addressed before its registration exists. */
export const newRegistrationId = () => newId(REGISTRATION_ID_PREFIX);

/**
 * Creates the pending registration and its claim token (shown once, stored as SHA-256). Its id is
 * `reg_<the claim token's public id>`; a channel passes the id it was opened under, so the claim
 * token is minted with that public id.
 */
export async function createRegistration(
  env: Env,
  db: Database,
  companyId: string,
  body: z.infer<typeof RegisterBody>,
  registrationId?: string,
): Promise<Omit<z.infer<typeof Registered>, "agentId">> {
  const capabilities = requireKnownCapabilities(body.capabilities);
  const blocker = await registrationBlocker(db, companyId, body.name, body.publicKey);
  if (blocker) throw blockerError(blocker, body.name);
  const claim = await minterFor(env)("registration", registrationId?.slice(REGISTRATION_ID_PREFIX.length + 1));
  const id = registrationIdFor(claim.publicId);
  if (registrationId !== undefined && id !== registrationId) throw new Error(`registration id ${registrationId} is not of the form reg_<public id>`);
  try {
    await commit(
      db,
      effectsOf(env),
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
  // Without agentId: each surface names the agent its own way (its name; on /api its DID when it has one).
  return { registrationId: id, status: "pending", message: "Agent registered. Awaiting admin approval.", claim_token: claim.token };
}
