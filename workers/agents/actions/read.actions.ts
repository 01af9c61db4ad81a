/**
 * Reading agents, for the API (`/v1/agents…`, Vaultys' `/api/agents…`) and the console alike: the
 * paged list with its filters, one agent with its vault roles and live sessions, its JWT-SVID, and
 * for the console what an SVID issued now would claim (never a signed token on a page).
 */
import type { z } from "zod";
import type { ActionContext } from "../../action-context.ts";
import { authorizeSubject } from "../../auth/vault-access.ts";
import type { RateLimitOverride } from "../../db/schema.ts";
import { agentSvidClaims, currentSvidHeader, type IssueSvidOptions, type SvidClaims, trustDomainIn } from "../../identity/svid.ts";
import { AppError, notFound } from "../../lib/app-error.ts";
import { spiffeIdFor } from "../../lib/crypto/spiffe.ts";
import { requireRealm } from "../../realms/realms.queries.ts";
import { type AgentListFilter, listAgentsPage } from "../agent-list.queries.ts";
import type {
  AgentDetails,
  AgentPage,
  AgentSvid,
  AgentView as AgentViewSchema,
  ListAgentsQuery,
  VaultysAgentDetails,
  VaultysAgentPage,
  VaultysAgentsQuery,
} from "../agents.contract.ts";
import { activeSessionCount, type AgentRow, agentVaults, agentView, findAgentByRef, type RealmRow, vaultysAgentView } from "../agents.queries.ts";
import { requireKnownCapabilities } from "../capabilities.ts";

export type AgentView = z.output<typeof AgentViewSchema>;
type Found = { agent: AgentRow; realm: RealmRow | null };

/** An agent of the caller's company by its name, `agt_…` id or DID; anything else (another company's) is not found. */
export async function requireAgent(ctx: Pick<ActionContext, "db" | "principal">, ref: string): Promise<Found> {
  const found = await findAgentByRef(ctx.db, ctx.principal.companyId, ref);
  if (!found) throw notFound(`Agent "${ref}"`);
  return found;
}

/** The agent as every agent endpoint shows it, its SPIFFE ID under the deployment's (checked) trust domain. */
export const agentViewOf = (ctx: Pick<ActionContext, "config">, agent: AgentRow, realm: RealmRow | null): AgentView =>
  agentView(agent, realm, spiffeIdFor(trustDomainIn(ctx.config), agent.companyId, agent.name));

/**
 * Which agents get a JWT-SVID, for its API and the console's preview alike: only an active one
 * (a disabled, pending or rejected agent is a 403 `agent_not_active`). What it says is identity's.
 */
function svidRequestFor(agent: Pick<AgentRow, "companyId" | "name" | "status">, audience?: string[]): IssueSvidOptions {
  if (agent.status !== "active") throw new AppError(403, "agent_not_active", `Agent "${agent.name}" is ${agent.status}`);
  return { companyId: agent.companyId, agentName: agent.name, ...(audience ? { audience } : {}) };
}

/** An agent by its name, id or DID, as PATCH answers it (the console names it in its confirmation steps). */
export async function findAgent(ctx: ActionContext, ref: string): Promise<AgentView> {
  const { agent, realm } = await requireAgent(ctx, ref);
  return agentViewOf(ctx, agent, realm);
}

async function detailsOf(ctx: ActionContext, { agent, realm }: Found): Promise<z.output<typeof AgentDetails>> {
  const vaults = await agentVaults(ctx.db, agent.id, ctx.principal.companyId);
  return {
    ...agentViewOf(ctx, agent, realm),
    llmSystemPrompt: agent.llmSystemPrompt ?? null,
    vaults,
    activeSessions: await activeSessionCount(ctx.db, agent.id),
  };
}

/** GET /v1/agents/{agentId}: the agent with its vault roles and live sessions; an agent sees only itself. */
export async function getAgent(ctx: ActionContext, ref: string): Promise<z.output<typeof AgentDetails>> {
  const found = await requireAgent(ctx, ref);
  authorizeSubject(ctx, found.agent.id, `Agent "${ref}"`);
  return detailsOf(ctx, found);
}

/** GET /api/agents/{id}: Vaultys' view of the agent, with its vault roles (its policy here). */
export async function getVaultysAgent(ctx: ActionContext, ref: string): Promise<z.output<typeof VaultysAgentDetails>> {
  const { agent, realm } = await requireAgent(ctx, ref);
  authorizeSubject(ctx, agent.id, `Agent "${ref}"`);
  const vaults = await agentVaults(ctx.db, agent.id, ctx.principal.companyId);
  const view = vaultysAgentView(agent, realm, spiffeIdFor(trustDomainIn(ctx.config), agent.companyId, agent.name));
  return { ...view, llmSystemPrompt: agent.llmSystemPrompt ?? null, publicKey: agent.publicKey ?? null, version: agent.version ?? null, vaults };
}

/** GET /v1/agents/{agentId}/svid: a JWT-SVID for an active agent, for `audience` (default: this edge's token exchange). */
export async function agentSvid(ctx: ActionContext, ref: string, audience: string | undefined): Promise<z.output<typeof AgentSvid>> {
  const { agent } = await requireAgent(ctx, ref);
  authorizeSubject(ctx, agent.id, `Agent "${ref}"`);
  const issued = await ctx.edge.issueSvid(svidRequestFor(agent, audience ? [audience] : undefined));
  return { agentId: agent.name, spiffeId: issued.spiffeId, svid: issued.svid };
}

/** Claims as if issued now, with the header the company's active key would add; or why there are none. */
export type SvidPreview = { claims: SvidClaims; header: { alg: string; kid: string; typ: string } | undefined } | { refused: string };

/**
 * The console's agent page: what GET /v1/agents/{agentId} shows, the agent's own rate-limit
 * override, and the claims GET /v1/agents/{agentId}/svid would sign now — the same checks,
 * nothing signed.
 */
export async function showAgent(
  ctx: ActionContext,
  ref: string,
): Promise<{ agent: z.output<typeof AgentDetails>; rateLimit: RateLimitOverride | null; svid: SvidPreview }> {
  const found = await requireAgent(ctx, ref);
  const request = previewRequestFor(found.agent);
  const svid: SvidPreview =
    "refused" in request ? request : { claims: agentSvidClaims(ctx.config, request), header: await currentSvidHeader(ctx.db, ctx.principal.companyId) };
  return { agent: await detailsOf(ctx, found), rateLimit: found.agent.rateLimit ?? null, svid };
}

/** `svidRequestFor`'s request, or its refusal in words for the page. */
function previewRequestFor(agent: AgentRow): IssueSvidOptions | { refused: string } {
  try {
    return svidRequestFor(agent);
  } catch (error) {
    if (error instanceof AppError) return { refused: error.message };
    throw error;
  }
}

/** The filters and page both lists share: `/v1/agents`'s, and Vaultys' with `online` already a boolean. */
type ListQuery = Omit<AgentListFilter, "companyId" | "realmId" | "capabilities" | "q"> &
  Pick<z.output<typeof ListAgentsQuery>, "page" | "pageSize" | "sortBy" | "sortDir"> & { q?: string; realm?: string; capabilities?: string };

/** Reads `a,b,c`, ignoring blanks; an unknown capability is a 400 `unknown_capability`. */
const parseCapabilityList = (value: string | undefined) =>
  requireKnownCapabilities(
    (value ?? "")
      .split(",")
      .map((c) => c.trim())
      .filter((c) => c.length > 0),
  );

/** One page of the caller's company's agents, each shown by `view`. */
async function agentPage<V>(ctx: ActionContext, query: ListQuery, view: (agent: AgentRow, realm: RealmRow | null, spiffeId: string, now: number) => V) {
  const companyId = ctx.principal.companyId;
  const capabilities = parseCapabilityList(query.capabilities);
  const realmId = query.realm === undefined ? undefined : (await requireRealm(ctx.db, companyId, query.realm)).id;
  const q = query.q?.trim().toLowerCase();
  const now = ctx.edge.now();
  const { rows, total, online } = await listAgentsPage(
    ctx.db,
    { companyId, q: q || undefined, online: query.online, realmId, capabilities, status: query.status },
    { page: query.page, pageSize: query.pageSize, sortBy: query.sortBy, sortDir: query.sortDir },
    now,
  );
  const trustDomain = ctx.config.trustDomain;
  const agents = rows.map(({ agent, realm }) => view(agent, realm, spiffeIdFor(trustDomain, agent.companyId, agent.name), now));
  return { agents, total, page: query.page, pageSize: query.pageSize, totalPages: Math.ceil(total / query.pageSize), online };
}

/**
 * GET /v1/agents (and the console's list, with the same filters). Company members see every agent
 * of the company, read-only, like owners and API keys do: an agent's name, capabilities and realm
 * are not secrets inside the company, and we have no per-realm membership to narrow it by.
 */
export async function listAgents(ctx: ActionContext, query: z.output<typeof ListAgentsQuery>): Promise<z.output<typeof AgentPage>> {
  const online = query.online === undefined ? undefined : query.online === "true";
  return agentPage(ctx, { ...query, online }, agentView);
}

/** GET /api/agents: the same list in Vaultys' shape. */
export async function listVaultysAgents(ctx: ActionContext, query: z.output<typeof VaultysAgentsQuery>): Promise<z.output<typeof VaultysAgentPage>> {
  return agentPage(ctx, query, vaultysAgentView);
}
