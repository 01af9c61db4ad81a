/**
 * Invites' contract (seed 002): agent invites and rotation invites, their single-use URLs, how
 * they are listed and revoked by token suffix, what redeeming returns, and the limits. Zod
 * schemas and constants only, imported by the routes and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { AgentId } from "../agents/agents.contract.ts";
import { CompanyRole } from "../companies/companies.contract.ts";
import { ResourceName, Timestamp } from "../lib/openapi.ts";
import { VaultRole } from "../vaults/vaults.contract.ts";

export const INVITE_DEFAULT_TTL_SECONDS = 15 * 60;
export const INVITE_MIN_TTL_SECONDS = 60;
export const INVITE_MAX_TTL_SECONDS = 7 * 24 * 3600;
export const MAX_PENDING_INVITES = 50;
/** Vaults one invite may grant. */
export const MAX_INVITE_VAULTS = 50;
/** An invite is named by the last characters of its token: at least this many, at most the max. */
export const MIN_INVITE_SUFFIX_LENGTH = 4;
export const MAX_INVITE_SUFFIX_LENGTH = 64;

export const INVITE_KINDS = ["agent", "rotation"] as const;
/** The `status` filter of the list; `all` shows every invite. */
export const INVITE_STATUSES = ["pending", "used", "expired", "revoked", "all"] as const;

const InviteTtl = z.number().int().min(INVITE_MIN_TTL_SECONDS).max(INVITE_MAX_TTL_SECONDS);

export const IssuedInvite = z
  .object({
    name: z.string(),
    kind: z.enum(INVITE_KINDS),
    invite_url: z.string().openapi({ description: "POST to it to redeem. Single use." }),
    token_suffix: z.string(),
    expires_at: Timestamp,
    prompt: z.string().openapi({ description: "Paste into the agent's chat." }),
  })
  .openapi("IssuedInvite");

export const CreateInviteBody = z
  .object({
    name: AgentId,
    role: CompanyRole.default("member"),
    vaults: z
      .array(z.object({ vault: ResourceName, role: VaultRole.default("proxy") }).strict())
      .max(MAX_INVITE_VAULTS)
      .default([]),
    ttl_seconds: InviteTtl.default(INVITE_DEFAULT_TTL_SECONDS),
  })
  .strict();

/** `POST /v1/agents/{agentId}/rotate`: a rotation invite for an existing agent. */
export const RotateAgentBody = z.object({ ttl_seconds: InviteTtl.optional() }).strict();
export const RotationInvite = z.object({
  name: z.string(),
  kind: z.string(),
  invite_url: z.string(),
  token_suffix: z.string(),
  expires_at: Timestamp,
  prompt: z.string(),
});

export const ListInvitesQuery = z.object({ status: z.enum(INVITE_STATUSES).default("pending") }).strict();
export const ListedInvite = z.object({
  name: z.string(),
  kind: z.string(),
  status: z.string(),
  role: z.string(),
  vaults: z.array(z.object({ vault: z.string(), role: z.string() })),
  token_suffix: z.string(),
  created_at: Timestamp,
  expires_at: Timestamp,
});
export const InviteList = z.object({ invites: z.array(ListedInvite) });

export const InviteSuffixParams = z.object({ suffix: z.string().min(MIN_INVITE_SUFFIX_LENGTH).max(MAX_INVITE_SUFFIX_LENGTH) });
export const InviteRevoked = z.object({ revoked: z.string(), name: z.string() });

export const RedeemInviteParams = z.object({ token: z.string().max(200) });
export const RedeemedInvite = z.object({
  token: z.string(),
  agent: z.object({ name: z.string(), role: z.string() }),
  addr: z.string(),
  vaults: z.array(z.object({ vault: z.string(), role: z.string() })),
  env: z.record(z.string(), z.string()),
  instructions: z.string(),
});
