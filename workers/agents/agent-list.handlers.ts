/**
 * Listing agents. Company members see every agent of the company, read-only, like owners and
 * API keys do: an agent's name, capabilities and realm are not secrets inside the company, and we
 * have no per-realm membership to narrow it by. Agents and vault sessions are refused.
 */

import { configOf } from "../config.ts";
import { listAgentsPage } from "./agent-list.queries.ts";
import { agentView } from "./agents.queries.ts";
import { requireRealm } from "../realms/realms.queries.ts";
import { createRouter } from "../lib/router.ts";
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

agentListRouter.openapi(routes.listAgents, async (c) => {
  const principal = c.var.principal;
  const query = c.req.valid("query");
  const db = c.var.db;
  const capabilities = parseCapabilityList(query.capabilities);
  const realmId = query.realm === undefined ? undefined : (await requireRealm(db, principal.companyId, query.realm)).id;
  const q = query.q?.trim().toLowerCase();
  const now = Date.now();
  const { rows, total, online } = await listAgentsPage(
    db,
    {
      companyId: principal.companyId,
      q: q || undefined,
      online: query.online === undefined ? undefined : query.online === "true",
      realmId,
      capabilities,
      status: query.status,
    },
    { page: query.page, pageSize: query.pageSize, sortBy: query.sortBy, sortDir: query.sortDir },
    now,
  );
  const agents = rows.map(({ agent, realm }) => agentView(agent, realm, spiffeIdFor(configOf(c.env).trustDomain, agent.companyId, agent.name), now));
  return c.json({ agents, total, page: query.page, pageSize: query.pageSize, totalPages: Math.ceil(total / query.pageSize), online }, 200);
});
