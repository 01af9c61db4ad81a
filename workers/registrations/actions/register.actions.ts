/**
 * Registering an agent (seed 004), the same steps whichever way it arrives: `POST
 * /v1/companies/{companyId}/agents/register`, Vaultys' `POST /api/agents/register`, or the first
 * frame of the registration channel (durable-objects/registration-channel.ts). Trust boundary:
 * anyone may call it, so the throttle (`admitRegistrationAttempt`, counted before the request is
 * read) and the company's pending cap are what keep one client from filling a company's list.
 */
import type { z } from "zod";
import type { PublicActionContext } from "../../action-context.ts";
import { requireKnownCapabilities } from "../../agents/capabilities.ts";
import { findCompany } from "../../companies/companies.queries.ts";
import { publicOriginIn } from "../../config.ts";
import { AppError, badRequest, conflict } from "../../lib/app-error.ts";
import { clientAddressKey } from "../../lib/http/client-address.ts";
import { companyOfHost } from "../../lib/http/company-host.ts";
import { didKeyFor } from "../../lib/crypto/did-key.ts";
import { newId } from "../../lib/crypto/tokens.ts";
import { overLimit } from "../../sign-in/sign-in-throttle.queries.ts";
import type { RegisterBody, Registered, VaultysRegistered } from "../registrations.contract.ts";
import {
  isRegistrationRefused,
  MAX_PENDING_REGISTRATIONS,
  REGISTRATION_ID_PREFIX,
  type RegistrationBlocker,
  registerChange,
  registrationBlocker,
  registrationIdFor,
} from "../registrations.queries.ts";

export type RegisterInput = z.output<typeof RegisterBody>;
type Registration = Omit<z.output<typeof Registered>, "agentId">;

/** Registrations allowed per hour from one client address, or by one principal. */
const REGISTRATIONS_PER_HOUR = 10;
const ATTEMPT_WINDOW_MS = 3600_000;

/**
 * Counts one registration attempt in `companyId`, refusing it past the hourly limit (429 with
 * `Retry-After`). A caller with a token of that company is counted by its principal (many agents
 * may share one address); anyone else by its client address (IPv6: one /64), a caller with another
 * company's token included (else it could mint principals of its own to fill that company's list).
 * Cloudflare always sets CF-Connecting-IP; without it (local tools) an anonymous caller has no one
 * to count. Vault sessions never get this far: the permission table refuses them.
 */
export async function admitRegistrationAttempt(ctx: PublicActionContext, companyId: string | undefined, address: string | undefined): Promise<void> {
  const principal = ctx.principal;
  const byPrincipal = principal !== undefined && principal.companyId === companyId;
  const key = byPrincipal ? `register-principal:${principal.kind}:${principal.id}` : address ? `register-ip:${clientAddressKey(address)}` : undefined;
  const wait = key ? await overLimit(ctx.db, key, REGISTRATIONS_PER_HOUR, ATTEMPT_WINDOW_MS) : 0;
  if (wait === 0) return;
  const who = byPrincipal ? "by one caller" : "from one address";
  throw new AppError(429, "too_many_attempts", `At most ${REGISTRATIONS_PER_HOUR} registrations per hour ${who}`, {
    headers: { "Retry-After": String(wait) },
  });
}

function blockerError(blocker: RegistrationBlocker, name: string): AppError {
  if (blocker === "agent_exists") return conflict("agent_exists", `An agent named "${name}" already exists`);
  if (blocker === "public_key_in_use") return conflict("public_key_in_use", "Another agent (or pending registration) of this company has this public key");
  if (blocker === "registration_pending") return conflict("registration_pending", `A registration for "${name}" is already awaiting approval`);
  return new AppError(429, "too_many_registrations", `This company already has ${MAX_PENDING_REGISTRATIONS} registrations awaiting approval`);
}

/** A company registrations may name: 404 `company_not_found` otherwise. */
export async function requireCompany(ctx: Pick<PublicActionContext, "db">, companyId: string): Promise<void> {
  if (!(await findCompany(ctx.db, companyId))) throw new AppError(404, "company_not_found", `Company "${companyId}" not found`);
}

/** A fresh registration id, for a channel that must be addressed before its registration exists. */
export const newRegistrationId = () => newId(REGISTRATION_ID_PREFIX);

/**
 * Creates the pending registration and its claim token (shown once, stored as SHA-256). Its id is
 * `reg_<the claim token's public id>`; a channel passes the id it was opened under, so the claim
 * token is minted with that public id.
 */
async function createRegistration(ctx: PublicActionContext, companyId: string, body: RegisterInput, registrationId?: string): Promise<Registration> {
  const db = ctx.db;
  const capabilities = requireKnownCapabilities(body.capabilities);
  const blocker = await registrationBlocker(db, companyId, body.name, body.publicKey);
  if (blocker) throw blockerError(blocker, body.name);
  const claim = await ctx.edge.mint("registration", registrationId?.slice(REGISTRATION_ID_PREFIX.length + 1));
  const id = registrationIdFor(claim.publicId);
  if (registrationId !== undefined && id !== registrationId) throw new Error(`registration id ${registrationId} is not of the form reg_<public id>`);
  try {
    await ctx.commit(
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
        requestedAt: ctx.edge.now(),
      }),
    );
  } catch (error) {
    // Lost a race with another registration or agent of the same name or key, or the cap filled up.
    if (!isRegistrationRefused(error)) throw error;
    throw blockerError((await registrationBlocker(db, companyId, body.name, body.publicKey)) ?? "registration_pending", body.name);
  }
  return { registrationId: id, status: "pending", message: "Agent registered. Awaiting admin approval.", claim_token: claim.token };
}

/** POST /v1/companies/{companyId}/agents/register: a pending registration in that company, named by its name. */
export async function registerInCompany(ctx: PublicActionContext, companyId: string, body: RegisterInput): Promise<z.output<typeof Registered>> {
  await requireCompany(ctx, companyId);
  return { agentId: body.name, ...(await createRegistration(ctx, companyId, body)) };
}

/** The company an `/api/agents/register` call is for: the caller's, else the one its host names. */
function companyOfVaultysRegistration(ctx: PublicActionContext, hostname: string): string {
  // The gate authenticated any credentials presented (a wrong one is a 401, never a silent
  // fall-back to the host's company) and refused a vault session.
  if (ctx.principal) return ctx.principal.companyId;
  // The public origin's own name never names a company, even when it sits under BASE_DOMAIN.
  const bare = hostname === new URL(publicOriginIn(ctx.config)).hostname;
  const fromHost = bare ? undefined : companyOfHost(hostname, ctx.config.baseDomain);
  if (fromHost) return fromHost;
  // A deployment may name the company its bare address means to seed 004's anonymous clients.
  if (bare && ctx.config.defaultCompany) return ctx.config.defaultCompany;
  throw badRequest(
    "company_required",
    "Which company? Call with a token of the company, at the company's own host, or register at POST /v1/companies/{id}/agents/register (a deployment may set DEFAULT_COMPANY for its bare address)",
  );
}

/** POST /api/agents/register (Vaultys): the caller's company, else the one `hostname` names; the agent named by its DID when it has one. */
export async function registerVaultysAgent(ctx: PublicActionContext, hostname: string, body: RegisterInput): Promise<z.output<typeof VaultysRegistered>> {
  const companyId = companyOfVaultysRegistration(ctx, hostname);
  await requireCompany(ctx, companyId);
  return { agentId: didKeyFor(body.publicKey) ?? body.name, ...(await createRegistration(ctx, companyId, body)) };
}

/** The register frame of a registration channel opened for `companyId` under `registrationId` (its company was checked at the upgrade). */
export async function registerOnChannel(
  ctx: PublicActionContext,
  channel: { companyId: string; registrationId: string },
  body: RegisterInput,
): Promise<z.output<typeof Registered>> {
  return { agentId: body.name, ...(await createRegistration(ctx, channel.companyId, body, channel.registrationId)) };
}
