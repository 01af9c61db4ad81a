/**
 * Sessions' contract: vault-scoped session tokens (what `vault run` uses), which act with the
 * proxy role in one vault. Zod schemas and constants only, imported by the routes and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { ResourceName, Timestamp } from "../lib/openapi.ts";

export const SESSION_MIN_TTL_SECONDS = 5 * 60;
export const SESSION_MAX_TTL_SECONDS = 7 * 24 * 3600;
export const SESSION_DEFAULT_TTL_SECONDS = 24 * 3600;
export const MAX_SESSION_LABEL_LENGTH = 100;
export const MAX_SESSION_ID_LENGTH = 64;
/**
 * Live sessions one minter (an agent, person or key, with its own credential) may hold in one
 * vault: `vault run` revokes its session when the command ends, so only crashed or long-lived
 * runs stay; a minter past it is minting in a loop, and each session is a D1 row and an audit row.
 */
export const MAX_LIVE_SESSIONS_PER_MINTER = 200;

export const SessionView = z
  .object({
    id: z.string(),
    vault: z.string(),
    label: z.string(),
    minted_by: z.object({ type: z.string(), id: z.string() }),
    created_at: Timestamp,
    expires_at: Timestamp,
  })
  .openapi("VaultSession");

export const CreateSessionBody = z
  .object({
    vault: ResourceName,
    ttl_seconds: z.number().int().min(SESSION_MIN_TTL_SECONDS).max(SESSION_MAX_TTL_SECONDS).default(SESSION_DEFAULT_TTL_SECONDS),
    label: z.string().max(MAX_SESSION_LABEL_LENGTH).default(""),
  })
  .strict();
export const MintedSession = z.object({ id: z.string(), token: z.string(), expires_at: Timestamp, addr: z.string(), vault: z.string() });

export const ListSessionsQuery = z.object({ vault: ResourceName }).strict();
export const SessionList = z.object({ sessions: z.array(SessionView) });

export const SessionParams = z.object({ id: z.string().max(MAX_SESSION_ID_LENGTH) });
export const SessionRevoked = z.object({ revoked: z.string() });
