/**
 * Listing agents. Company members see every agent of the company, read-only, like owners and
 * API keys do: an agent's name, capabilities and realm are not secrets inside the company, and we
 * have no per-realm membership to narrow it by. Agents and vault sessions are refused.
 */

import { configOf } from "../config.ts";
import type { Database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { type AgentListFilter, type AgentListPage, listAgentsPage } from "./agent-list.queries.ts";
import { type AgentRow, agentView, type RealmRow, vaultysAgentView } from "./agents.queries.ts";
import { requireRealm } from "../realms/realms.queries.ts";
import { createRouter } from "../router.ts";
import { requireKnownCapabilities } from "./capabilities.ts";
import { spiffeIdFor } from "../lib/spiffe.ts";
import * as routes from "./agent-list.routes.ts";

/** Drops duplicates; any capability outside CAPABILITIES is a 400 `unknown_capability`. */

/** Reads `a,b,c`, ignoring blanks. */
const parseCapabilityList = (value: string | undefined) =>
  requireKnownCapabilities(
    (value ?? "")
      .split(",")
      .map((c) => c.trim())
      .filter((c) => c.length > 0),
  );

export const agentListRouter = createRouter();

type ListQuery = Omit<AgentListFilter, "companyId" | "realmId" | "capabilities" | "q"> & AgentListPage & { q?: string; realm?: string; capabilities?: string };

/** One page of the caller's company's agents, each shown by `view`: shared by `/v1/agents` and Vaultys' `/api/agents`. */
async function agentPage<V>(
  db: Database,
  env: Env,
  companyId: string,
  query: ListQuery,
  view: (agent: AgentRow, realm: RealmRow | null, spiffeId: string, now: number) => V,
) {
  const capabilities = parseCapabilityList(query.capabilities);
  const realmId = query.realm === undefined ? undefined : (await requireRealm(db, companyId, query.realm)).id;
  const q = query.q?.trim().toLowerCase();
  const now = Date.now();
  const { rows, total, online } = await listAgentsPage(
    db,
    { companyId, q: q || undefined, online: query.online, realmId, capabilities, status: query.status },
    { page: query.page, pageSize: query.pageSize, sortBy: query.sortBy, sortDir: query.sortDir },
    now,
  );
  const trustDomain = configOf(env).trustDomain;
  const agents = rows.map(({ agent, realm }) => view(agent, realm, spiffeIdFor(trustDomain, agent.companyId, agent.name), now));
  return { agents, total, page: query.page, pageSize: query.pageSize, totalPages: Math.ceil(total / query.pageSize), online };
}

agentListRouter
  .openapi(routes.listAgents, async (c) => {
    const query = c.req.valid("query");
    const online = query.online === undefined ? undefined : query.online === "true";
    return c.json(await agentPage(c.var.db, c.env, c.var.principal.companyId, { ...query, online }, agentView), 200);
  })
  .openapi(routes.listVaultysAgents, async (c) => {
    const query = c.req.valid("query");
    return c.json(await agentPage(c.var.db, c.env, c.var.principal.companyId, query, vaultysAgentView), 200);
  });
